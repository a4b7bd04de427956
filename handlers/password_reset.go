package handlers

import (
	"time"

	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/mail"
	"zona/secure"
	"zona/store"
	"zona/views"
)

// resetPage is the reset form for token with f's values and messages.
func resetPage(t *locales.Translator, token string, f *passwordForm) views.ResetPage {
	p := f.page(t, "")
	return views.ResetPage{Token: token, New: p.New, Confirm: p.Confirm, Strength: p.Strength}
}

// resetPerson is whose password the reset link in the URL resets (the owner or a contact),
// or a "link not valid" error.
func (s *Server) resetPerson(c *fiber.Ctx) (*principal, []byte, error) {
	hash := secure.TokenHash(c.Params("token"))
	cl, ct, err := s.store.ResetPerson(hash)
	if errors.Is(err, store.ErrResetToken) {
		return nil, nil, userError(fiber.StatusGone, "error.reset_token")
	}
	if err != nil {
		return nil, nil, err
	}
	return personOf(cl, ct), hash, nil
}

func (s *Server) showReset(c *fiber.Ctx) error {
	if _, _, err := s.resetPerson(c); err != nil {
		return err
	}
	t := s.tr(c)
	return s.render(c, fiber.StatusOK, t.T("page.reset.title"), views.Reset(resetPage(t, c.Params("token"), &passwordForm{})))
}

// checkResetStrength is the live meter of the reset form.
func (s *Server) checkResetStrength(c *fiber.Ctx) error {
	p, _, err := s.resetPerson(c)
	if err != nil {
		return err
	}
	return s.renderStrength(c, c.FormValue("new"), personalOfPrincipal(p))
}

// resetPassword sets a new password through a reset link: the link then stops working and
// every session of the person ends.
func (s *Server) resetPassword(c *fiber.Ctx) error {
	p, hash, err := s.resetPerson(c)
	if err != nil {
		return err
	}
	t := s.tr(c)
	f := parseNewPassword(c, personalOfPrincipal(p))
	if len(f.errs) > 0 {
		return s.render(c, fiber.StatusOK, t.T("page.reset.title"), views.Reset(resetPage(t, c.Params("token"), f)))
	}
	pw, err := secure.Hash(c.UserContext(), f.new)
	if err != nil {
		return err
	}
	ev := s.event(c, p, store.KindPasswordReset)
	ev.Changes = []store.Change{{Field: "password", Secret: true}}
	cl, ct, err := s.store.UseReset(hash, pw, ev)
	if errors.Is(err, store.ErrResetToken) {
		return userError(fiber.StatusGone, "error.reset_token")
	}
	if err != nil {
		return err
	}
	if err := s.notifyPasswordChanged(c, personOf(cl, ct), ev.Actor); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, t.T("page.reset.title"), views.Reset(views.ResetPage{Done: true}))
}

// notifyPasswordChanged tells the person p (owner or contact), by email, that their
// password changed, when and from where.
func (s *Server) notifyPasswordChanged(c *fiber.Ctx, p *principal, actor store.Actor) error {
	ctx := views.WithCtx(c.UserContext(), s.viewCtx(c))
	data := mail.TemplateData{When: time.Now(), IP: c.IP(), Device: views.Device(ctx, c.Get(fiber.HeaderUserAgent))}
	return s.sendPersonMail(c, p, mail.TplPasswordChanged, data, actor)
}
