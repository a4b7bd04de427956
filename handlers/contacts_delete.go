package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// confirmDeleteContact asks before removing a contact: in place of its row for htmx, else
// a page with a plain form.
func (s *Server) confirmDeleteContact(c *fiber.Ctx) error {
	ct, err := s.targetContact(c)
	if err != nil {
		return err
	}
	t := s.tr(c)
	return s.render(c, fiber.StatusOK, t.T("page.contact.delete_title"), views.ContactDelete(ct.ID, ct.Name(), ct.Email))
}

// removeContact removes a contact: it receives no more email, its login is released and,
// if it was signed in, its sessions end at once.
func (s *Server) removeContact(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	ct, err := s.targetContact(c)
	if err != nil {
		return err
	}
	ev := s.event(c, p, store.KindContactDeleted)
	ev.Changes = []store.Change{{Field: fContact, Old: ct.Name()}, {Field: fEmail, Old: ct.Email}}
	if _, err := s.store.DeleteContact(p.ClientID(), ct.ID, ev); err != nil {
		return err
	}
	if isHTMX(c) {
		c.Vary("HX-Request")
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString("") // the row goes away
	}
	return c.Redirect("/contacts?saved=deleted", fiber.StatusSeeOther)
}
