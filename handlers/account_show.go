package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// showAccount is "Editar detalles de la cuenta", filled from the stored client.
func (s *Server) showAccount(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	pending, err := s.pendingEmail(p.ClientID())
	if err != nil {
		return err
	}
	page := accountFormOf(p.Client).page(t, p.Client, pending)
	page.Saved = c.Query("saved") == "1"
	page.PIN.Saved = c.Query("pin") == "1"
	if c.Query("email") == "sent" && pending != nil {
		page.EmailSent = pending.NewEmail
	}
	return s.render(c, fiber.StatusOK, t.T("page.account.title"), views.Account(page))
}

// pendingEmail is the client's email change waiting for its link, or nil.
func (s *Server) pendingEmail(clientID string) (*store.EmailChange, error) {
	ch, err := s.store.PendingEmailChange(clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return ch, err
}
