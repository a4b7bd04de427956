package handlers

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zona/views"
)

// Input limits shared by the forms.
const (
	maxEmailLen    = 254
	maxNameLen     = 100
	maxPasswordLen = 1024
)

// formText returns a form field as text a page can show again: trimmed unless raw, with
// invalid UTF-8 replaced. ok is false when the browser sent invalid UTF-8.
func formText(c *fiber.Ctx, name string, raw bool) (value string, ok bool) {
	v := c.FormValue(name)
	ok = utf8.ValidString(v)
	if !ok {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	if !raw {
		v = strings.TrimSpace(v)
	}
	return v, ok
}

// checkEmail returns the translation key of what is wrong with an email address, or "".
func checkEmail(v string, ok bool) string {
	switch {
	case !ok:
		return "form.invalid_chars"
	case v == "":
		return "form.email_required"
	case utf8.RuneCountInString(v) > maxEmailLen:
		return "form.email_too_long"
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		return "form.email_invalid"
	}
	return ""
}

// checkText returns the translation key of what is wrong with a required short text, or "".
func checkText(v string, ok bool, max int) string {
	switch {
	case !ok:
		return "form.invalid_chars"
	case v == "":
		return "form.required"
	case utf8.RuneCountInString(v) > max:
		return "form.too_long"
	}
	return ""
}

// withError returns f carrying the message msg.
func withError(f views.Field, msg string) views.Field {
	f.Error = msg
	return f
}
