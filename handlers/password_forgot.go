package handlers

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/mail"
	"zona/secure"
	"zona/store"
	"zona/views"
	"zona/web"
)

// Reset links work for resetValid; requests are limited per address (web.ResetIP) and per
// person (web.ResetPerson).
const resetValid = 60 * time.Minute

func (s *Server) showForgot(c *fiber.Ctx) error {
	t := s.tr(c)
	page := views.ForgotPage{Email: emailField(t, "")}
	return s.render(c, fiber.StatusOK, t.T("page.forgot.title"), views.Forgot(page))
}

// emailField is the sign-in email input of the sign-in and reset forms.
func emailField(t *locales.Translator, value string) views.Field {
	return views.Field{Name: "email", Label: t.T("field.email"), Type: "email", Value: value,
		Autocomplete: "username", Required: true, MaxLength: maxEmailLen}
}

// sendReset answers a reset request. The answer is the same whether the email belongs to
// an account or not, and so is the time it takes: after the checks of the form and of the
// address's limit, which every request goes through, the answer goes out and the lookup,
// the link and the mail are made in the background (mailReset). Only a flood from one
// address is told to wait.
func (s *Server) sendReset(c *fiber.Ctx) error {
	t := s.tr(c)
	email, ok := formText(c, "email", false)
	field := emailField(t, email)
	if key := checkEmail(email, ok); key != "" {
		field.Error = t.T(key)
		return s.render(c, fiber.StatusOK, t.T("page.forgot.title"), views.Forgot(views.ForgotPage{Email: field}))
	}
	if ok, left, err := s.kv.Reserve(web.ResetIP.For(c.IP())); err != nil {
		return err
	} else if !ok {
		return s.render(c, fiber.StatusTooManyRequests, t.T("page.forgot.title"),
			views.Forgot(views.ForgotPage{Email: field, Error: t.T("page.login.locked", "Count", minutes(left))}))
	}
	email, o := strings.Clone(email), s.originOf(c)
	s.later.run(s.log, "password reset", func() error { return s.mailReset(email, o) })
	return s.render(c, fiber.StatusOK, t.T("page.forgot.title"), views.Forgot(views.ForgotPage{Sent: true}))
}

// mailReset makes a reset link for the person who signs in with email, if any, and mails
// it to them alone; the request o asked for it. An unknown email, a contact without
// access, and a person over their limit get nothing.
func (s *Server) mailReset(email string, o origin) error {
	cl, ct, err := s.store.Login(email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ct != nil && !ct.CanSignIn()) {
		s.log.Info("password reset for an unknown email", "ip", o.ip)
		return nil
	}
	if err != nil {
		return err
	}
	p := personOf(cl, ct)
	if ok, _, err := s.kv.Reserve(web.ResetPerson.For(p.ID)); err != nil {
		return err
	} else if !ok {
		s.log.Info("password reset requests limited", "client", cl.ID, "person", p.ID, "ip", o.ip)
		return nil
	}
	token := secure.Token()
	system := store.Actor{Kind: store.ActorSystem}
	ev := store.Event{Kind: store.KindResetRequested, Actor: system, IP: o.ip, UserAgent: o.userAgent}
	if err := s.store.CreateReset(cl, ct, secure.TokenHash(token), time.Now().Add(resetValid), ev); err != nil {
		return err
	}
	data := mail.TemplateData{Link: s.link("/password/reset/" + token), Valid: resetValid}
	return s.mailPerson(o, p, mail.TplPasswordReset, data, system)
}
