package store

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Generic RFCs that SAT accepts on invoices when the buyer has none: a person or company in
// Mexico without an RFC (público en general), and a foreign one.
const (
	RFCGenericMX      = "XAXX010101000"
	RFCGenericForeign = "XEXX010101000"
)

// RFCVerdict is what CheckRFC says of an RFC (Registro Federal de Contribuyentes).
type RFCVerdict struct {
	// RFC is the normalised form: upper case, without spaces, hyphens or dots.
	RFC string
	// Problem is the translation key of a hard error (format, date, forbidden word, or a
	// persona moral RFC without a company), or "" when the RFC may be used.
	Problem string
	// CheckDigit is true when the RFC is well formed but its last character is not the
	// check digit SAT's algorithm gives. About 1.5% of RFCs really issued by SAT fail it,
	// so this is a warning the person confirms, not an error.
	CheckDigit bool
	// Moral is true for a 12-character RFC (persona moral: a company), false for 13
	// (persona física).
	Moral bool
	// Generic is true for RFCGenericMX and RFCGenericForeign.
	Generic bool
	// Date is the date in the RFC: birth for a person, incorporation for a company.
	Date time.Time
}

// rfcWords are the words SAT never issues as the four letters of a persona física's RFC
// (Anexo IV, "palabras inconvenientes", of SAT's instructions for forming the RFC): it
// replaces their last letter with an X.
var rfcWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`BUEI BUEY CACA CACO CAGA CAGO CAKA CAKO COGE COJA COJE COJI
		COJO CULO FETO GUEY JOTO KACA KACO KAGA KAGO KOGE KOJO KAKA KULO MAME MAMO MEAR MEAS
		MEON MION MOCO MULA PEDA PEDO PENE PUTA PUTO QULO RATA RUIN`) {
		rfcWords[w] = true
	}
}

var rfcClean = strings.NewReplacer(" ", "", "-", "", ".", "", "\t", "", "\u00a0", "")

// CheckRFC normalises and checks an RFC. hasCompany says whether the record names a
// company: a 12-character RFC belongs to a persona moral, so it needs one.
//
// Hard errors: not 12 or 13 characters (counted in characters: Ñ is one), letters where
// digits belong or the reverse, a date that does not exist, and, for a persona física, one
// of SAT's forbidden words as its first four letters. A wrong check digit is only flagged
// (CheckDigit). The generic RFCs are accepted as they are.
func CheckRFC(raw string, hasCompany bool) RFCVerdict {
	v := RFCVerdict{RFC: strings.ToUpper(rfcClean.Replace(strings.TrimSpace(raw)))}
	if !utf8.ValidString(v.RFC) {
		v.Problem = "form.invalid_chars"
		return v
	}
	if v.RFC == "" {
		return v
	}
	if v.RFC == RFCGenericMX || v.RFC == RFCGenericForeign {
		v.Generic = true
		v.Date = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
		return v
	}
	r := []rune(v.RFC)
	switch len(r) {
	case 12:
		v.Moral = true
	case 13:
	default:
		v.Problem = "form.rfc_length"
		return v
	}
	letters := len(r) - 9
	for i, c := range r {
		var ok bool
		switch {
		case i < letters:
			ok = (c >= 'A' && c <= 'Z') || c == 'Ñ' || c == '&'
		case i < letters+6:
			ok = c >= '0' && c <= '9'
		case i < letters+8:
			ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		default:
			ok = (c >= '0' && c <= '9') || c == 'A'
		}
		if !ok {
			v.Problem = "form.rfc_format"
			return v
		}
	}
	date, ok := rfcDate(string(r[letters : letters+6]))
	if !ok {
		v.Problem = "form.rfc_date"
		return v
	}
	v.Date = date
	if !v.Moral && rfcWords[string(r[:4])] {
		v.Problem = "form.rfc_word"
		return v
	}
	if v.Moral && !hasCompany {
		v.Problem = "form.rfc_moral_company"
		return v
	}
	v.CheckDigit = rfcCheckDigit(r) != r[len(r)-1]
	return v
}

// rfcDate reads YYMMDD. The century is guessed: years up to this one's last two digits
// are this century. 29 February is accepted when either century makes it a leap year.
func rfcDate(s string) (time.Time, bool) {
	yy := int(s[0]-'0')*10 + int(s[1]-'0')
	mm := int(s[2]-'0')*10 + int(s[3]-'0')
	dd := int(s[4]-'0')*10 + int(s[5]-'0')
	if mm < 1 || mm > 12 || dd < 1 {
		return time.Time{}, false
	}
	year := 1900 + yy
	if 2000+yy <= time.Now().Year() {
		year = 2000 + yy
	}
	check := year
	if mm == 2 && dd == 29 && yy == 0 {
		check = 2000 // 1900 was not a leap year, 2000 was
	}
	t := time.Date(check, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if t.Day() != dd || t.Month() != time.Month(mm) {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(mm), dd, 0, 0, 0, 0, time.UTC), true
}

// rfcValue is each character's value in SAT's check-digit algorithm; a persona moral's RFC
// is first padded to 13 with a leading space.
func rfcValue(c rune) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'N':
		return int(c-'A') + 10
	case c == '&':
		return 24
	case c >= 'O' && c <= 'Z':
		return int(c-'O') + 25
	case c == 'Ñ':
		return 38
	case unicode.IsSpace(c):
		return 37
	}
	return 0
}

// rfcCheckDigit computes the last character of a well-formed RFC from the others.
func rfcCheckDigit(r []rune) rune {
	if len(r) == 12 {
		r = append([]rune{' '}, r...)
	}
	sum := 0
	for i, c := range r[:12] {
		sum += rfcValue(c) * (13 - i)
	}
	switch rem := sum % 11; rem {
	case 0:
		return '0'
	case 1:
		return 'A'
	default:
		return rune('0' + 11 - rem)
	}
}

// RFCBirthDigits returns the date in a persona física's RFC as YYMMDD and DDMMYY, the
// forms a PIN must not take; nil for a company's or a generic RFC.
func RFCBirthDigits(rfc string) []string {
	v := CheckRFC(rfc, true)
	if v.Problem != "" || v.Moral || v.Generic || v.RFC == "" {
		return nil
	}
	r := []rune(v.RFC)
	d := string(r[4:10])
	return []string{d, d[4:6] + d[2:4] + d[0:2]}
}
