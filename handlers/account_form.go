package handlers

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
	"zona/views"
)

// Field names of the account form beyond the identity block.
const (
	fLang        = "lang"
	fMarketing   = "marketing"
	fRFC         = "rfc"
	fRFCConfirm  = "rfc_confirm"
	fRazonSocial = "razon_social"
	fRegimen     = "regimen"
	fUsoCFDI     = "uso_cfdi"
	fCPFiscal    = "cp_fiscal"
	fCurrent     = "current"
	fRev         = "rev"
	fLoaded      = "loaded"
)

// accountForm is "Editar detalles de la cuenta" as typed. It carries the revision of the
// client it was loaded from and when, so that a save over someone else's is refused and
// explained. The password (needed only to change the email) is never sent back.
type accountForm struct {
	identityForm
	lang       string
	marketing  bool
	fiscal     store.Fiscal
	rfcConfirm bool
	// rfcWarn is set by validate when the RFC's check digit fails and it was not confirmed.
	rfcWarn bool
	current string
	rev     uint64
	loaded  int64 // unix nanoseconds of the load
	errs    map[string]string
}

// accountFormOf is the form as the stored client fills it.
func accountFormOf(cl *store.Client) *accountForm {
	return &accountForm{
		identityForm: identityOf(cl.FirstName, cl.LastName, cl.Company, cl.Email, cl.Address),
		lang:         cl.Lang, marketing: cl.Marketing.Given, fiscal: cl.Fiscal, rfcConfirm: cl.Fiscal.RFCConfirmed,
		rev: cl.Rev, loaded: time.Now().UnixNano(), errs: map[string]string{},
	}
}

func parseAccount(c *fiber.Ctx) *accountForm {
	f := &accountForm{errs: map[string]string{}}
	f.identityForm = parseIdentity(c, f.errs)
	read := func(name string) string {
		v, ok := formText(c, name, false)
		if !ok {
			f.errs[name] = "form.invalid_chars"
		}
		return v
	}
	f.lang = read(fLang)
	f.marketing = c.FormValue(fMarketing) == "1"
	f.fiscal = store.Fiscal{RFC: read(fRFC), RazonSocial: read(fRazonSocial), Regimen: read(fRegimen),
		UsoCFDI: read(fUsoCFDI), PostalCode: read(fCPFiscal)}
	f.rfcConfirm = c.FormValue(fRFCConfirm) == "1"
	f.current, _ = formText(c, fCurrent, true)
	f.rev, _ = strconv.ParseUint(c.FormValue(fRev), 10, 64)
	f.loaded, _ = strconv.ParseInt(c.FormValue(fLoaded), 10, 64)
	return f
}

// validate checks everything but the password, which only the save checks (and only when
// the email changes).
func (f *accountForm) validate() {
	f.identityForm.validate(f.errs)
	if f.lang != "" && !locales.Supported(f.lang) {
		f.errs[fLang] = "form.choose_option"
	}
	f.checkRFC()
	set := func(field, key string) {
		if key != "" && f.errs[field] == "" {
			f.errs[field] = key
		}
	}
	set(fRazonSocial, checkOptional(f.fiscal.RazonSocial, 254))
	set(fRegimen, store.CheckSATCode(store.RegimenesFiscales, f.fiscal.Regimen, f.fiscal.RFC))
	set(fUsoCFDI, store.CheckSATCode(store.UsosCFDI, f.fiscal.UsoCFDI, f.fiscal.RFC))
	f.checkCPFiscal()
}

// checkRFC applies the RFC rules: hard errors are messages; a failing check digit is a
// warning until the person ticks the confirmation.
func (f *accountForm) checkRFC() {
	if f.errs[fRFC] != "" {
		return
	}
	v := store.CheckRFC(f.fiscal.RFC, f.Company != "")
	f.fiscal.RFC = v.RFC
	f.fiscal.RFCConfirmed = false
	switch {
	case v.Problem != "":
		f.errs[fRFC] = v.Problem
	case v.CheckDigit && f.rfcConfirm:
		f.fiscal.RFCConfirmed = true
	case v.CheckDigit:
		f.rfcWarn = true
		f.errs[fRFC] = "form.rfc_check_digit"
	}
}

func (f *accountForm) checkCPFiscal() {
	if f.errs[fCPFiscal] != "" || f.fiscal.PostalCode == "" {
		return
	}
	var key string
	f.fiscal.PostalCode, key = store.NormalizePostalCode("MX", f.fiscal.PostalCode)
	if key != "" {
		f.errs[fCPFiscal] = key
	}
}

// values lists what the form saves, by field name, as the history records it. The email
// is not among them: it changes only through its confirmation link.
func (f *accountForm) values() [][2]string {
	v := f.identityForm.values()
	out := make([][2]string, 0, len(v)+7)
	for _, kv := range v {
		if kv[0] != fEmail {
			out = append(out, kv)
		}
	}
	return append(out, [][2]string{
		{fLang, f.lang}, {fMarketing, yesNo(f.marketing)}, {fRFC, f.fiscal.RFC}, {fRazonSocial, f.fiscal.RazonSocial},
		{fRegimen, f.fiscal.Regimen}, {fUsoCFDI, f.fiscal.UsoCFDI}, {fCPFiscal, f.fiscal.PostalCode},
	}...)
}

// yesNo records a checkbox in the history in signs every language reads.
func yesNo(b bool) string {
	if b {
		return "✓"
	}
	return "✗"
}

// apply copies the form onto cl (all but the email). The promotions consent records when
// and from where it was last answered, when the answer changed.
func (f *accountForm) apply(cl *store.Client, ip string) {
	cl.FirstName, cl.LastName, cl.Company = f.FirstName, f.LastName, f.Company
	cl.Address = f.Address
	cl.Lang = f.lang
	cl.Fiscal = f.fiscal
	if cl.Marketing.Given != f.marketing || cl.Marketing.At.IsZero() {
		cl.Marketing = store.Consent{Given: f.marketing, At: time.Now().UTC(), IP: ip}
	}
}

// fieldPtr is where a field's typed value lives, for merging a concurrent save.
func (f *accountForm) fieldPtr(name string) *string {
	switch name {
	case fFirstName:
		return &f.FirstName
	case fLastName:
		return &f.LastName
	case fCompany:
		return &f.Company
	case fPhone:
		return &f.Phone
	case fStreet:
		return &f.Street
	case fColonia:
		return &f.Colonia
	case fCity:
		return &f.City
	case fPostalCode:
		return &f.PostalCode
	case fCountry:
		return &f.Country
	case fLang:
		return &f.lang
	case fRFC:
		return &f.fiscal.RFC
	case fRazonSocial:
		return &f.fiscal.RazonSocial
	case fRegimen:
		return &f.fiscal.Regimen
	case fUsoCFDI:
		return &f.fiscal.UsoCFDI
	case fCPFiscal:
		return &f.fiscal.PostalCode
	}
	return nil
}

// options of a SAT catalogue, translated, with an empty choice first.
func satOptions(t *locales.Translator, prefix string, cat []store.SATCode) []views.Option {
	out := []views.Option{{Value: "", Label: t.T("form.choose")}}
	for _, e := range cat {
		out = append(out, views.Option{Value: e.Code, Label: e.Code + " · " + t.T(prefix+e.Code)})
	}
	return out
}

// page is the account page showing the form. cl is the stored client (PIN status, pending
// email change are read from it and from pending).
func (f *accountForm) page(t *locales.Translator, cl *store.Client, pending *store.EmailChange) views.AccountPage {
	msg := func(field string) string {
		if k := f.errs[field]; k != "" {
			return t.T(k)
		}
		return ""
	}
	field := func(name, value string, max int) views.Field {
		return views.Field{Name: name, Label: t.T("field." + name), Type: "text", Value: value, Error: msg(name), MaxLength: max}
	}
	langs := []views.Option{{Value: "", Label: t.T("page.account.lang_auto")}, {Value: locales.ES, Label: "Español"}, {Value: locales.EN, Label: "English"}}
	p := views.AccountPage{
		Identity:    f.identityForm.view(t, f.errs, "/account/check"),
		Lang:        views.Select{Name: fLang, Label: t.T("field.lang"), Value: f.lang, Options: langs, Error: msg(fLang)},
		Marketing:   f.marketing,
		RFC:         views.RFCField{Field: field(fRFC, f.fiscal.RFC, 13), Warning: f.rfcWarn, Confirmed: f.rfcConfirm, CheckURL: "/account/check"},
		RazonSocial: field(fRazonSocial, f.fiscal.RazonSocial, 254),
		Regimen: views.Select{Name: fRegimen, Label: t.T("field.regimen"), Value: f.fiscal.Regimen,
			Options: satOptions(t, "sat.regimen.", store.RegimenesFiscales), Error: msg(fRegimen)},
		UsoCFDI: views.Select{Name: fUsoCFDI, Label: t.T("field.uso_cfdi"), Value: f.fiscal.UsoCFDI,
			Options: satOptions(t, "sat.uso.", store.UsosCFDI), Error: msg(fUsoCFDI)},
		CPFiscal: field(fCPFiscal, f.fiscal.PostalCode, 5),
		Current: views.Field{Name: fCurrent, Label: t.T("page.account.current_password"), Type: "password",
			Error: msg(fCurrent), Autocomplete: "current-password"},
		Rev:    f.rev,
		Loaded: f.loaded,
		PIN:    pinStatus(t, cl),
	}
	if cl.Marketing.Given && !cl.Marketing.At.IsZero() {
		p.MarketingSince = cl.Marketing.At
	}
	if pending != nil {
		p.PendingEmail = pending.NewEmail
	}
	return p
}

// pinStatus is the PIN section as the stored client has it, with an empty form.
func pinStatus(t *locales.Translator, cl *store.Client) views.PINSection {
	return views.PINSection{
		Set: cl.PINHash != "", ChangedAt: cl.PINChangedAt,
		New: views.Field{Name: "pin", Label: t.T("field.pin_new"), Type: "password", Autocomplete: "off",
			MaxLength: store.PINLength, Required: true},
		Confirm: views.Field{Name: "pin_confirm", Label: t.T("field.pin_confirm"), Type: "password", Autocomplete: "off",
			MaxLength: store.PINLength, Required: true},
		Current: views.Field{Name: "pin_current", Label: t.T("field.current_password"), Type: "password",
			Autocomplete: "current-password", Required: true},
	}
}
