package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/secure"
	"zona/store"
)

// welcomeValid is how long the set-password link of a welcome works.
const welcomeValid = 7 * 24 * time.Hour

// inviteClient (re)sends the client the link to set their password: the welcome of a new
// client, or a fresh link for one who lost it.
func (s *Server) inviteClient(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	if err := s.sendWelcome(c, cl, s.staffEvent(c, "")); err != nil {
		return err
	}
	return s.afterClientChange(c, cl, "invited")
}

// sendWelcome makes a set-password link for cl through the password-reset mechanism (only
// its SHA-256 is stored; a password set since voids it), records it in cl's history as
// caused by ev (the staff member, or the API's token), and mails it to the owner alone
// through the one mailer. The archived copy says the link was sent, never the link.
func (s *Server) sendWelcome(c *fiber.Ctx, cl *store.Client, ev store.Event) error {
	token := secure.Token()
	ev.Kind = store.KindWelcomeSent
	if err := s.store.CreateReset(cl, nil, secure.TokenHash(token), time.Now().Add(welcomeValid), ev); err != nil {
		return err
	}
	d := mail.TemplateData{Link: s.link("/password/reset/" + token), Valid: welcomeValid}
	return s.sendAccountMail(c, cl, "", mail.TplWelcome, d, ev.Actor)
}
