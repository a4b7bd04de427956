package handlers

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// showEnrollStep is the setup of an authenticator app for a person who signs in without a
// second factor while the operator requires one (--customer-2fa required): nothing else
// opens before it is done.
func (s *Server) showEnrollStep(c *fiber.Ctx, ws *webSession) error {
	who, err := s.pendingPerson(ws)
	if errors.Is(err, store.ErrNotFound) {
		return s.restartSignIn(c, ws, "/login")
	}
	if err != nil {
		return err
	}
	return s.renderEnrollStep(c, ws, who.person, "")
}

func (s *Server) renderEnrollStep(c *fiber.Ctx, ws *webSession, p *principal, errKey string) error {
	t := s.tr(c)
	setup, err := s.totpSetup(c, ws, p.Email(), "/login/2fa")
	if err != nil {
		return err
	}
	setup.Title, setup.Intro = t.T("page.totp.required_title"), t.T("page.totp.required_intro")
	setup.Code = codeField(t, "", errKey)
	return s.render(c, fiber.StatusOK, setup.Title, views.TOTPSetupPage(setup))
}

// enrollStep confirms the required setup with a first code: the second factor is stored
// (recorded in the history), the person is signed in with it, and the recovery codes are
// shown once.
func (s *Server) enrollStep(c *fiber.Ctx, ws *webSession) error {
	who, err := s.pendingPerson(ws)
	if errors.Is(err, store.ErrNotFound) {
		return s.restartSignIn(c, ws, "/login")
	}
	if err != nil {
		return err
	}
	p := who.person
	codes, hashes := store.NewRecoveryCodes(store.RecoveryCodes)
	ok, err := s.store.EnrollTOTP(who.key, ws.data.TOTP, formCode(c), hashes, time.Now(), p.ClientID(), s.event(c, p, ""))
	if errors.Is(err, store.ErrFactorExists) {
		return s.restartSignIn(c, ws, "/login") // set up meanwhile from another browser: sign in with it
	}
	if err != nil {
		return err
	}
	if !ok {
		return s.renderEnrollStep(c, ws, p, "form.code_wrong")
	}
	next := safeNext(ws.data.Next)
	if err := s.openSession(c, p, methodTOTP); err != nil {
		return err
	}
	t := s.tr(c)
	return s.render(c, fiber.StatusOK, t.T("page.recovery.title"), views.RecoveryCodes(recoveryPage(t, codes, next)))
}
