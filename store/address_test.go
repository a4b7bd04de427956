package store

import (
	"slices"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		country, in, want, problem string
	}{
		{"MX", "55 1234 5678", "+525512345678", ""},
		{"MX", "(33) 3615-0000", "+523336150000", ""},
		{"MX", "+52 1 55 1234 5678", "+525512345678", ""}, // retired mobile prefix
		{"MX", "044 55 1234 5678", "+525512345678", ""},
		{"MX", "045 33 3615 0000", "+523336150000", ""},
		{"MX", "01 55 1234 5678", "+525512345678", ""},
		{"MX", "1234", "1234", "form.phone_invalid"},
		{"MX", "hola", "hola", "form.phone_invalid"},
		{"MX", "", "", ""},
		{"US", "(212) 555-0123", "+12125550123", ""},
		{"US", "+1 415 555 2671", "+14155552671", ""},
		{"US", "555-0123", "555-0123", "form.phone_invalid"},
		{"ES", "612 34 56 78", "+34612345678", ""},
		{"ES", "+34 91 123 45 67", "+34911234567", ""},
		{"ES", "0034 612 345 678", "+34612345678", ""},
		{"ES", "12 34", "12 34", "form.phone_invalid"},
		{"ES", "+52 55 1234 5678", "+525512345678", ""}, // another country's number, written in full
	} {
		got, problem := NormalizePhone(tc.country, tc.in)
		if got != tc.want || problem != tc.problem {
			t.Errorf("NormalizePhone(%s, %q) = %q, %q; want %q, %q", tc.country, tc.in, got, problem, tc.want, tc.problem)
		}
	}
	if got := PhoneDisplay("+525512345678"); got != "+52 55 1234 5678" {
		t.Errorf("PhoneDisplay = %q", got)
	}
}

func TestNormalizePostalCode(t *testing.T) {
	for _, tc := range []struct {
		country, in, want, problem string
	}{
		{"MX", "06600", "06600", ""},
		{"MX", " 44100 ", "44100", ""},
		{"MX", "4410", "4410", "form.postal_code_mx"},
		{"MX", "441000", "441000", "form.postal_code_mx"},
		{"MX", "A4410", "A4410", "form.postal_code_mx"},
		{"MX", "", "", "form.postal_code_required"},
		{"US", "10001", "10001", ""},
		{"US", "10001-1234", "10001-1234", ""},
		{"US", "1000", "1000", "form.postal_code_us"},
		{"US", "10001 1234", "10001 1234", "form.postal_code_us"},
		{"ES", "28013", "28013", ""},
		{"ES", "08001", "08001", ""},
		{"ES", "53001", "53001", "form.postal_code_es"},
		{"ES", "00123", "00123", "form.postal_code_es"},
		{"GB", "sw1a  1aa", "SW1A 1AA", ""},
		{"CA", "K1A 0B1", "K1A 0B1", ""},
		{"HK", "", "", ""},
		{"GB", "!!", "!!", "form.postal_code_invalid"},
	} {
		got, problem := NormalizePostalCode(tc.country, tc.in)
		if got != tc.want || problem != tc.problem {
			t.Errorf("NormalizePostalCode(%s, %q) = %q, %q; want %q, %q", tc.country, tc.in, got, problem, tc.want, tc.problem)
		}
	}
}

func TestCountriesAndStates(t *testing.T) {
	if len(Countries) != 249 || !slices.IsSorted(Countries) {
		t.Errorf("%d countries, sorted %v; want the 249 of ISO 3166-1, sorted", len(Countries), slices.IsSorted(Countries))
	}
	if !ValidCountry("MX") || ValidCountry("XX") || ValidCountry("mx") {
		t.Error("ValidCountry")
	}
	if len(MXStates) != 32 {
		t.Errorf("%d federal entities, want 32", len(MXStates))
	}
	for _, tc := range []struct{ country, state, problem string }{
		{"MX", "JAL", ""}, {"MX", "", "form.state_required"}, {"MX", "Jalisco", "form.state_invalid"},
		{"US", "California", ""}, {"ES", "", ""},
	} {
		if got := CheckState(tc.country, tc.state); got != tc.problem {
			t.Errorf("CheckState(%s, %q) = %q, want %q", tc.country, tc.state, got, tc.problem)
		}
	}
}

func TestCheckPIN(t *testing.T) {
	for _, tc := range []struct{ pin, rfc, want string }{
		{"402917", "", ""},
		{"111111", "", "form.pin_trivial"},
		{"123456", "", "form.pin_trivial"},
		{"345678", "", "form.pin_trivial"},
		{"987654", "", "form.pin_trivial"},
		{"12345", "", "form.pin_format"},
		{"1234567", "", "form.pin_format"},
		{"12a456", "", "form.pin_format"},
		{"١٢٣٤٥٦", "", "form.pin_format"},
		{"891116", "XIQB891116QE4", "form.pin_birthdate"},
		{"161189", "XIQB891116QE4", "form.pin_birthdate"},
		{"891116", "", ""},
		{"970701", "SAT970701NN3", ""},
	} {
		if got := CheckPIN(tc.pin, tc.rfc); got != tc.want {
			t.Errorf("CheckPIN(%q, %q) = %q, want %q", tc.pin, tc.rfc, got, tc.want)
		}
	}
}

func TestCheckSATCode(t *testing.T) {
	for _, tc := range []struct{ code, rfc, want string }{
		{"601", "SAT970701NN3", ""},
		{"601", "XIQB891116QE4", "form.sat_not_fisica"},
		{"612", "SAT970701NN3", "form.sat_not_moral"},
		{"612", "", ""},
		{"999", "", "form.choose_option"},
		{"", "", ""},
	} {
		if got := CheckSATCode(RegimenesFiscales, tc.code, tc.rfc); got != tc.want {
			t.Errorf("CheckSATCode(%q, %q) = %q, want %q", tc.code, tc.rfc, got, tc.want)
		}
	}
}
