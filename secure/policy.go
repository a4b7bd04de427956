package secure

import "unicode/utf8"

// Password length bounds for a new password, in characters.
const (
	MinPasswordChars = 10
	MaxPasswordChars = 128
)

// CheckPassword returns the translation key of what is wrong with a new password, or "" when
// it is acceptable. It is the one password policy of Zona: the web forms and the CLI use it.
func CheckPassword(v string) string {
	n := utf8.RuneCountInString(v)
	switch {
	case !utf8.ValidString(v):
		return "form.invalid_chars"
	case v == "":
		return "form.password_required"
	case n < MinPasswordChars:
		return "form.password_short"
	case n > MaxPasswordChars:
		return "form.password_long"
	}
	return ""
}
