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
	if body, ok := f.identityForm.checkField(t, f.errs, c.Params("field"), "/account/check"); ok {
		return s.render(c, fiber.StatusOK, t.T("page.account.title"), body)
	}
	var body templ.Component
	switch c.Params("field") {
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
