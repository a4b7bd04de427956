package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/secure"
	"zona/store"
	"zona/views"
	"zona/web"
)

func (f *loginForm) staffPage(t *locales.Translator, notice string) views.StaffLoginPage {
	p := f.page(t, notice)
	return views.StaffLoginPage{Email: p.Email, Password: p.Password, Error: p.Error, Next: f.next}
}

// showStaffLogin is the operator console's sign-in page. A client's session may see it:
// the two kinds of session are apart, and signing in here replaces the client's.
func (s *Server) showStaffLogin(c *fiber.Ctx) error {
	if currentStaff(c) != nil {
		return c.Redirect("/admin", fiber.StatusSeeOther)
	}
	f := &loginForm{next: c.Query("next")}
	t := s.tr(c)
	return s.render(c, fiber.StatusOK, t.T("page.admin.login.title"), views.StaffLogin(f.staffPage(t, "")))
}

// staffSignIn checks a staff email and password with the client sign-in's rules: an
// unknown email and a wrong password get the same answer in the same time, and repeated
// failures lock the account (and the address) for a while. Staff accounts belong to no
// client, so the sign-in and its failures go to the log, not to a client's history.
func (s *Server) staffSignIn(c *fiber.Ctx) error {
	t := s.tr(c)
	f := parseLogin(c)
	again := func(status int, notice string) error {
		return s.render(c, status, t.T("page.admin.login.title"), views.StaffLogin(f.staffPage(t, notice)))
	}
	if len(f.errs) > 0 {
		return again(fiber.StatusOK, "")
	}
	acct, ip := web.StaffSignInAccount.For(store.NormalizeEmail(f.email)), web.StaffSignInIP.For(c.IP())
	if ok, wait, err := s.kv.Reserve(acct, ip); err != nil {
		return err
	} else if !ok {
		return again(fiber.StatusTooManyRequests, t.T("page.login.locked", "Count", minutes(wait)))
	}
	st, err := s.store.StaffByEmail(f.email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	match := false
	if st != nil && st.PasswordHash != "" {
		match, err = secure.Verify(c.UserContext(), st.PasswordHash, f.password)
	} else {
		err = secure.VerifyNothing(c.UserContext(), f.password)
	}
	if err != nil {
		return err
	}
	if !match {
		s.log.Warn("staff sign-in failed", "ip", c.IP(), "known", st != nil)
		return again(fiber.StatusOK, t.T("page.login.wrong"))
	}
	if err := s.signInSucceeded(acct, ip); err != nil {
		return err
	}
	// A disabled member is told so only once the password was right: a guesser learns
	// nothing from it.
	if st.Disabled {
		s.log.Warn("disabled staff sign-in refused", "staff", st.ID, "ip", c.IP())
		return again(fiber.StatusOK, t.T("page.admin.login.disabled"))
	}
	return s.staffAfterPassword(c, st, f.next)
}
