package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"zona/views"
)

// checkAccountField answers the inline check of one field of the account form, made as the
// person leaves it: htmx posts the whole form and gets back that field's wrapper, with its
// message when it is wrong. The country answers with the state and postal code for the
// new country. Nothing is saved.
func (s *Server) checkAccountField(c *fiber.Ctx) error {
	t := s.tr(c)
	f := parseAccount(c)
	view := func() views.Identity { return f.identityForm.view(t, f.errs, "/account/check") }
	var body templ.Component
	switch c.Params("field") {
	case fPhone:
		f.checkPhone(f.errs)
		body = views.CheckedInput(view().Phone, "/account/check")
	case fPostalCode:
		f.checkPostalCode(f.errs)
		body = views.CheckedInput(view().Region.PostalCode, "/account/check")
	case fCountry:
		f.identityForm.validate(f.errs)
		delete(f.errs, fState) // a state of the old country is simply dropped
		body = views.IdentityRegion(view().Region)
	case fRFC:
		f.checkRFC()
		page := f.page(t, currentPrincipal(c).Client, nil)
		body = views.RFCInput(page.RFC)
	case fCPFiscal:
		f.checkCPFiscal()
		page := f.page(t, currentPrincipal(c).Client, nil)
		body = views.CheckedInput(page.CPFiscal, "/account/check")
	default:
		return fiber.ErrNotFound
	}
	return s.render(c, fiber.StatusOK, t.T("page.account.title"), body)
}
