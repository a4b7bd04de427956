package handlers

import "github.com/gofiber/fiber/v2"

// checkContactField answers the inline check of one field of a contact form, as
// checkAccountField does for the account: the phone, the postal code, or the country
// (which redraws the state and postal code). Nothing is saved.
func (s *Server) checkContactField(c *fiber.Ctx) error {
	t := s.tr(c)
	f := parseContact(c)
	body, ok := f.identityForm.checkField(t, f.errs, c.Params("field"), "/contacts/check")
	if !ok {
		return fiber.ErrNotFound
	}
	return s.render(c, fiber.StatusOK, t.T("page.contacts.title"), body)
}
