package store

import (
	"testing"
	"unicode/utf8"
)

func TestCheckRFC(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		company    bool
		want       string // normalised RFC
		problem    string
		checkDigit bool
		moral      bool
		generic    bool
	}{
		// Published RFCs of companies (personas morales), check digit right.
		{"SAT", "SAT970701NN3", true, "SAT970701NN3", "", false, true, false},
		{"CFE", "CFE370814QI0", true, "CFE370814QI0", "", false, true, false},
		{"Pemex", "PME380607P35", true, "PME380607P35", "", false, true, false},
		{"Telmex", "TME840315KT6", true, "TME840315KT6", "", false, true, false},
		{"Walmart", "NWM9709244W4", true, "NWM9709244W4", "", false, true, false},
		// SAT's published test RFCs for CFDI 4.0, with Ñ and & (one character each).
		{"moral with Ñ", "OÑO120726RX3", true, "OÑO120726RX3", "", false, true, false},
		{"moral with &", "L&O950913MSA", true, "L&O950913MSA", "", false, true, false},
		{"moral test", "EKU9003173C9", true, "EKU9003173C9", "", false, true, false},
		{"física", "XIQB891116QE4", false, "XIQB891116QE4", "", false, false, false},
		{"física with Ñ", "IAÑL750210963", false, "IAÑL750210963", "", false, false, false},
		{"física Ñ last letter", "RAQÑ7701212M3", false, "RAQÑ7701212M3", "", false, false, false},
		{"física 1949", "MISC491214B86", false, "MISC491214B86", "", false, false, false},
		// SAT's example RFC of Anexo 20, accepted by SAT, whose check digit fails.
		{"check digit fails", "AAA010101AAA", true, "AAA010101AAA", "", true, true, false},
		// Generic RFCs.
		{"generic MX", "XAXX010101000", false, RFCGenericMX, "", false, false, true},
		{"generic foreign", "xexx010101000", false, RFCGenericForeign, "", false, false, true},
		// Normalised: lower case, spaces, hyphens.
		{"lower case and spaces", "  xiqb 891116-qe4 ", false, "XIQB891116QE4", "", false, false, false},
		{"lower ñ", "iañl750210963", false, "IAÑL750210963", "", false, false, false},
		{"empty", "   ", false, "", "", false, false, false},
		// Hard errors.
		{"bad date month", "XIQB891316QE4", false, "XIQB891316QE4", "form.rfc_date", false, false, false},
		{"bad date 30 Feb", "SAT970230NN3", true, "SAT970230NN3", "form.rfc_date", false, true, false},
		{"29 Feb 1999", "XIQB990229QE4", false, "XIQB990229QE4", "form.rfc_date", false, false, false},
		{"forbidden word", "PUTO891116QE4", false, "PUTO891116QE4", "form.rfc_word", false, false, false},
		{"forbidden word BUEY", "BUEY891116QE4", false, "BUEY891116QE4", "form.rfc_word", false, false, false},
		{"too short", "XIQB891116", false, "XIQB891116", "form.rfc_length", false, false, false},
		{"too long", "XIQB891116QE44", false, "XIQB891116QE44", "form.rfc_length", false, false, false},
		{"digits in letters", "X1QB891116QE4", false, "X1QB891116QE4", "form.rfc_format", false, false, false},
		{"bad check char", "XIQB891116QEB", false, "XIQB891116QEB", "form.rfc_format", false, false, false},
		{"moral without company", "SAT970701NN3", false, "SAT970701NN3", "form.rfc_moral_company", false, true, false},
		{"symbols", "XIQB89#116QE4", false, "XIQB89#116QE4", "form.rfc_format", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := CheckRFC(tc.in, tc.company)
			if v.RFC != tc.want || v.Problem != tc.problem || v.CheckDigit != tc.checkDigit ||
				(tc.problem == "" && tc.want != "" && (v.Moral != tc.moral || v.Generic != tc.generic)) {
				t.Errorf("CheckRFC(%q, %v) = %+v; want RFC %q, problem %q, check digit warning %v, moral %v, generic %v",
					tc.in, tc.company, v, tc.want, tc.problem, tc.checkDigit, tc.moral, tc.generic)
			}
		})
	}
}

func TestRFCDate(t *testing.T) {
	if v := CheckRFC("XIQB891116QE4", false); v.Date.Format("2006-01-02") != "1989-11-16" {
		t.Errorf("date %v", v.Date)
	}
	if v := CheckRFC("URE180429TM6", true); v.Date.Format("2006-01-02") != "2018-04-29" {
		t.Errorf("date %v", v.Date)
	}
	if got := RFCBirthDigits("XIQB891116QE4"); len(got) != 2 || got[0] != "891116" || got[1] != "161189" {
		t.Errorf("birth digits %v", got)
	}
	if got := RFCBirthDigits("SAT970701NN3"); got != nil {
		t.Errorf("a company's RFC has no birth date, got %v", got)
	}
}

// FuzzRFC feeds CheckRFC anything: it must not panic, and what it accepts must be 12 or
// 13 characters of the allowed alphabet, stable under a second check.
func FuzzRFC(f *testing.F) {
	for _, s := range []string{"SAT970701NN3", "IAÑL750210963", "L&O950913MSA", "XAXX010101000", "", "ñ", "\xff\xfe", "AAAA000000000", "  a-b.c "} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, in string, company bool) {
		v := CheckRFC(in, company)
		if v.Problem != "" || v.RFC == "" {
			return
		}
		if n := utf8.RuneCountInString(v.RFC); n != 12 && n != 13 {
			t.Fatalf("accepted %q (%d characters)", v.RFC, n)
		}
		if again := CheckRFC(v.RFC, company); again.RFC != v.RFC || again.Problem != "" || again.CheckDigit != v.CheckDigit {
			t.Fatalf("not stable: %+v then %+v", v, again)
		}
	})
}
