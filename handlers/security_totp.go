package handlers

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// showTOTPSetup sets up an authenticator app: a QR code and the secret as text. A person
// who already has one goes back to the security page (turning it off comes first).
func (s *Server) showTOTPSetup(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	if _, err := s.store.SecondFactorOf(factorOf(p)); err == nil {
		return c.Redirect("/security", fiber.StatusSeeOther)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return s.renderTOTPSetup(c, p, "")
}

func (s *Server) renderTOTPSetup(c *fiber.Ctx, p *principal, errKey string) error {
	setup, err := s.totpSetup(c, currentSession(c), p.Email(), "/security/totp")
	if err != nil {
		return err
	}
	setup.Code = codeField(s.tr(c), "", errKey)
	return s.render(c, fiber.StatusOK, setup.Title, views.TOTPSetupPage(setup))
}

// enrollTOTP confirms the setup with a first code from the app: the second factor is
// stored, the history records it, and the ten recovery codes are shown, this once.
func (s *Server) enrollTOTP(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	ws := currentSession(c)
	codes, hashes := store.NewRecoveryCodes(store.RecoveryCodes)
	ok, err := s.store.EnrollTOTP(factorOf(p), ws.data.TOTP, formCode(c), hashes, time.Now(), p.ClientID(), s.event(c, p, ""))
	if errors.Is(err, store.ErrFactorExists) {
		return c.Redirect("/security", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	if !ok {
		return s.renderTOTPSetup(c, p, "form.code_wrong")
	}
	ws.data.TOTP = ""
	if err := s.writeSession(c, ws); err != nil {
		return err
	}
	t := s.tr(c)
	return s.render(c, fiber.StatusOK, t.T("page.recovery.title"), views.RecoveryCodes(recoveryPage(t, codes, "/security?done=on")))
}
