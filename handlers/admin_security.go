package handlers

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// staffAfterPassword goes on from a staff member's right password. A client signed in on
// this browser is signed out first (its device record goes too). Then: the second step
// when st has a second factor; its setup at /admin/security when the operator requires
// one (--staff-2fa required, the default) and st has none; else the console.
func (s *Server) staffAfterPassword(c *fiber.Ctx, st *store.Staff, next string) error {
	ws := currentSession(c)
	if p := currentPrincipal(c); p != nil {
		if _, err := s.store.EndDevices(p.ClientID(), p.person(), []string{deviceHash(ws.id)}, "", s.event(c, p, store.KindSignOut)); err != nil {
			return err
		}
	}
	_, err := s.store.SecondFactorOf(store.StaffFactor(st.ID))
	switch {
	case err == nil:
		if err := s.beginSecondStep(c, principalStaff, st.ID, st.Rev, stepCode, next); err != nil {
			return err
		}
		return c.Redirect("/login/2fa", fiber.StatusSeeOther)
	case !errors.Is(err, store.ErrNotFound):
		return err
	case s.cfg.StaffTwoFA != TwoFAOptional:
		if err := s.beginSecondStep(c, principalStaff, st.ID, st.Rev, stepEnroll, next); err != nil {
			return err
		}
		return c.Redirect("/admin/security", fiber.StatusSeeOther)
	}
	if err := s.startStaffSession(c, st, ""); err != nil {
		return err
	}
	return c.Redirect(staffNext(next), fiber.StatusSeeOther)
}

// securityStaff is the staff member /admin/security is for: the one signed in, or one
// who must set up a second factor before the console opens (then enrolling is true).
func (s *Server) securityStaff(c *fiber.Ctx) (st *store.Staff, enrolling bool, err error) {
	if st := currentStaff(c); st != nil {
		return st, false, nil
	}
	who, err := s.pendingPerson(currentPending(c))
	if err != nil {
		return nil, false, err
	}
	return who.staff, true, nil
}

// showStaffSecurity is a staff member's second factor: its setup when they have none (at
// their first sign-in, before anything else opens), else that it is on.
func (s *Server) showStaffSecurity(c *fiber.Ctx) error {
	st, _, err := s.securityStaff(c)
	if errors.Is(err, store.ErrNotFound) {
		return s.restartSignIn(c, currentSession(c), "/admin/login")
	}
	if err != nil {
		return err
	}
	f, err := s.store.SecondFactorOf(store.StaffFactor(st.ID))
	if err == nil {
		t := s.tr(c)
		return s.render(c, fiber.StatusOK, t.T("page.security.title"), views.StaffSecurity(f.Added, len(f.Recovery)))
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return s.renderStaffSetup(c, st, "")
}

func (s *Server) renderStaffSetup(c *fiber.Ctx, st *store.Staff, errKey string) error {
	ws := currentSession(c)
	setup, err := s.totpSetup(c, ws, st.Email, "/admin/security")
	if err != nil {
		return err
	}
	t := s.tr(c)
	if ws.data.Step == stepEnroll {
		setup.Title, setup.Intro = t.T("page.totp.required_title"), t.T("page.totp.staff_required_intro")
	}
	setup.Code = codeField(t, "", errKey)
	return s.render(c, fiber.StatusOK, setup.Title, views.TOTPSetupPage(setup))
}

// enrollStaffTOTP confirms a staff member's setup with a first code; a staff member who
// had to set it up is signed in to the console with it. The recovery codes are shown once.
// Staff belong to no client's history: the log records it.
func (s *Server) enrollStaffTOTP(c *fiber.Ctx) error {
	st, enrolling, err := s.securityStaff(c)
	if errors.Is(err, store.ErrNotFound) {
		return s.restartSignIn(c, currentSession(c), "/admin/login")
	}
	if err != nil {
		return err
	}
	ws := currentSession(c)
	codes, hashes := store.NewRecoveryCodes(store.RecoveryCodes)
	ok, err := s.store.EnrollTOTP(store.StaffFactor(st.ID), ws.data.TOTP, formCode(c), hashes, time.Now(), "", store.Event{})
	if errors.Is(err, store.ErrFactorExists) {
		return c.Redirect("/admin/security", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	if !ok {
		return s.renderStaffSetup(c, st, "form.code_wrong")
	}
	s.log.Info("staff second factor set up", "staff", st.ID, "ip", c.IP())
	next := staffNext(ws.data.Next)
	if enrolling {
		if err := s.startStaffSession(c, st, ""); err != nil {
			return err
		}
	} else {
		ws.data.TOTP = ""
		if err := s.writeSession(c, ws); err != nil {
			return err
		}
	}
	t := s.tr(c)
	return s.render(c, fiber.StatusOK, t.T("page.recovery.title"), views.RecoveryCodes(recoveryPage(t, codes, next)))
}
