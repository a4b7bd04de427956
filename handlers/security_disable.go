package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/store"
	"zona/views"
)

// disableTOTP turns the person's second factor off, with their password (rate limited like
// every current-password check). The history records it and the person is told by email.
// While the operator requires a second factor, it cannot be turned off here.
func (s *Server) disableTOTP(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	page, err := s.securityPage(c, p)
	if err != nil {
		return err
	}
	if page.Required || !page.TOTP {
		page.Error = t.T("page.security.cannot_disable")
		return s.render(c, fiber.StatusOK, t.T("page.security.title"), views.Security(page))
	}
	pw, _ := formText(c, "disable_password", true)
	key, wait, err := s.checkCurrentPassword(c, p, pw)
	if err != nil {
		return err
	}
	if key != "" {
		page.Disable.Error = t.T(key, "Count", minutes(wait))
		return s.render(c, fiber.StatusOK, t.T("page.security.title"), views.Security(page))
	}
	if err := s.store.RemoveSecondFactor(factorOf(p), p.ClientID(), s.event(c, p, store.KindTwoFARemoved)); err != nil {
		return err
	}
	d := mail.TemplateData{When: time.Now(), IP: c.IP()}
	if err := s.sendPersonMail(c, p, mail.TplTwoFARemoved, d, p.actor()); err != nil {
		return err
	}
	return c.Redirect("/security?done=off", fiber.StatusSeeOther)
}
