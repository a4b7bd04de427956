package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
	"zona/views"
)

// showEmailConfirm is where the link sent to a new email lands: it names the address and
// asks to confirm with a button, so that a mail scanner opening the link changes nothing.
func (s *Server) showEmailConfirm(c *fiber.Ctx) error {
	t := s.tr(c)
	token := c.Params("token")
	page := views.EmailConfirmPage{Token: token}
	ch, err := s.store.EmailChangeByToken(secure.TokenHash(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		page.Invalid = true
	case err != nil:
		return err
	default:
		page.NewEmail = ch.NewEmail
	}
	return s.render(c, fiber.StatusOK, t.T("page.email_confirm.title"), views.EmailConfirm(page))
}

// confirmEmail makes the new email the sign-in email. The link works once, within its
// validity; the history records the change, old → new.
func (s *Server) confirmEmail(c *fiber.Ctx) error {
	t := s.tr(c)
	hash := secure.TokenHash(c.Params("token"))
	page := views.EmailConfirmPage{}
	ch, err := s.store.EmailChangeByToken(hash)
	if errors.Is(err, store.ErrNotFound) {
		page.Invalid = true
		return s.render(c, fiber.StatusOK, t.T("page.email_confirm.title"), views.EmailConfirm(page))
	}
	if err != nil {
		return err
	}
	cl, err := s.store.ClientByID(ch.ClientID)
	if err != nil {
		return err
	}
	ev := s.event(c, nil, store.KindEmailChanged)
	ev.Actor = store.Actor{Kind: store.ActorOwner, ID: cl.ID, Name: cl.Name()}
	updated, err := s.store.ConfirmEmailChange(hash, ev)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrEmailTaken):
		page.Invalid = true
	case err != nil:
		return err
	default:
		page.Done, page.NewEmail = true, updated.Email
		if p := currentPrincipal(c); p != nil && p.ClientID() == updated.ID {
			p.Client = updated
		}
	}
	return s.render(c, fiber.StatusOK, t.T("page.email_confirm.title"), views.EmailConfirm(page))
}
