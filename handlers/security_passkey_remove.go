package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
)

// removePasskey removes one of the person's passkeys (a plain form: no JavaScript needed).
// The history records it and the person is told by email.
func (s *Server) removePasskey(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	if err := s.store.RemovePasskey(p.ClientID(), p.person(), c.Params("id"), s.event(c, p, "")); err != nil {
		return err
	}
	d := mail.TemplateData{When: time.Now(), IP: c.IP()}
	if err := s.sendPersonMail(c, p, mail.TplPasskeyRemoved, d, p.actor()); err != nil {
		return err
	}
	return c.Redirect("/security?done=passkey_off", fiber.StatusSeeOther)
}
