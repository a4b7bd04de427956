package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/store"
)

// askMarketing asks the contact ct, by an email to the contact alone, whether it wants
// promotions: the owner ticked the box, but only the contact's own consent counts (double
// opt-in). The email's link opens the contact's preferences page, where it confirms; until
// then its consent is pending and it receives no marketing. The link goes out by SMTP only:
// the archived copy (which the contact alone may open) holds a note in its place.
func (s *Server) askMarketing(c *fiber.Ctx, p *principal, ct *store.Contact) error {
	tok := newToken()
	ev := s.event(c, p, store.KindMarketingAsked)
	ev.Detail = map[string]string{"how": store.ConsentOwner, "person": ct.Name()}
	if err := s.store.AskMarketing(p.ClientID(), ct.ID, tok.hash, ev); err != nil {
		return err
	}
	d := mail.TemplateData{Account: p.Client.Name(), Link: s.link(mail.PrefPath(tok.value))}
	if p.Client.Company != "" {
		d.Account = p.Client.Company
	}
	return s.sendContactMail(c, p.Client, ct, mail.TplMarketingConfirm, d, p.actor())
}
