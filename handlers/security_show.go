package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
	"zona/views"
)

// showSecurity is "Seguridad de la cuenta": whether the person has a second factor, how
// many recovery codes are left, and the forms to make new ones or turn it off.
func (s *Server) showSecurity(c *fiber.Ctx) error {
	page, err := s.securityPage(c, currentPrincipal(c))
	if err != nil {
		return err
	}
	t := s.tr(c)
	switch c.Query("done") {
	case "on":
		page.Notice = t.T("page.security.enabled")
	case "off":
		page.Notice = t.T("page.security.disabled")
	case "passkey":
		page.Notice = t.T("page.passkeys.added_notice")
	case "passkey_off":
		page.Notice = t.T("page.passkeys.removed_notice")
	}
	return s.render(c, fiber.StatusOK, t.T("page.security.title"), views.Security(page))
}

// securityPage is the security page of p as stored, with empty password fields.
func (s *Server) securityPage(c *fiber.Ctx, p *principal) (views.SecurityPage, error) {
	t := s.tr(c)
	page := views.SecurityPage{Required: s.cfg.CustomerTwoFA == TwoFARequired, PasskeysOn: s.wa != nil,
		Disable: passwordField(t, "disable_password"), Renew: passwordField(t, "renew_password")}
	keys, err := s.store.Passkeys(p.ClientID(), p.person())
	if err != nil {
		return page, err
	}
	for _, k := range keys {
		page.Passkeys = append(page.Passkeys, views.PasskeyRow{ID: k.ID, Name: k.Name, Added: k.Added, LastUsed: k.LastUsed})
	}
	f, err := s.store.SecondFactorOf(factorOf(p))
	if errors.Is(err, store.ErrNotFound) {
		return page, nil
	}
	if err != nil {
		return page, err
	}
	page.TOTP, page.Added, page.Left = true, f.Added, len(f.Recovery)
	return page, nil
}

// passwordField is a current-password field called name.
func passwordField(t *locales.Translator, name string) views.Field {
	return views.Field{Name: name, Label: t.T("field.current_password"), Type: "password",
		Autocomplete: "current-password", Required: true}
}
