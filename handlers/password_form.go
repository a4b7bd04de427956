package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/secure"
	"zona/store"
	"zona/views"
)

// passwordForm is "Cambiar Contraseña" as typed. Passwords are never sent back.
type passwordForm struct {
	current, new, confirm string
	errs                  map[string]string
}

// personalOf is what a client's password must not contain.
func personalOf(c *store.Client) []string {
	return []string{c.Email, c.FirstName, c.LastName, c.Company}
}

// personalOfPrincipal is what the principal's password must not contain.
func personalOfPrincipal(p *principal) []string {
	if p.Contact != nil {
		return personalOfContact(p.Contact)
	}
	return personalOf(p.Client)
}

// passwordHash is the principal's own password hash.
func (p *principal) passwordHash() string {
	if p.Contact != nil {
		return p.Contact.PasswordHash
	}
	return p.Client.PasswordHash
}

// parseNewPassword reads a new password and its confirmation, as the reset and invitation
// forms ask for them, and applies the password policy with personal.
func parseNewPassword(c *fiber.Ctx, personal []string) *passwordForm {
	f := &passwordForm{new: c.FormValue("new"), confirm: c.FormValue("confirm"), errs: map[string]string{}}
	switch verdict := secure.EvaluatePassword(f.new, personal...); {
	case !verdict.OK():
		f.errs["new"] = verdict.Problems[0]
	case f.confirm != f.new:
		f.errs["confirm"] = "form.password_mismatch"
	}
	return f
}

// parsePassword reads "Cambiar Contraseña" of p.
func parsePassword(c *fiber.Ctx, p *principal) *passwordForm {
	return parsePasswordChange(c, personalOfPrincipal(p))
}

// parsePasswordChange reads a change of one's own password: the current password besides
// the new one, which must differ from it and from personal (the person's email and names).
func parsePasswordChange(c *fiber.Ctx, personal []string) *passwordForm {
	f := parseNewPassword(c, personal)
	f.current = c.FormValue("current")
	if f.current == "" {
		f.errs["current"] = "form.password_required"
	}
	if f.errs["new"] == "" && f.new == f.current {
		f.errs["new"] = "form.password_same"
		delete(f.errs, "confirm")
	}
	return f
}

func strengthView(t *locales.Translator, pw string, v secure.Verdict) views.Strength {
	s := views.Strength{Empty: pw == "", Score: v.Score}
	for _, k := range v.Problems {
		s.Hints = append(s.Hints, t.T(k))
	}
	return s
}

func (f *passwordForm) page(t *locales.Translator, notice string) views.PasswordPage {
	msg := func(field string) string {
		if k := f.errs[field]; k != "" {
			return t.T(k)
		}
		return ""
	}
	return views.PasswordPage{
		Current: views.Field{Name: "current", Label: t.T("field.current_password"), Type: "password",
			Error: msg("current"), Autocomplete: "current-password", Required: true},
		New: views.Field{Name: "new", Label: t.T("field.new_password"), Error: msg("new")},
		Confirm: views.Field{Name: "confirm", Label: t.T("field.confirm_password"), Type: "password",
			Error: msg("confirm"), Autocomplete: "new-password", Required: true},
		// The new password is never sent back, so its meter starts over empty with it.
		Strength: views.Strength{Empty: true},
		Error:    notice,
	}
}
