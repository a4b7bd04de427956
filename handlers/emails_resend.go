package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/web"
)

// resendEmail delivers a message of the archive that the principal may open once more, to
// the principal's own address only (never to an address typed in), as a new copy of the
// same archived message. The attempt is counted before anything is queued (web.Resend), so
// a burst cannot flood the person's mailbox.
func (s *Server) resendEmail(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	m, err := s.messageFor(p, c.Params("id"))
	if err != nil {
		return err
	}
	t := s.tr(c)
	if ok, wait, err := s.kv.Reserve(web.Resend.For(p.ID)); err != nil {
		return err
	} else if !ok {
		return s.renderEmail(c, p, m, t.T("page.emails.resend_locked", "Count", minutes(wait)))
	}
	to := mail.Owner(p.Client)
	if ct := p.Contact; ct != nil {
		to = mail.Recipient{Kind: mail.KindContact, ID: ct.ID, Email: ct.Email, Name: ct.Name()}
	}
	if _, err := s.mailer.Resend(p.ClientID(), m.ID, to, s.event(c, p, "")); err != nil {
		return err
	}
	m, err = s.messageFor(p, m.ID)
	if err != nil {
		return err
	}
	return s.renderEmail(c, p, m, t.T("page.emails.resent", "Email", to.Email))
}
