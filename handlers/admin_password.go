package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/views"
)

// adminPasswordPath is the console's own-password form; its meter is under it.
const adminPasswordPath = "/admin/password"

// staffPasswordForm reads the console's password form with the staff member's own rules.
func staffPasswordForm(c *fiber.Ctx) *passwordForm {
	return parsePasswordChange(c, personalOfStaff(currentStaff(c)))
}

// showStaffPassword is the signed-in staff member's own password form.
func (s *Server) showStaffPassword(c *fiber.Ctx) error {
	t := s.tr(c)
	page := (&passwordForm{}).page(t, "")
	page.Action, page.Saved = adminPasswordPath, c.Query("saved") == "1"
	return s.render(c, fiber.StatusOK, t.T("page.password.title"), views.Password(page))
}

// checkStaffStrength is the live meter of the console's password form.
func (s *Server) checkStaffStrength(c *fiber.Ctx) error {
	return s.renderStrength(c, c.FormValue("new"), personalOfStaff(currentStaff(c)))
}

// saveStaffPassword changes the signed-in staff member's own password: the current one must
// be right (under the same limit of wrong tries as a customer's) and the new one must pass
// the policy. Every other console session of that member ends; this one goes on under a
// new ID. It belongs to no client, so it is logged.
func (s *Server) saveStaffPassword(c *fiber.Ctx) error {
	t := s.tr(c)
	st := currentStaff(c)
	f := staffPasswordForm(c)
	again := func(notice string) error {
		page := f.page(t, notice)
		page.Action = adminPasswordPath
		return s.render(c, fiber.StatusOK, t.T("page.password.title"), views.Password(page))
	}
	if f.errs["current"] == "" {
		key, wait, err := s.checkPasswordOf(c, st.ID, st.PasswordHash, f.current)
		if err != nil {
			return err
		}
		if key == lockedPasswordKey {
			return again(t.T("page.login.locked", "Count", minutes(wait)))
		}
		if key != "" {
			f.errs["current"] = key
		}
	}
	if len(f.errs) > 0 {
		return again("")
	}
	hash, err := secure.Hash(c.UserContext(), f.new)
	if err != nil {
		return err
	}
	// Every session of this member ends with the new revision; this browser goes on in a
	// new session with the page's CSRF token, so the form on screen still works.
	updated, err := s.store.SetStaffPassword(st.ID, hash, "")
	if err != nil {
		return err
	}
	if err := s.startStaffSession(c, updated, currentSession(c).data.CSRF); err != nil {
		return err
	}
	s.log.Info("staff password changed", "staff", st.ID, "ip", c.IP())
	if isHTMX(c) {
		page := (&passwordForm{}).page(t, "")
		page.Action, page.Saved = adminPasswordPath, true
		return s.render(c, fiber.StatusOK, t.T("page.password.title"), views.Password(page))
	}
	return c.Redirect(adminPasswordPath+"?saved=1", fiber.StatusSeeOther)
}
