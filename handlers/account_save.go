package handlers

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/secure"
	"zona/store"
	"zona/views"
	"zona/web"
)

// emailLinkValid is how long the link that confirms a new email works.
const emailLinkValid = 24 * time.Hour

// saveAccount saves "Editar detalles de la cuenta". An invalid form comes back with every
// message beside its field and everything typed. A form loaded before someone else saved
// the account is refused, showing what they changed. A new email needs the password and is
// only requested here: a link goes to the new address, a notice to the old one, and the
// sign-in email changes when the link is followed.
func (s *Server) saveAccount(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	f := parseAccount(c)
	f.validate()
	cl := p.Client
	again := func(notice string, conflict []views.ActivityChange) error {
		pending, err := s.pendingEmail(cl.ID)
		if err != nil {
			return err
		}
		page := f.page(t, p.Client, pending)
		page.Error, page.Conflict = notice, conflict
		return s.render(c, fiber.StatusOK, t.T("page.account.title"), views.Account(page))
	}
	emailChange := store.NormalizeEmail(f.Email) != store.NormalizeEmail(cl.Email)
	if emailChange && f.errs[fEmail] == "" {
		if err := s.checkEmailChange(c, p, f); err != nil {
			return err
		}
	}
	if len(f.errs) > 0 {
		return again(t.T("form.fix_errors"), nil)
	}
	if f.rev != cl.Rev {
		return s.accountConflict(c, cl.ID, f, again)
	}
	old := accountFormOf(cl)
	changes := diffValues(old.values(), f.values())
	if len(changes) > 0 {
		ev := s.event(c, p, store.KindAccountUpdated)
		ev.Changes = changes
		ev.Detail = map[string]string{"rev": strconv.FormatUint(f.rev+1, 10)}
		_, err := s.store.UpdateClient(cl.ID, f.rev, func(stored *store.Client) error {
			f.apply(stored, c.IP())
			return nil
		}, ev)
		if errors.Is(err, store.ErrConflict) {
			return s.accountConflict(c, cl.ID, f, again)
		}
		if err != nil {
			return err
		}
	}
	target := "/account?saved=1"
	if emailChange {
		if err := s.requestEmailChange(c, p, f.Email); errors.Is(err, store.ErrEmailTaken) {
			f.errs[fEmail] = "error.email_taken"
			return again(t.T("form.fix_errors"), nil)
		} else if err != nil {
			return err
		}
		target += "&email=sent"
	}
	if isHTMX(c) {
		fresh, err := s.store.ClientByID(cl.ID)
		if err != nil {
			return err
		}
		pending, err := s.pendingEmail(cl.ID)
		if err != nil {
			return err
		}
		page := accountFormOf(fresh).page(t, fresh, pending)
		page.Saved = true
		if emailChange && pending != nil {
			page.EmailSent = pending.NewEmail
		}
		c.Set("HX-Push-Url", "false")
		return s.render(c, fiber.StatusOK, t.T("page.account.title"), views.Account(page))
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// checkEmailChange checks what changing the email needs: a free address and the right
// current password (rate limited like the password form).
func (s *Server) checkEmailChange(c *fiber.Ctx, p *principal, f *accountForm) error {
	if !p.isOwner() {
		// The sign-in email is the owner's: a contact with the profile area edits the
		// account's details, never how the owner signs in.
		f.errs[fEmail] = "form.email_owner_only"
		return nil
	}
	if other, ct, err := s.store.Login(f.Email); err == nil && (ct != nil || other.ID != p.ClientID()) {
		f.errs[fEmail] = "error.email_taken"
		return nil
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if f.current == "" {
		f.errs[fCurrent] = "form.password_for_email"
		return nil
	}
	k, _, err := s.checkCurrentPassword(c, p, f.current)
	if k != "" {
		f.errs[fCurrent] = k
	}
	return err
}

// lockedPasswordKey is checkCurrentPassword's answer past the lock.
const lockedPasswordKey = "form.password_locked"

// checkCurrentPassword verifies the principal's password for a sensitive change (the
// password, PIN and email-change forms) and returns the message key for its field: "" when
// it is right, a wrong-password message, or, past the lock that wrong ones count towards
// (web.PasswordCheck), lockedPasswordKey and how long the lock lasts. The attempt is
// reserved before the password is checked, and given back when it is right.
func (s *Server) checkCurrentPassword(c *fiber.Ctx, p *principal, pw string) (string, time.Duration, error) {
	return s.checkPasswordOf(c, p.ID, p.passwordHash(), pw)
}

// checkPasswordOf checks pw against hash, the own password of the person id (a client,
// contact or staff member), under that person's limit of wrong current passwords.
func (s *Server) checkPasswordOf(c *fiber.Ctx, id, hash, pw string) (string, time.Duration, error) {
	lock := web.PasswordCheck.For(id)
	if ok, wait, err := s.kv.Reserve(lock); err != nil {
		return "", 0, err
	} else if !ok {
		return lockedPasswordKey, wait, nil
	}
	if len(pw) > maxPasswordLen {
		return "form.password_wrong_current", 0, nil
	}
	ok, err := secure.Verify(c.UserContext(), hash, pw)
	if err != nil {
		return "", 0, err
	}
	if ok {
		return "", 0, s.kv.Forgive(lock.Key)
	}
	return "form.password_wrong_current", 0, nil
}

// requestEmailChange stores a one-time link for newEmail (only its hash is kept), sends it
// to the new address and a notice to the old one, both through the outbox.
func (s *Server) requestEmailChange(c *fiber.Ctx, p *principal, newEmail string) error {
	token := secure.Token()
	ev := s.event(c, p, store.KindEmailChangeRequested)
	ev.Detail = map[string]string{"new_email": newEmail}
	if err := s.store.RequestEmailChange(p.ClientID(), newEmail, secure.TokenHash(token), emailLinkValid, ev); err != nil {
		return err
	}
	d := mail.TemplateData{Link: s.link("/account/email/" + token), Valid: emailLinkValid, NewEmail: newEmail}
	if err := s.sendAccountMail(c, p.Client, newEmail, mail.TplEmailChange, d, p.actor()); err != nil {
		return err
	}
	notice := mail.TemplateData{NewEmail: newEmail, When: time.Now(), IP: c.IP()}
	return s.sendAccountMail(c, p.Client, "", mail.TplEmailChangeNotice, notice, p.actor())
}

// accountConflict refuses a save over someone else's: the form comes back with what the
// other saves changed since the form was loaded. Fields the person left alone take the
// newly saved values; the revision moves on, so saving again (after reviewing) is allowed.
func (s *Server) accountConflict(c *fiber.Ctx, clientID string, f *accountForm, again func(string, []views.ActivityChange) error) error {
	t := s.tr(c)
	fresh, err := s.store.ClientByID(clientID)
	if err != nil {
		return err
	}
	entries, _, err := s.store.ListActivity(fresh.ID, "", 50)
	if err != nil {
		return err
	}
	loaded := time.Unix(0, f.loaded)
	m := newRowMaker(views.WithCtx(c.UserContext(), s.viewCtx(c)))
	var lines []views.ActivityChange
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if !e.At.After(loaded) {
			continue
		}
		for _, ch := range e.Changes {
			switch ptr := f.fieldPtr(ch.Field); {
			case ch.Secret:
			case ch.Field == fMarketing && yesNo(f.marketing) == ch.Old:
				f.marketing = ch.New == yesNo(true)
			case ch.Field == fState && f.StateLabel() == ch.Old:
				f.State = fresh.State
			case ptr != nil && *ptr == ch.Old:
				*ptr = ch.New
			}
		}
		lines = append(lines, m.row(e).Changes...)
	}
	if len(lines) == 0 {
		lines = []views.ActivityChange{{Field: t.T("page.account.conflict_unknown"), Secret: true}}
	}
	f.rev, f.loaded = fresh.Rev, time.Now().UnixNano()
	if p := currentPrincipal(c); p != nil {
		p.Client = fresh // the client zone's form shows the fresh PIN and consent state
	}
	return again("", lines)
}
