package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/secure"
	"zona/store"
	"zona/views"
)

// setupForm is the first-staff form as typed.
type setupForm struct {
	name, email, password, confirm string
	errs                           map[string]string
}

func parseSetup(c *fiber.Ctx) *setupForm {
	f := &setupForm{errs: map[string]string{}}
	var ok bool
	f.name, ok = formText(c, "name", false)
	if k := checkText(f.name, ok, maxNameLen); k != "" {
		f.errs["name"] = k
	}
	f.email, ok = formText(c, "email", false)
	if k := checkEmail(f.email, ok); k != "" {
		f.errs["email"] = k
	}
	f.password = c.FormValue("password")
	if k := secure.CheckPassword(f.password, f.email, f.name); k != "" {
		f.errs["password"] = k
	}
	f.confirm = c.FormValue("confirm")
	if f.errs["password"] == "" && f.confirm != f.password {
		f.errs["confirm"] = "form.password_mismatch"
	}
	return f
}

func (f *setupForm) page(t *locales.Translator, token, notice string) views.SetupPage {
	msg := func(field string) string {
		if k := f.errs[field]; k != "" {
			return t.T(k)
		}
		return ""
	}
	return views.SetupPage{
		Token: token,
		Name: views.Field{Name: "name", Label: t.T("field.name"), Type: "text", Value: f.name, Error: msg("name"),
			Autocomplete: "name", Required: true, MaxLength: maxNameLen},
		Email: views.Field{Name: "email", Label: t.T("field.email"), Type: "email", Value: f.email, Error: msg("email"),
			Autocomplete: "username", Required: true, MaxLength: maxEmailLen},
		Password: views.Field{Name: "password", Label: t.T("field.new_password"), Type: "password", Error: msg("password"),
			Autocomplete: "new-password", Required: true},
		Confirm: views.Field{Name: "confirm", Label: t.T("field.confirm_password"), Type: "password", Error: msg("confirm"),
			Autocomplete: "new-password", Required: true},
		Error: notice,
	}
}

func (s *Server) showSetup(c *fiber.Ctx) error {
	token := c.Params("token")
	if !s.store.SetupTokenValid(secure.TokenHash(token)) {
		return userError(fiber.StatusNotFound, "error.setup_token")
	}
	f := &setupForm{}
	t := s.tr(c)
	return s.render(c, fiber.StatusOK, t.T("page.setup.title"), views.Setup(f.page(t, token, "")))
}

// createFirstStaff creates the first staff account through the one-time setup link.
func (s *Server) createFirstStaff(c *fiber.Ctx) error {
	token := c.Params("token")
	hash := secure.TokenHash(token)
	if !s.store.SetupTokenValid(hash) {
		return userError(fiber.StatusNotFound, "error.setup_token")
	}
	t := s.tr(c)
	f := parseSetup(c)
	if len(f.errs) > 0 {
		return s.render(c, fiber.StatusOK, t.T("page.setup.title"), views.Setup(f.page(t, token, "")))
	}
	pw, err := secure.Hash(c.UserContext(), f.password)
	if err != nil {
		return err
	}
	st := &store.Staff{Name: f.name, Email: f.email, PasswordHash: pw}
	if err := s.store.CreateFirstStaff(hash, st); err != nil {
		if errors.Is(err, store.ErrSetupToken) {
			return userError(fiber.StatusNotFound, "error.setup_token")
		}
		return err
	}
	s.log.Info("first staff account created", "email", st.Email, "ip", c.IP())
	return s.render(c, fiber.StatusOK, t.T("page.setup.title"), views.Setup(views.SetupPage{Created: st.Email}))
}
