package handlers

import (
	"encoding/json"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/gofiber/fiber/v2"

	"zona/web"
)

// signInWithPasskey finishes a passkey sign-in: the assertion (JSON from
// assets/passkey.js) is checked against the ceremony's challenge and the person's stored
// credential. A passkey proves both factors (something held, unlocked by the device's PIN
// or biometrics), so the person is signed in without password or code; it also ends a
// second step waiting on this browser. Like the password, it is reserved against the
// address's sign-in limit before it is checked.
func (s *Server) signInWithPasskey(c *fiber.Ctx) error {
	if s.wa == nil {
		return errNoPasskeys
	}
	t := s.tr(c)
	failed := func() error { return passkeyAnswer(c, fiber.StatusBadRequest, "", t.T("error.passkey_failed")) }
	ip := web.SignInIP.For(c.IP())
	if ok, wait, err := s.kv.Reserve(ip); err != nil {
		return err
	} else if !ok {
		return passkeyAnswer(c, fiber.StatusTooManyRequests, "", t.T("page.login.locked", "Count", minutes(wait)))
	}
	sd, err := s.ceremony(c, "login")
	if err != nil {
		return failed()
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(c.Body())
	if err != nil {
		return failed()
	}
	var who *passkeyUser
	user, cred, err := s.wa.ValidatePasskeyLogin(func(_, handle []byte) (webauthn.User, error) {
		u, err := s.passkeyUserByHandle(handle)
		who = u
		return u, err
	}, *sd, parsed)
	if err != nil || user == nil {
		s.log.Info("passkey sign-in refused", "err", err, "ip", c.IP())
		return failed()
	}
	if fresh, err := s.spendChallenge(sd); err != nil {
		return err
	} else if !fresh {
		return failed()
	}
	if err := s.kv.Forgive(ip.Key); err != nil {
		return err
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	p := who.p
	if err := s.store.UsePasskey(p.ClientID(), p.person(), credentialID(cred.ID), raw, time.Now()); err != nil {
		return err
	}
	next := "/zona"
	if ws := currentPending(c); ws != nil && ws.data.PID == p.sessionPID() {
		next = safeNext(ws.data.Next)
	}
	if err := s.openSession(c, p, methodPasskey); err != nil {
		return err
	}
	return passkeyAnswer(c, fiber.StatusOK, next, "")
}
