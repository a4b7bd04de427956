package handlers

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"zona/locales"
	"zona/secure"
	"zona/store"
	"zona/views"
)

// The operator's second-factor policies (Config.CustomerTwoFA, Config.StaffTwoFA).
const (
	TwoFAOptional = "optional"
	TwoFARequired = "required"
)

// How a person proved who they are at sign-in, as the device list and the new-device
// notice say it.
const (
	methodPassword = "password"
	methodTOTP     = "totp"
	methodRecovery = "recovery"
)

// The steps a session past its password may still have to take (sessionData.Step).
const (
	stepCode   = "code"   // a second factor: a code from the app or a recovery code
	stepEnroll = "enroll" // set up a second factor first: the operator requires one
	// pendingTimeout is how long a session may wait at its second step.
	pendingTimeout = 10 * time.Minute
)

// factorOf is the key of p's second factor.
func factorOf(p *principal) store.FactorKey { return store.ClientFactor(p.ClientID(), p.person()) }

// currentPending is the request's session when it waits for its second step, else nil.
func currentPending(c *fiber.Ctx) *webSession {
	ws, _ := c.Locals(localPending).(*webSession)
	return ws
}

// loadPending goes on with a session that waits for its second step: it opens nothing (no
// principal, no staff member), and ends when the step takes longer than pendingTimeout.
func (s *Server) loadPending(c *fiber.Ctx, ws *webSession, now time.Time) error {
	if now.Sub(time.Unix(ws.data.Started, 0)) > pendingTimeout {
		return s.endSession(c, ws)
	}
	c.Locals(localPending, ws)
	return c.Next()
}

// beginSecondStep turns the browser's session into one waiting for step (stepCode or
// stepEnroll) on behalf of kind and pid (rev: a staff record's revision), with a new ID and
// a CSRF token of its own: what the password proved opens nothing until the step passes.
func (s *Server) beginSecondStep(c *fiber.Ctx, kind, pid string, rev uint64, step, next string) error {
	ws := currentSession(c)
	if err := s.renewSessionID(ws); err != nil {
		return err
	}
	now := time.Now()
	ws.data = sessionData{Kind: kind, PID: pid, Started: now.Unix(), Seen: now.Unix(), CSRF: secure.Token(),
		Rev: rev, Step: step, Next: next}
	return s.writeSession(c, ws)
}

// afterPassword goes on from p's right password: to the second step when p has a second
// factor, or must set one up (the operator requires it), else into the account.
func (s *Server) afterPassword(c *fiber.Ctx, p *principal, next string) error {
	f, err := s.factorsOf(p)
	if err != nil {
		return err
	}
	step := stepCode
	switch {
	case !f.TOTP && !f.Passkey && s.cfg.CustomerTwoFA == TwoFARequired:
		step = stepEnroll
	case !f.TOTP && !f.Passkey:
		if err := s.openSession(c, p, methodPassword); err != nil {
			return err
		}
		return c.Redirect(safeNext(next), fiber.StatusSeeOther)
	}
	if err := s.beginSecondStep(c, p.Kind, p.sessionPID(), 0, step, next); err != nil {
		return err
	}
	return c.Redirect("/login/2fa", fiber.StatusSeeOther)
}

// factors says which second factors p has.
type factors struct{ TOTP, Passkey bool }

func (s *Server) factorsOf(p *principal) (factors, error) {
	var f factors
	_, err := s.store.SecondFactorOf(factorOf(p))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return f, err
	}
	f.TOTP = err == nil
	f.Passkey, err = s.store.HasPasskey(p.ClientID(), p.person())
	return f, err
}

// openSession signs p in on this browser, proved by method: the session, the history's
// sign-in, and the notice of a new kind of device.
func (s *Server) openSession(c *fiber.Ctx, p *principal, method string) error {
	var prev *store.Entry
	var err error
	// The history's last sign-in may be anyone's of the account: a contact is not shown the
	// owner's, so its dashboard names no previous sign-in.
	if p.isOwner() {
		prev, err = s.store.LastOfKind(p.ClientID(), store.KindSignIn, 200)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if err := s.startSession(c, p, prev, method); err != nil {
		return err
	}
	return s.noticeNewDevice(c, p, method)
}

// totpSetup is the setup of an authenticator app for account, confirmed by a post to
// action. The secret is made once and kept in the session's server-side record until a
// first code confirms it, so reloading the page shows the same QR code.
func (s *Server) totpSetup(c *fiber.Ctx, ws *webSession, account, action string) (views.TOTPSetup, error) {
	t := s.tr(c)
	if ws.data.TOTP == "" {
		ws.data.TOTP = store.NewTOTPSecret()
		if err := s.writeSession(c, ws); err != nil {
			return views.TOTPSetup{}, err
		}
	}
	png, err := qrcode.Encode(store.TOTPURI(s.cfg.Brand, account, ws.data.TOTP), qrcode.Medium, 256)
	if err != nil {
		return views.TOTPSetup{}, err
	}
	return views.TOTPSetup{
		Title:  t.T("page.totp.title"),
		QR:     "data:image/png;base64," + base64.StdEncoding.EncodeToString(png),
		Secret: groupsOf4(ws.data.TOTP),
		Code:   codeField(t, "", ""),
		Action: action,
	}, nil
}

// codeField is the field for a one-time code, with its message key errKey.
func codeField(t *locales.Translator, label, errKey string) views.Field {
	if label == "" {
		label = "field.totp_code"
	}
	f := views.Field{Name: "code", Label: t.T(label), Type: "text", Autocomplete: "one-time-code", Required: true, MaxLength: 32}
	if errKey != "" {
		f.Error = t.T(errKey)
	}
	return f
}

// formCode is the code typed in the form's "code" field, without spaces.
func formCode(c *fiber.Ctx) string {
	code, _ := formText(c, "code", false)
	return strings.ReplaceAll(code, " ", "")
}

// recoveryPage shows codes once, with a plain-text download, leading on to next.
func recoveryPage(t *locales.Translator, codes []string, next string) views.RecoveryCodesPage {
	text := t.T("page.recovery.file_header") + "\n\n" + strings.Join(codes, "\n") + "\n"
	return views.RecoveryCodesPage{Title: t.T("page.recovery.title"), Codes: codes, Continue: next,
		Download: "data:text/plain;charset=utf-8," + url.PathEscape(text)}
}

func groupsOf4(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
