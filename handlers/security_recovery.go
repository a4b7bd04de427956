package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// renewRecoveryCodes makes ten new recovery codes, with the person's password; the old
// ones stop working. The new ones are shown this once.
func (s *Server) renewRecoveryCodes(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	page, err := s.securityPage(c, p)
	if err != nil {
		return err
	}
	if !page.TOTP {
		return c.Redirect("/security", fiber.StatusSeeOther)
	}
	pw, _ := formText(c, "renew_password", true)
	key, wait, err := s.checkCurrentPassword(c, p, pw)
	if err != nil {
		return err
	}
	if key != "" {
		page.Renew.Error = t.T(key, "Count", minutes(wait))
		return s.render(c, fiber.StatusOK, t.T("page.security.title"), views.Security(page))
	}
	codes, hashes := store.NewRecoveryCodes(store.RecoveryCodes)
	if err := s.store.RenewRecoveryCodes(factorOf(p), hashes, p.ClientID(), s.event(c, p, "")); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, t.T("page.recovery.title"), views.RecoveryCodes(recoveryPage(t, codes, "/security")))
}
