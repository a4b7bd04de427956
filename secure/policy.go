package secure

import (
	"bufio"
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Password length bounds for a new password, in characters.
const (
	MinPasswordChars = 10
	MaxPasswordChars = 128
	// MinScore is the lowest zxcvbn score (0–4) a new password may have.
	MinScore = 3
)

//go:embed common-passwords.txt
var commonList string

// common is the set of breached passwords refused outright, in lower case.
var common = func() map[string]struct{} {
	set := make(map[string]struct{}, 10100)
	sc := bufio.NewScanner(strings.NewReader(commonList))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			set[line] = struct{}{}
		}
	}
	return set
}()

// Verdict is what Zona says of a new password: its zxcvbn score (0 very weak … 4 very
// strong) and the translation keys of every rule it breaks, in the order a person should
// fix them. An acceptable password has no problems.
type Verdict struct {
	Score    int
	Problems []string
}

// OK reports whether the password may be used.
func (v Verdict) OK() bool { return len(v.Problems) == 0 }

// EvaluatePassword applies Zona's one password policy to pw. personal are things the
// password must not contain and that make it easier to guess: the person's email and names.
//
// The rules: 10 to 128 characters, at least one digit and one special character (the
// customer help page's rule), not one of the most common breached passwords, not containing
// the email or a name, and a zxcvbn score of at least 3.
func EvaluatePassword(pw string, personal ...string) Verdict {
	var v Verdict
	if !utf8.ValidString(pw) {
		v.Problems = append(v.Problems, "form.invalid_chars")
		return v
	}
	if pw == "" {
		v.Problems = append(v.Problems, "form.password_required")
		return v
	}
	n := utf8.RuneCountInString(pw)
	if n > MaxPasswordChars {
		v.Problems = append(v.Problems, "form.password_long")
		return v
	}
	if n < MinPasswordChars {
		v.Problems = append(v.Problems, "form.password_short")
	}
	if !strings.ContainsFunc(pw, unicode.IsDigit) {
		v.Problems = append(v.Problems, "form.password_digit")
	}
	if !strings.ContainsFunc(pw, isSpecial) {
		v.Problems = append(v.Problems, "form.password_special")
	}
	if _, ok := common[strings.ToLower(pw)]; ok {
		v.Problems = append(v.Problems, "form.password_common")
	}
	folded := fold(pw)
	inputs := personalTokens(personal)
	for _, tok := range inputs {
		// Three-letter names ("Ana") are inside too many words ("ventana") to refuse on
		// sight; zxcvbn still counts them against the score.
		if utf8.RuneCountInString(tok) >= 4 && strings.Contains(folded, tok) {
			v.Problems = append(v.Problems, "form.password_personal")
			break
		}
	}
	v.Score = zxcvbn.PasswordStrength(pw, inputs).Score
	if len(v.Problems) > 0 {
		v.Score = min(v.Score, 1)
	} else if v.Score < MinScore {
		v.Problems = append(v.Problems, "form.password_weak")
	}
	return v
}

// CheckPassword returns the translation key of the first rule pw breaks, or "".
func CheckPassword(pw string, personal ...string) string {
	if v := EvaluatePassword(pw, personal...); !v.OK() {
		return v.Problems[0]
	}
	return ""
}

func isSpecial(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsSpace(r)
}

// Fold is s in lower case without accents, so "Ramírez" and "ramirez" compare equal: the
// form searches compare.
func Fold(s string) string { return fold(s) }

// fold is s in lower case without accents, so "Ramírez" and "ramirez" compare equal.
func fold(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// personalTokens splits emails and names into the folded words a password must not
// contain: "ana.lopez@example.mx" gives "ana.lopez@example.mx", "ana", "lopez", "example".
func personalTokens(personal []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		s = fold(strings.TrimSpace(s))
		if utf8.RuneCountInString(s) >= 3 && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, p := range personal {
		add(p)
		for _, f := range strings.FieldsFunc(p, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if f != "com" && f != "net" && f != "org" {
				add(f)
			}
		}
	}
	return out
}
