package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/store"
)

// sendAccountMail sends one of Zona's own security emails about client to that person
// alone, in their language, through the outbox; the history records it as caused by ev's
// actor. to overrides the address (an email change is confirmed at the new address).
func (s *Server) sendAccountMail(c *fiber.Ctx, client *store.Client, to string, tpl mail.Template, d mail.TemplateData, actor store.Actor) error {
	lang := client.Lang
	if lang == "" {
		lang = s.tr(c).Lang()
	}
	if d.Name == "" {
		d.Name = client.Name()
	}
	r, err := mail.Render(tpl, lang, s.cfg.Brand, s.cfg.Location, d)
	if err != nil {
		return err
	}
	who := mail.Owner(client)
	if to != "" {
		who.Email = to
	}
	ev := store.Event{Actor: actor, IP: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 512),
		Detail: map[string]string{"template": string(tpl)}}
	_, err = s.mailer.Send(mail.Outgoing{
		ClientID: client.ID, Category: store.CategoryAccount, Subject: r.Subject, HTML: r.HTML, Text: r.Text,
		Concerns: &who, Event: ev,
	})
	return err
}

// link is an absolute URL to path on this Zona, for links sent out of band.
func (s *Server) link(path string) string { return strings.TrimSuffix(s.cfg.BaseURL, "/") + path }
