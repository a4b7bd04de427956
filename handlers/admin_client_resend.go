package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/store"
)

// resendClientCopy sends one copy of a client's archived message again, to the same
// person, as a new delivery of the same message (mail.Mailer.Resend), recorded in the
// client's history with the staff member's name. A security mail cannot be resent from the
// console: its one-time link is not kept, so staff send a new link instead.
func (s *Server) resendClientCopy(c *fiber.Ctx) error {
	m, err := s.store.MessageByID(c.Params("id"), c.Params("msg"))
	if err != nil {
		return err
	}
	if !m.OpenableByStaff() {
		return store.ErrNotFound
	}
	for _, cp := range m.Copies {
		if cp.ID != c.Params("copy") {
			continue
		}
		if _, err := s.mailer.Resend(m.ClientID, m.ID, mail.CopyRecipient(cp), s.staffEvent(c, store.KindEmailResent)); err != nil {
			return err
		}
		return c.Redirect("/admin/clients/"+m.ClientID+"/emails?resent=1", fiber.StatusSeeOther)
	}
	return store.ErrNotFound
}
