package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"zona/views"
)

// checkContactField answers the inline check of one field of a contact form, as
// checkAccountField does for the account: the phone, the postal code, or the country
// (which redraws the state and postal code). Nothing is saved.
func (s *Server) checkContactField(c *fiber.Ctx) error {
	t := s.tr(c)
	f := parseContact(c)
	view := func() views.Identity { return f.identityForm.view(t, f.errs, "/contacts/check") }
	var body templ.Component
	switch c.Params("field") {
	case fPhone:
		f.checkPhone(f.errs)
		body = views.CheckedInput(view().Phone, "/contacts/check")
	case fPostalCode:
		f.checkPostalCode(f.errs)
		body = views.CheckedInput(view().Region.PostalCode, "/contacts/check")
	case fCountry:
		f.identityForm.validate(f.errs)
		delete(f.errs, fState)
		body = views.IdentityRegion(view().Region)
	default:
		return fiber.ErrNotFound
	}
	return s.render(c, fiber.StatusOK, t.T("page.contacts.title"), body)
}
