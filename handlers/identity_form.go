package handlers

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"zona/locales"
	"zona/store"
	"zona/views"
)

// identityForm is the identity and address block of a person as typed: SPEC §5.1 fields
// 1 to 11 (first and last name, company, email, phone, street and number, colonia, city,
// state, postal code, country). The account details form embeds it, and so does the
// contacts form: one set of field names, rules and messages for both.
//
// Use: parseIdentity reads it from a request, validate checks and normalises it (phone to
// E.164, postal code to its canonical form), view shows it with its messages, changes
// lists what differs from the stored block for the history, and identityOf makes one from
// a stored record.
type identityForm struct {
	FirstName, LastName, Company, Email string
	// Address holds the rest as typed; Country is never empty after parsing.
	store.Address
}

// Field names of the identity block in forms and in the history ("field.<name>" labels).
const (
	fFirstName  = "first_name"
	fLastName   = "last_name"
	fCompany    = "company"
	fEmail      = "email"
	fPhone      = "phone"
	fStreet     = "street"
	fColonia    = "colonia"
	fCity       = "city"
	fState      = "state"
	fPostalCode = "postal_code"
	fCountry    = "country"
)

// identityOf is the block of a stored record, as its form first shows it.
func identityOf(first, last, company, email string, a store.Address) identityForm {
	a.Country = a.CountryOrDefault()
	return identityForm{FirstName: first, LastName: last, Company: company, Email: email, Address: a}
}

// parseIdentity reads the block from the request. A field sent as invalid UTF-8 gets its
// message in errs (field → message key) and validate leaves it alone.
func parseIdentity(c *fiber.Ctx, errs map[string]string) identityForm {
	read := func(name string) string {
		v, ok := formText(c, name, false)
		if !ok {
			errs[name] = "form.invalid_chars"
		}
		return v
	}
	f := identityForm{
		FirstName: read(fFirstName), LastName: read(fLastName), Company: read(fCompany), Email: read(fEmail),
		Address: store.Address{
			Phone: read(fPhone), Street: read(fStreet), Colonia: read(fColonia), City: read(fCity),
			State: read(fState), PostalCode: read(fPostalCode), Country: strings.ToUpper(read(fCountry)),
		},
	}
	if f.Country == "" {
		f.Country = store.DefaultCountry
	}
	return f
}

// validate checks the block and adds field → message key to errs for each problem. Names
// and email are required; the rest is optional but must be right when given: the phone a
// real number of the country (stored as E.164), the state one of Mexico's 32 in Mexico,
// the postal code in the country's format.
func (f *identityForm) validate(errs map[string]string) {
	set := func(field, key string) {
		if key != "" && errs[field] == "" {
			errs[field] = key
		}
	}
	set(fFirstName, checkText(f.FirstName, true, maxNameLen))
	set(fLastName, checkText(f.LastName, true, maxNameLen))
	set(fCompany, checkOptional(f.Company, maxNameLen))
	set(fEmail, checkEmail(f.Email, true))
	set(fStreet, checkOptional(f.Street, store.MaxAddressLine))
	set(fColonia, checkOptional(f.Colonia, store.MaxAddressLine))
	set(fCity, checkOptional(f.City, store.MaxAddressLine))
	if !store.ValidCountry(f.Country) {
		set(fCountry, "form.choose_option")
		f.Country = store.DefaultCountry
	}
	f.checkPhone(errs)
	if f.State != "" {
		set(fState, store.CheckState(f.Country, f.State))
	}
	f.checkPostalCode(errs)
}

// checkPhone normalises and checks the phone alone (for the inline check too).
func (f *identityForm) checkPhone(errs map[string]string) {
	if errs[fPhone] != "" {
		return
	}
	var key string
	f.Phone, key = store.NormalizePhone(f.Country, f.Phone)
	if key != "" {
		errs[fPhone] = key
	}
}

// checkPostalCode normalises and checks the postal code alone (for the inline check too).
func (f *identityForm) checkPostalCode(errs map[string]string) {
	if errs[fPostalCode] != "" || f.PostalCode == "" {
		return
	}
	var key string
	f.PostalCode, key = store.NormalizePostalCode(f.Country, f.PostalCode)
	if key != "" {
		errs[fPostalCode] = key
	}
}

// checkOptional returns the message key for an optional short text, or "".
func checkOptional(v string, max int) string {
	if utf8.RuneCountInString(v) > max {
		return "form.too_long"
	}
	return ""
}

// values lists the block's fields by name, as the history records them: the phone in
// E.164 and the state by its name.
func (f identityForm) values() [][2]string {
	return [][2]string{
		{fFirstName, f.FirstName}, {fLastName, f.LastName}, {fCompany, f.Company}, {fEmail, f.Email},
		{fPhone, f.Phone}, {fStreet, f.Street}, {fColonia, f.Colonia}, {fCity, f.City},
		{fState, f.StateLabel()}, {fPostalCode, f.PostalCode}, {fCountry, f.Country},
	}
}

func diffValues(old, cur [][2]string) []store.Change {
	var out []store.Change
	for i := range cur {
		if old[i][1] != cur[i][1] {
			out = append(out, store.Change{Field: cur[i][0], Old: old[i][1], New: cur[i][1]})
		}
	}
	return out
}

// view shows the block with the messages of errs in t's language. checkURL is the route
// prefix of the inline checks ("/account/check"); see views.Identity.
func (f identityForm) view(t *locales.Translator, errs map[string]string, checkURL string) views.Identity {
	field := func(name, typ, value, autocomplete string, max int, required bool) views.Field {
		fl := views.Field{Name: name, Label: t.T("field." + name), Type: typ, Value: value,
			Autocomplete: autocomplete, MaxLength: max, Required: required}
		if k := errs[name]; k != "" {
			fl.Error = t.T(k)
		}
		return fl
	}
	phone := f.Phone
	if errs[fPhone] == "" && strings.HasPrefix(phone, "+") {
		phone = store.PhoneDisplay(phone)
	}
	country := views.Select{Name: fCountry, Label: t.T("field.country"), Value: f.Country, Options: countryOptions(t.Lang()), Required: true}
	if k := errs[fCountry]; k != "" {
		country.Error = t.T(k)
	}
	return views.Identity{
		FirstName: field(fFirstName, "text", f.FirstName, "given-name", maxNameLen, true),
		LastName:  field(fLastName, "text", f.LastName, "family-name", maxNameLen, true),
		Company:   field(fCompany, "text", f.Company, "organization", maxNameLen, false),
		Email:     field(fEmail, "email", f.Email, "email", maxEmailLen, true),
		Phone:     field(fPhone, "tel", phone, "tel", store.MaxPhoneLen, false),
		Street:    field(fStreet, "text", f.Street, "address-line1", store.MaxAddressLine, false),
		Colonia:   field(fColonia, "text", f.Colonia, "address-line2", store.MaxAddressLine, false),
		City:      field(fCity, "text", f.City, "address-level2", store.MaxAddressLine, false),
		Country:   country,
		Region:    f.region(t, errs, checkURL),
		CheckURL:  checkURL,
	}
}

// region is the state and postal code for f's country.
func (f identityForm) region(t *locales.Translator, errs map[string]string, checkURL string) views.Region {
	state := views.Select{Name: fState, Label: t.T("field.state"), Value: f.State}
	if f.Country == "MX" {
		state.Options = append([]views.Option{{Value: "", Label: t.T("form.choose")}}, mxStateOptions...)
		if store.MXStateName(f.State) == "" {
			state.Value = ""
		}
	}
	if k := errs[fState]; k != "" {
		state.Error = t.T(k)
	}
	pc := views.Field{Name: fPostalCode, Label: t.T("field.postal_code"), Type: "text", Value: f.PostalCode,
		Autocomplete: "postal-code", MaxLength: store.MaxPostalLen}
	if k := errs[fPostalCode]; k != "" {
		pc.Error = t.T(k)
	}
	return views.Region{State: state, PostalCode: pc, CheckURL: checkURL}
}

var mxStateOptions = func() []views.Option {
	out := make([]views.Option, len(store.MXStates))
	for i, s := range store.MXStates {
		out[i] = views.Option{Value: s.Code, Label: s.Name}
	}
	return out
}()

var (
	countryMu    sync.Mutex
	countryCache = map[string][]views.Option{}
)

// countryOptions lists every country by its name in lang, Mexico first, the rest in that
// language's alphabetical order. The names come from CLDR (golang.org/x/text).
func countryOptions(lang string) []views.Option {
	countryMu.Lock()
	defer countryMu.Unlock()
	if o, ok := countryCache[lang]; ok {
		return o
	}
	tag := language.MustParse(locales.For(lang).HTMLLang())
	names := display.Regions(tag)
	out := make([]views.Option, 0, len(store.Countries))
	for _, code := range store.Countries {
		name := names.Name(language.MustParseRegion(code))
		if name == "" {
			name = code
		}
		out = append(out, views.Option{Value: code, Label: name})
	}
	col := collate.New(tag, collate.Loose)
	slices.SortFunc(out, func(a, b views.Option) int {
		if a.Value == store.DefaultCountry || b.Value == store.DefaultCountry {
			return map[bool]int{true: -1, false: 1}[a.Value == store.DefaultCountry]
		}
		return col.CompareString(a.Label, b.Label)
	})
	countryCache[lang] = out
	return out
}

// checkField answers the inline check of one identity field (phone, postal code, or the
// country, which redraws the state and postal code) as a fragment; ok is false for a field
// it does not check. checkURL is where the form's inline checks post.
func (f *identityForm) checkField(t *locales.Translator, errs map[string]string, field, checkURL string) (body templ.Component, ok bool) {
	view := func() views.Identity { return f.view(t, errs, checkURL) }
	switch field {
	case fPhone:
		f.checkPhone(errs)
		return views.CheckedInput(view().Phone, checkURL), true
	case fPostalCode:
		f.checkPostalCode(errs)
		return views.CheckedInput(view().Region.PostalCode, checkURL), true
	case fCountry:
		f.validate(errs)
		delete(errs, fState) // a state of the old country is simply dropped
		return views.IdentityRegion(view().Region), true
	}
	return nil, false
}
