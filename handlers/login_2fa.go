package handlers

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/store"
	"zona/views"
	"zona/web"
)

// showSecondStep is the second step of signing in: a code from the authenticator app or a
// recovery code; or, when the operator requires a second factor and the person has none,
// its setup (login_2fa_enroll.go).
func (s *Server) showSecondStep(c *fiber.Ctx) error {
	ws := currentPending(c)
	if ws.data.Step == stepEnroll {
		return s.showEnrollStep(c, ws)
	}
	who, err := s.pendingPerson(ws)
	if errors.Is(err, store.ErrNotFound) {
		return s.restartSignIn(c, ws, "/login")
	}
	if err != nil {
		return err
	}
	page, err := s.secondStepPage(c, who, "", "")
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, s.tr(c).T("page.second_step.title"), views.SecondStep(page))
}

// secondStepPage is the second step for who: the code field when they have TOTP, the
// passkey button when they have a passkey.
func (s *Server) secondStepPage(c *fiber.Ctx, who *pendingWho, errKey, notice string) (views.SecondStepPage, error) {
	page := views.SecondStepPage{TOTP: true, Code: codeField(s.tr(c), "field.second_factor", errKey), Error: notice}
	if who.person == nil {
		return page, nil // staff have TOTP only
	}
	f, err := s.factorsOf(who.person)
	page.TOTP, page.Passkey = f.TOTP, f.Passkey && s.wa != nil
	return page, err
}

// checkSecondStep checks the code of the second step. The attempt is reserved against the
// person's and the address's limits before the code is checked, and given back when it is
// right; a wrong one is recorded in the person's history. A code from the app works once.
func (s *Server) checkSecondStep(c *fiber.Ctx) error {
	ws := currentPending(c)
	if ws.data.Step == stepEnroll {
		return s.enrollStep(c, ws)
	}
	t := s.tr(c)
	who, err := s.pendingPerson(ws)
	if errors.Is(err, store.ErrNotFound) {
		return s.restartSignIn(c, ws, "/login")
	}
	if err != nil {
		return err
	}
	again := func(status int, errKey, notice string) error {
		page, err := s.secondStepPage(c, who, errKey, notice)
		if err != nil {
			return err
		}
		return s.render(c, status, t.T("page.second_step.title"), views.SecondStep(page))
	}
	code := formCode(c)
	if code == "" {
		return again(fiber.StatusOK, "form.code_required", "")
	}
	acct, ip := web.SecondFactorAccount.For(string(who.key)), web.SecondFactorIP.For(c.IP())
	if ok, wait, err := s.kv.Reserve(acct, ip); err != nil {
		return err
	} else if !ok {
		return again(fiber.StatusTooManyRequests, "", t.T("page.login.locked", "Count", minutes(wait)))
	}
	method, ok, left := methodTOTP, false, 0
	if len(code) == store.TOTPDigits && allDigits(code) {
		ok, err = s.store.CheckTOTP(who.key, code, time.Now())
	} else {
		method = methodRecovery
		ok, left, err = s.store.UseRecoveryCode(who.key, code, who.clientID(), s.event(c, who.person, ""))
	}
	if err != nil {
		return err
	}
	if !ok {
		if err := s.secondStepFailed(c, who); err != nil {
			return err
		}
		return again(fiber.StatusOK, "form.code_wrong", "")
	}
	if err := s.signInSucceeded(acct, ip); err != nil {
		return err
	}
	if who.staff != nil {
		if err := s.startStaffSession(c, who.staff, ""); err != nil {
			return err
		}
		return c.Redirect(staffNext(ws.data.Next), fiber.StatusSeeOther)
	}
	if err := s.openSession(c, who.person, method); err != nil {
		return err
	}
	if method == methodRecovery {
		d := mail.TemplateData{When: time.Now(), IP: c.IP(), Left: left}
		if err := s.sendPersonMail(c, who.person, mail.TplRecoveryUsed, d, who.person.actor()); err != nil {
			return err
		}
	}
	return c.Redirect(safeNext(ws.data.Next), fiber.StatusSeeOther)
}

// secondStepFailed records a wrong code in the person's history (a staff member's in the
// log: staff belong to no client's history).
func (s *Server) secondStepFailed(c *fiber.Ctx, who *pendingWho) error {
	if who.staff != nil {
		s.log.Warn("staff second factor failed", "staff", who.staff.ID, "ip", c.IP())
		return nil
	}
	return s.store.Record(who.clientID(), s.event(c, who.person, store.KindTwoFAFailed))
}

// pendingWho is the person a session at its second step is for: a client-zone person or a
// staff member, and the key of their second factor.
type pendingWho struct {
	person *principal
	staff  *store.Staff
	key    store.FactorKey
}

func (w *pendingWho) clientID() string {
	if w.person == nil {
		return ""
	}
	return w.person.ClientID()
}

// pendingPerson finds who ws waits for; ErrNotFound when they are gone (or, for staff, their
// password changed meanwhile).
func (s *Server) pendingPerson(ws *webSession) (*pendingWho, error) {
	if ws.data.Kind == principalStaff {
		st, err := s.store.StaffByID(ws.data.PID)
		if err != nil {
			return nil, err
		}
		if st.Rev != ws.data.Rev {
			return nil, store.ErrNotFound
		}
		return &pendingWho{staff: st, key: store.StaffFactor(st.ID)}, nil
	}
	p, err := s.principalFor(ws.data.Kind, ws.data.PID)
	if err != nil {
		return nil, err
	}
	return &pendingWho{person: p, key: factorOf(p)}, nil
}

// restartSignIn drops a second step whose person is gone (or changed) and sends the
// browser back to the sign-in page login.
func (s *Server) restartSignIn(c *fiber.Ctx, ws *webSession, login string) error {
	if err := s.dropSession(c, ws); err != nil {
		return err
	}
	return c.Redirect(login, fiber.StatusSeeOther)
}
