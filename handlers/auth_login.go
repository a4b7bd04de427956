package handlers

import (
	"errors"
	"math"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/mail"
	"zona/secure"
	"zona/store"
	"zona/views"
	"zona/web"
)

func (s *Server) showHome(c *fiber.Ctx) error {
	if currentPrincipal(c) != nil {
		return c.Redirect("/zona", fiber.StatusSeeOther)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// loginForm is the sign-in form as typed.
type loginForm struct {
	email, password string
	next            string
	errs            map[string]string // field → message key
}

func parseLogin(c *fiber.Ctx) *loginForm {
	f := &loginForm{errs: map[string]string{}}
	var ok bool
	f.email, ok = formText(c, "email", false)
	if key := checkEmail(f.email, ok); key != "" {
		f.errs["email"] = key
	}
	f.password, ok = formText(c, "password", true)
	switch {
	case !ok:
		f.errs["password"] = "form.invalid_chars"
	case f.password == "":
		f.errs["password"] = "form.password_required"
	case len(f.password) > maxPasswordLen:
		f.errs["password"] = "form.password_too_long"
	}
	f.next, _ = formText(c, "next", false)
	return f
}

func (f *loginForm) page(t *locales.Translator, notice string) views.LoginPage {
	msg := func(field string) string {
		if k := f.errs[field]; k != "" {
			return t.T(k)
		}
		return ""
	}
	return views.LoginPage{
		Email: withError(emailField(t, f.email), msg("email")),
		Password: views.Field{Name: "password", Label: t.T("field.password"), Type: "password",
			Error: msg("password"), Autocomplete: "current-password", Required: true},
		Error: notice,
		Next:  f.next,
	}
}

func (s *Server) showLogin(c *fiber.Ctx) error {
	if currentPrincipal(c) != nil {
		return c.Redirect("/zona", fiber.StatusSeeOther)
	}
	f := &loginForm{next: c.Query("next")}
	return s.render(c, fiber.StatusOK, s.tr(c).T("page.login.title"), views.Login(f.page(s.tr(c), "")))
}

// signIn checks an email and password. An unknown email and a wrong password get the same
// answer in the same time; repeated failures lock the account (and the address) for a while.
func (s *Server) signIn(c *fiber.Ctx) error {
	t := s.tr(c)
	f := parseLogin(c)
	again := func(status int, notice string) error {
		return s.render(c, status, t.T("page.login.title"), views.Login(f.page(t, notice)))
	}
	if len(f.errs) > 0 {
		return again(fiber.StatusOK, "")
	}
	acct, ip := web.SignInAccount.For(store.NormalizeEmail(f.email)), web.SignInIP.For(c.IP())
	if ok, wait, err := s.kv.Reserve(acct, ip); err != nil {
		return err
	} else if !ok {
		return again(fiber.StatusTooManyRequests, t.T("page.login.locked", "Count", minutes(wait)))
	}
	// One lookup finds a client or a contact with access: one login index for both.
	cl, ct, err := s.store.Login(f.email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash := ""
	switch {
	case ct != nil:
		hash = ct.PasswordHash // empty until the contact accepted its invitation
	case cl != nil:
		hash = cl.PasswordHash
	}
	match := false
	if hash != "" {
		match, err = secure.Verify(c.UserContext(), hash, f.password)
	} else {
		err = secure.VerifyNothing(c.UserContext(), f.password)
	}
	if err != nil {
		return err
	}
	if !match {
		if err := s.signInFailed(c, cl, ct); err != nil {
			return err
		}
		return again(fiber.StatusOK, t.T("page.login.wrong"))
	}
	if err := s.signInSucceeded(acct, ip); err != nil {
		return err
	}
	// A suspended account is told so, but only once the password was right: a guesser
	// learns nothing from it.
	if cl.Suspended() {
		return again(fiber.StatusOK, t.T("page.login.suspended", "Brand", s.cfg.Brand))
	}
	return s.afterPassword(c, personOf(cl, ct), f.next)
}

// signInSucceeded clears the email's count of wrong passwords and forgives the address
// the attempt it reserved: people signing in from one office do not lock each other out.
func (s *Server) signInSucceeded(acct, ip store.Attempt) error {
	if err := s.kv.Delete(acct.Key); err != nil {
		return err
	}
	return s.kv.Forgive(ip.Key)
}

// signInFailed records a failed sign-in (its attempt was counted before the check) in the
// account's history when the email is known, with the person it names (the owner or the
// contact) as actor.
func (s *Server) signInFailed(c *fiber.Ctx, cl *store.Client, ct *store.Contact) error {
	s.log.Info("sign-in failed", "ip", c.IP(), "known", cl != nil)
	if cl == nil {
		return nil
	}
	ev := s.event(c, nil, store.KindSignInFailed)
	ev.Actor = store.Actor{Kind: store.ActorOwner, ID: cl.ID, Name: cl.Name()}
	if ct != nil {
		ev.Actor = store.Actor{Kind: store.ActorContact, ID: ct.ID, Name: ct.Name()}
	}
	return s.store.Record(cl.ID, ev)
}

// event is a history event of kind for the request's principal p (nil for the system),
// with the request's address and browser.
func (s *Server) event(c *fiber.Ctx, p *principal, kind string) store.Event {
	ev := store.Event{Kind: kind, IP: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 512),
		Actor: store.Actor{Kind: store.ActorSystem}}
	if p != nil {
		ev.Actor = p.actor()
	}
	return ev
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func minutes(d time.Duration) int { return max(1, int(math.Ceil(d.Minutes()))) }

// noticeNewDevice tells the person by email of a sign-in from a kind of device their
// account has not seen before (when the operator turned that on), and how it was proved.
func (s *Server) noticeNewDevice(c *fiber.Ctx, p *principal, method string) error {
	ua := c.Get(fiber.HeaderUserAgent)
	// Each person's kinds of device are their own: a contact's are kept under
	// "<clientID>/<contactID>", so its first sign-in is not "new" for having the owner's.
	scope := p.ClientID()
	if p.Contact != nil {
		scope += "/" + p.Contact.ID
	}
	isNew, err := s.store.RememberDevice(scope, views.DeviceKey(ua))
	if err != nil || !isNew || !s.cfg.NotifyNewDevice {
		return err
	}
	ctx := views.WithCtx(c.UserContext(), s.viewCtx(c))
	data := mail.TemplateData{When: time.Now(), IP: c.IP(), Device: views.Device(ctx, ua), Method: method}
	return s.sendPersonMail(c, p, mail.TplNewSignIn, data, p.actor())
}
