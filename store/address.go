package store

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Address is the contact and postal part of a person's record: the phone and the postal
// address of SPEC §5.1 (fields 5 to 11). The account owner's Client embeds it, and so does
// every contact, so both share the rules below.
type Address struct {
	// Phone is in E.164 ("+525512345678"), as NormalizePhone returns it.
	Phone   string `json:"phone,omitempty"`
	Street  string `json:"street,omitempty"`
	Colonia string `json:"colonia,omitempty"`
	City    string `json:"city,omitempty"`
	// State is, in Mexico, the ISO 3166-2 code of the federal entity without the "MX-"
	// prefix ("JAL"; see MXStates); elsewhere the state or province as written.
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	// Country is an ISO 3166-1 alpha-2 code (see Countries); empty means Mexico.
	Country string `json:"country,omitempty"`
}

// CountryOrDefault is the address's country, Mexico when none was given.
func (a Address) CountryOrDefault() string {
	if a.Country == "" {
		return DefaultCountry
	}
	return a.Country
}

// DefaultCountry is the country of a new address and the first one offered.
const DefaultCountry = "MX"

// Countries lists the officially assigned ISO 3166-1 alpha-2 codes.
var Countries = strings.Fields(`
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`)

// ValidCountry reports whether code is one of Countries.
func ValidCountry(code string) bool {
	_, ok := slices.BinarySearch(Countries, code)
	return ok
}

// MXState is one of Mexico's 32 federal entities.
type MXState struct {
	Code string // ISO 3166-2:MX without "MX-"
	Name string // its official short name, the same in every language
}

// MXStates are Mexico's federal entities in alphabetical order.
var MXStates = []MXState{
	{"AGU", "Aguascalientes"}, {"BCN", "Baja California"}, {"BCS", "Baja California Sur"},
	{"CAM", "Campeche"}, {"CHP", "Chiapas"}, {"CHH", "Chihuahua"}, {"CMX", "Ciudad de México"},
	{"COA", "Coahuila"}, {"COL", "Colima"}, {"DUR", "Durango"}, {"MEX", "Estado de México"},
	{"GUA", "Guanajuato"}, {"GRO", "Guerrero"}, {"HID", "Hidalgo"}, {"JAL", "Jalisco"},
	{"MIC", "Michoacán"}, {"MOR", "Morelos"}, {"NAY", "Nayarit"}, {"NLE", "Nuevo León"},
	{"OAX", "Oaxaca"}, {"PUE", "Puebla"}, {"QUE", "Querétaro"}, {"ROO", "Quintana Roo"},
	{"SLP", "San Luis Potosí"}, {"SIN", "Sinaloa"}, {"SON", "Sonora"}, {"TAB", "Tabasco"},
	{"TAM", "Tamaulipas"}, {"TLA", "Tlaxcala"}, {"VER", "Veracruz"}, {"YUC", "Yucatán"},
	{"ZAC", "Zacatecas"},
}

// MXStateName returns the name of the federal entity with that code, or "".
func MXStateName(code string) string {
	for _, s := range MXStates {
		if s.Code == code {
			return s.Name
		}
	}
	return ""
}

// StateLabel is how an address's state is shown: the entity's name in Mexico, else the
// state as written.
func (a Address) StateLabel() string {
	if a.CountryOrDefault() == "MX" {
		if n := MXStateName(a.State); n != "" {
			return n
		}
	}
	return a.State
}

// Bounds of the free-text parts of an address, in characters.
const (
	MaxAddressLine = 120
	MaxStateLen    = 60
	MaxPostalLen   = 10
	MaxPhoneLen    = 40
)

// CheckState returns the translation key of what is wrong with state in country, or "".
// Mexico asks for one of MXStates; elsewhere the state is optional free text.
func CheckState(country, state string) string {
	if country == "MX" {
		if state == "" {
			return "form.state_required"
		}
		if MXStateName(state) == "" {
			return "form.state_invalid"
		}
		return ""
	}
	if utf8.RuneCountInString(state) > MaxStateLen {
		return "form.too_long"
	}
	return ""
}

var (
	mxPostal    = regexp.MustCompile(`^[0-9]{5}$`)
	usPostal    = regexp.MustCompile(`^[0-9]{5}(-[0-9]{4})?$`)
	esPostal    = regexp.MustCompile(`^(0[1-9]|[1-4][0-9]|5[0-2])[0-9]{3}$`)
	otherPostal = regexp.MustCompile(`^[A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9]$`)
)

// NormalizePostalCode returns code in its canonical form for country (trimmed, upper case,
// inner spaces collapsed) and the translation key of what is wrong with it, or "".
//
// Mexico: five digits. United States: ZIP or ZIP+4. Spain: five digits starting with a
// province number, 01 to 52. Elsewhere: 3 to 10 letters, digits, spaces or hyphens, since
// many countries' codes mix them (and some countries have none, so it is optional there).
func NormalizePostalCode(country, code string) (string, string) {
	code = strings.ToUpper(strings.Join(strings.Fields(code), " "))
	var re *regexp.Regexp
	key := "form.postal_code_invalid"
	switch country {
	case "MX":
		re, key = mxPostal, "form.postal_code_mx"
	case "US":
		re, key = usPostal, "form.postal_code_us"
	case "ES":
		re, key = esPostal, "form.postal_code_es"
	default:
		if code == "" {
			return "", ""
		}
		re = otherPostal
	}
	if code == "" {
		return "", "form.postal_code_required"
	}
	if !re.MatchString(code) {
		return code, key
	}
	return code, ""
}

var phoneJunk = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "", "/", "", "\u00a0", "")

// NormalizePhone parses raw as a phone number of country (the number may also be written
// in international form, "+34 …"), and returns it in E.164 and the translation key of what
// is wrong, or "". Mexico's retired mobile prefixes ("+52 1", "044", "045") and long-distance
// prefix ("01") are dropped first, since current numbering metadata rejects them and people
// still write them.
func NormalizePhone(country, raw string) (string, string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", ""
	}
	if utf8.RuneCountInString(raw) > MaxPhoneLen {
		return raw, "form.phone_invalid"
	}
	if country == "" || !ValidCountry(country) {
		country = DefaultCountry
	}
	s := phoneJunk.Replace(raw)
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	switch {
	case strings.HasPrefix(s, "+521") && len(s) == 14:
		s = "+52" + s[4:]
	case country == "MX" && len(s) == 13 && (strings.HasPrefix(s, "044") || strings.HasPrefix(s, "045")):
		s = s[3:]
	case country == "MX" && len(s) == 12 && strings.HasPrefix(s, "01"):
		s = s[2:]
	}
	num, err := phonenumbers.Parse(s, country)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return raw, "form.phone_invalid"
	}
	return phonenumbers.Format(num, phonenumbers.E164), ""
}

// PhoneDisplay formats an E.164 number for reading ("+52 55 1234 5678"); anything it cannot
// parse comes back unchanged.
func PhoneDisplay(e164 string) string {
	if e164 == "" {
		return ""
	}
	num, err := phonenumbers.Parse(e164, DefaultCountry)
	if err != nil {
		return e164
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}
