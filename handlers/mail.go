package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/store"
)

// origin is the request that causes a mail, copied out of Fiber's buffers (which the next
// request reuses), so that the mail may also be sent after the request ended.
type origin struct {
	ip, userAgent, lang string
}

func (s *Server) originOf(c *fiber.Ctx) origin {
	return origin{ip: strings.Clone(c.IP()), userAgent: strings.Clone(truncate(c.Get(fiber.HeaderUserAgent), 512)),
		lang: s.tr(c).Lang()}
}

// sendAccountMail sends one of Zona's own security emails about client to that person
// alone, in their language, through the outbox; the history records it as caused by ev's
// actor. to overrides the address (an email change is confirmed at the new address).
func (s *Server) sendAccountMail(c *fiber.Ctx, client *store.Client, to string, tpl mail.Template, d mail.TemplateData, actor store.Actor) error {
	who := mail.Owner(client)
	if to != "" {
		who.Email = to
	}
	return s.sendMailTo(s.originOf(c), client.ID, who, client.Lang, tpl, d, actor)
}

// sendContactMail sends one of Zona's own security emails (an invitation, a password
// notice) to the contact ct of client alone: the contact is the message's Concerns, so
// the routing gives it to nobody else.
func (s *Server) sendContactMail(c *fiber.Ctx, client *store.Client, ct *store.Contact, tpl mail.Template, d mail.TemplateData, actor store.Actor) error {
	return s.mailPerson(s.originOf(c), personOf(client, ct), tpl, d, actor)
}

// sendPersonMail sends a security email to the principal p itself, owner or contact.
func (s *Server) sendPersonMail(c *fiber.Ctx, p *principal, tpl mail.Template, d mail.TemplateData, actor store.Actor) error {
	return s.mailPerson(s.originOf(c), p, tpl, d, actor)
}

// mailPerson sends a security email, caused by the request o, to p alone.
func (s *Server) mailPerson(o origin, p *principal, tpl mail.Template, d mail.TemplateData, actor store.Actor) error {
	if ct := p.Contact; ct != nil {
		who := mail.Recipient{Kind: mail.KindContact, ID: ct.ID, Email: ct.Email, Name: ct.Name()}
		return s.sendMailTo(o, p.ClientID(), who, ct.Lang, tpl, d, actor)
	}
	return s.sendMailTo(o, p.ClientID(), mail.Owner(p.Client), p.Client.Lang, tpl, d, actor)
}

// sendMailTo renders tpl in lang (else the request's) for who and queues it to who alone
// in clientID's account. A one-time link in it goes out by SMTP only: the archive keeps
// the rendered note in its place.
func (s *Server) sendMailTo(o origin, clientID string, who mail.Recipient, lang string, tpl mail.Template, d mail.TemplateData, actor store.Actor) error {
	if lang == "" {
		lang = o.lang
	}
	if d.Name == "" {
		d.Name = who.Name
	}
	d.Logo = s.cfg.BrandLogo
	r, err := mail.Render(tpl, lang, s.cfg.Brand, s.cfg.Location, d)
	if err != nil {
		return err
	}
	ev := store.Event{Actor: actor, IP: o.ip, UserAgent: o.userAgent, Detail: map[string]string{"template": string(tpl)}}
	_, err = s.mailer.Send(mail.Outgoing{
		ClientID: clientID, Category: store.CategoryAccount, Subject: r.Subject, HTML: r.HTML, Text: r.Text,
		Secret: r.Secret, Concerns: &who, Event: ev,
	})
	return err
}

// link is an absolute URL to path on this Zona, for links sent out of band.
func (s *Server) link(path string) string { return strings.TrimSuffix(s.cfg.BaseURL, "/") + path }
