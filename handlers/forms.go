package handlers

import (
	"net/mail"
	"strings"
	"unicode"
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
// invalid UTF-8 replaced. ok is false when the browser sent invalid UTF-8, or, unless raw
// (a password is taken as typed), text that typedText refuses.
func formText(c *fiber.Ctx, name string, raw bool) (value string, ok bool) {
	if !raw {
		return typedText(c.FormValue(name))
	}
	v := c.FormValue(name)
	if !utf8.ValidString(v) {
		return strings.ToValidUTF8(v, "\uFFFD"), false
	}
	return v, true
}

// typedText is a one-line field, from a form or the JSON API, as Zona keeps it: trimmed,
// with invalid UTF-8 replaced so that a page can show it again. ok is false when it held
// invalid UTF-8, a control character (C0, DEL or C1: NUL, ESC, a line break…) or a
// bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), which make
// a name display as something other than what it is. This is the one rule for names and
// other short texts; callers show "form.invalid_chars" beside the field when ok is false.
func typedText(v string) (value string, ok bool) {
	ok = utf8.ValidString(v)
	if !ok {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	v = strings.TrimSpace(v)
	for _, r := range v {
		if unicode.IsControl(r) || (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') {
			return v, false
		}
	}
	return v, ok
}

// typedLines is a text of several lines (a textarea) as Zona keeps it: each line as
// typedText keeps it, line breaks as "\n". ok is false when a line holds what typedText
// refuses.
func typedLines(v string) (value string, ok bool) {
	lines := strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n")
	ok = true
	for i, l := range lines {
		var good bool
		lines[i], good = typedText(l)
		ok = ok && good
	}
	return strings.TrimSpace(strings.Join(lines, "\n")), ok
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
