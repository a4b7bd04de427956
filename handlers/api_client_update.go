package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
)

// apiClientPatch is the body of PATCH /api/v1/clients/:id: every field optional, a field
// left out keeps its value. The sign-in email and the promotions consent are not here:
// only the client changes them.
type apiClientPatch struct {
	FirstName *string          `json:"first_name"`
	LastName  *string          `json:"last_name"`
	Company   *string          `json:"company"`
	Lang      *string          `json:"lang"`
	Phone     *string          `json:"phone"`
	Address   *apiAddressPatch `json:"address"`
	Fiscal    *apiFiscalPatch  `json:"fiscal"`
}

type apiAddressPatch struct {
	Street     *string `json:"street"`
	Colonia    *string `json:"colonia"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	PostalCode *string `json:"postal_code"`
	Country    *string `json:"country"`
}

type apiFiscalPatch struct {
	RFC *string `json:"rfc"`
	// RFCConfirmed keeps an RFC whose check digit fails (about 1.5 % of real ones do).
	RFCConfirmed *bool   `json:"rfc_confirmed"`
	RazonSocial  *string `json:"razon_social"`
	Regimen      *string `json:"regimen"`
	UsoCFDI      *string `json:"uso_cfdi"`
	PostalCode   *string `json:"postal_code"`
}

// apiFieldNames maps the account form's field names to the API's.
var apiFieldNames = map[string]string{
	fStreet: "address.street", fColonia: "address.colonia", fCity: "address.city", fState: "address.state",
	fPostalCode: "address.postal_code", fCountry: "address.country", fRFC: "fiscal.rfc",
	fRazonSocial: "fiscal.razon_social", fRegimen: "fiscal.regimen", fUsoCFDI: "fiscal.uso_cfdi", fCPFiscal: "fiscal.postal_code",
}

// apply overlays the fields sent on f, the account form as the stored client fills it.
func (p *apiClientPatch) apply(f *accountForm) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&f.FirstName, p.FirstName)
	set(&f.LastName, p.LastName)
	set(&f.Company, p.Company)
	set(&f.lang, p.Lang)
	set(&f.Phone, p.Phone)
	if a := p.Address; a != nil {
		set(&f.Street, a.Street)
		set(&f.Colonia, a.Colonia)
		set(&f.City, a.City)
		set(&f.State, a.State)
		set(&f.PostalCode, a.PostalCode)
		set(&f.Country, a.Country)
	}
	if fi := p.Fiscal; fi != nil {
		set(&f.fiscal.RFC, fi.RFC)
		set(&f.fiscal.RazonSocial, fi.RazonSocial)
		set(&f.fiscal.Regimen, fi.Regimen)
		set(&f.fiscal.UsoCFDI, fi.UsoCFDI)
		set(&f.fiscal.PostalCode, fi.PostalCode)
		if fi.RFCConfirmed != nil {
			f.rfcConfirm = *fi.RFCConfirmed
		}
	}
}

// apiUpdateClient changes a client's details through the account form's own rules
// (accountForm.validate: names, phone, address, RFC, SAT codes), so the API accepts exactly
// what the client zone and the console accept. 422 names each field that is wrong, in
// English; 409 when the client was saved meanwhile. The history records each changed
// field, by the system via the API with the token's name.
func (s *Server) apiUpdateClient(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	var req apiClientPatch
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	f := accountFormOf(cl)
	req.apply(f)
	// Control characters and bidirectional overrides are refused as in every form.
	for _, name := range []string{fFirstName, fLastName, fCompany, fPhone, fStreet, fColonia, fCity, fState, fPostalCode,
		fCountry, fLang, fRFC, fRazonSocial, fRegimen, fUsoCFDI, fCPFiscal} {
		ptr := f.fieldPtr(name)
		if name == fState {
			ptr = &f.State
		}
		var ok bool
		if *ptr, ok = typedText(*ptr); !ok {
			f.errs[name] = "form.invalid_chars"
		}
	}
	f.validate()
	if len(f.errs) > 0 {
		en := locales.For(locales.EN)
		fields := map[string]string{}
		for k, key := range f.errs {
			name := k
			if n, ok := apiFieldNames[k]; ok {
				name = n
			}
			fields[name] = en.T(key)
		}
		return invalidFields(fields)
	}
	changes := diffValues(accountFormOf(cl).values(), f.values())
	if len(changes) > 0 {
		ev := apiEvent(c, store.KindAccountUpdated)
		ev.Changes = changes
		ev.Detail["rev"] = strconv.FormatUint(cl.Rev+1, 10)
		cl, err = s.store.UpdateClient(cl.ID, cl.Rev, func(stored *store.Client) error {
			consent := stored.Marketing
			f.apply(stored, c.IP())
			stored.Marketing = consent
			return nil
		}, ev)
		if errors.Is(err, store.ErrConflict) {
			return &apiError{status: fiber.StatusConflict, code: "conflict", message: "The client was saved meanwhile: read it and try again."}
		}
		if err != nil {
			return err
		}
	}
	return c.JSON(apiClientOf(cl))
}
