package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
	"zona/views"
)

// savePIN sets or changes the security PIN: six digits, not trivial, confirmed, and the
// current password. Only its argon2id hash is kept; it is never shown again.
func (s *Server) savePIN(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	pin, confirm, current := c.FormValue("pin"), c.FormValue("pin_confirm"), c.FormValue("pin_current")
	errs := map[string]string{}
	if k := store.CheckPIN(pin, p.Client.Fiscal.RFC); k != "" {
		errs["pin"] = k
	} else if confirm != pin {
		errs["pin_confirm"] = "form.pin_mismatch"
	}
	if current == "" {
		errs["pin_current"] = "form.password_required"
	} else if k, _, err := s.checkCurrentPassword(c, p, current); err != nil {
		return err
	} else if k != "" {
		errs["pin_current"] = k
	}
	if len(errs) > 0 {
		pending, err := s.pendingEmail(p.ClientID())
		if err != nil {
			return err
		}
		page := accountFormOf(p.Client).page(t, p.Client, pending)
		for _, fl := range []*views.Field{&page.PIN.New, &page.PIN.Confirm, &page.PIN.Current} {
			if k := errs[fl.Name]; k != "" {
				fl.Error = t.T(k)
			}
		}
		page.PIN.Error = t.T("form.fix_errors")
		return s.render(c, fiber.StatusOK, t.T("page.account.title"), views.Account(page))
	}
	hash, err := secure.Hash(c.UserContext(), pin)
	if err != nil {
		return err
	}
	fresh, err := s.store.SetPIN(p.ClientID(), hash, s.event(c, p, store.KindPINChanged))
	if err != nil {
		return err
	}
	if isHTMX(c) {
		pending, err := s.pendingEmail(p.ClientID())
		if err != nil {
			return err
		}
		page := accountFormOf(fresh).page(t, fresh, pending)
		page.PIN.Saved = true
		return s.render(c, fiber.StatusOK, t.T("page.account.title"), views.Account(page))
	}
	return c.Redirect("/account?pin=1", fiber.StatusSeeOther)
}
