package handlers

import (
	"errors"
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
// an account or not; only a flood from one address is told to wait.
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
	sent := views.ForgotPage{Sent: true}
	cl, ct, err := s.store.Login(email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ct != nil && !ct.CanSignIn()) {
		s.log.Info("password reset for an unknown email", "ip", c.IP())
		return s.render(c, fiber.StatusOK, t.T("page.forgot.title"), views.Forgot(sent))
	}
	if err != nil {
		return err
	}
	p := personOf(cl, ct)
	if ok, _, err := s.kv.Reserve(web.ResetPerson.For(p.ID)); err != nil {
		return err
	} else if !ok {
		s.log.Info("password reset requests limited", "client", cl.ID, "person", p.ID, "ip", c.IP())
		return s.render(c, fiber.StatusOK, t.T("page.forgot.title"), views.Forgot(sent))
	}
	token := secure.Token()
	ev := s.event(c, nil, store.KindResetRequested)
	if err := s.store.CreateReset(cl, ct, secure.TokenHash(token), time.Now().Add(resetValid), ev); err != nil {
		return err
	}
	data := mail.TemplateData{Link: s.link("/password/reset/" + token), Valid: resetValid}
	if err := s.sendPersonMail(c, p, mail.TplPasswordReset, data, store.Actor{Kind: store.ActorSystem}); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, t.T("page.forgot.title"), views.Forgot(sent))
}
