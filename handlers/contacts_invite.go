package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/secure"
	"zona/store"
	"zona/views"
	"zona/web"
)

// token is a one-time link's secret and the SHA-256 the store keeps instead.
type token struct {
	value string
	hash  []byte
}

func newToken() token {
	v := secure.Token()
	return token{value: v, hash: secure.TokenHash(v)}
}

// sendInvitation emails ct the link to set its password, to the contact alone.
func (s *Server) sendInvitation(c *fiber.Ctx, p *principal, ct *store.Contact, tok string) error {
	d := mail.TemplateData{Account: p.Client.Name(), Link: s.link("/invite/" + tok), Valid: store.InviteValid}
	if p.Client.Company != "" {
		d.Account = p.Client.Company
	}
	return s.sendContactMail(c, p.Client, ct, mail.TplInvitation, d, p.actor())
}

// resendInvitation sends a pending (or expired) invitation again with a new link; the old
// link stops working.
func (s *Server) resendInvitation(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	ct, err := s.targetContact(c)
	if err != nil {
		return err
	}
	tok := newToken()
	ev := s.event(c, p, store.KindContactInvited)
	ev.Changes = []store.Change{{Field: fContact, New: ct.Name()}}
	ct, err = s.store.ResendInvitation(p.ClientID(), ct.ID, tok.hash, ev)
	if err != nil {
		return err
	}
	if err := s.sendInvitation(c, p, ct, tok.value); err != nil {
		return err
	}
	return s.renderRow(c, ct, s.tr(c).T("page.contacts.invite.sent", "Email", ct.Email), "")
}

// cancelInvitation voids a pending invitation; the contact's access goes off.
func (s *Server) cancelInvitation(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	ct, err := s.targetContact(c)
	if err != nil {
		return err
	}
	ev := s.event(c, p, store.KindContactUninvited)
	ev.Changes = []store.Change{{Field: fContact, New: ct.Name()}, {Field: fAccess, Old: yesNo(true), New: yesNo(false)}}
	ct, err = s.store.CancelInvitation(p.ClientID(), ct.ID, ev)
	if err != nil {
		return err
	}
	return s.renderRow(c, ct, "", "")
}

// inviteContact is the contact of the live invitation in the URL (linkRecord).
func (s *Server) inviteContact(c *fiber.Ctx) (*store.Contact, []byte, error) {
	return linkRecord(s, c, s.store.InvitationContact, store.ErrInviteToken, "error.invite_token")
}

// linkRecord finds, with find, the record of the one-time invitation link in the URL (by
// its token's SHA-256, which it also returns). Every look-up reserves an attempt of the
// address (web.InviteIP) first and a live link gives it back, so dead links count against
// the address, which is refused for a while after too many, even when they arrive all at
// once. A dead link (find's dead error) is the 410 page msgKey.
func linkRecord[T any](s *Server, c *fiber.Ctx, find func(hash []byte) (T, error), dead error, msgKey string) (T, []byte, error) {
	var none T
	ip := web.InviteIP.For(c.IP())
	if ok, _, err := s.kv.Reserve(ip); err != nil {
		return none, nil, err
	} else if !ok {
		return none, nil, fiber.ErrTooManyRequests
	}
	hash := secure.TokenHash(c.Params("token"))
	rec, err := find(hash)
	if errors.Is(err, dead) {
		return none, nil, userError(fiber.StatusGone, msgKey)
	}
	if err != nil {
		return none, nil, err
	}
	return rec, hash, s.kv.Forgive(ip.Key)
}

// invitePage is the invitation form of ct with f's messages.
func (s *Server) invitePage(c *fiber.Ctx, ct *store.Contact, f *passwordForm) (views.InvitePage, error) {
	cl, err := s.store.ClientByID(ct.ClientID)
	if err != nil {
		return views.InvitePage{}, err
	}
	pf := f.page(s.tr(c), "")
	account := cl.Name()
	if cl.Company != "" {
		account = cl.Company
	}
	return views.InvitePage{Token: c.Params("token"), Name: ct.Name(), Account: account, Email: ct.Email,
		New: pf.New, Confirm: pf.Confirm, Strength: pf.Strength}, nil
}

// showInvite is the invitation form. When the contact's email already signs in elsewhere
// (which the owner who sent it is never told), the invitee learns it here, before choosing
// a password that could not be saved.
func (s *Server) showInvite(c *fiber.Ctx) error {
	ct, _, err := s.inviteContact(c)
	if err != nil {
		return err
	}
	_, holder, err := s.store.Login(ct.Email)
	switch {
	case err == nil && (holder == nil || holder.ID != ct.ID):
		return userError(fiber.StatusConflict, "error.invite_email_taken")
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	page, err := s.invitePage(c, ct, &passwordForm{})
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, s.tr(c).T("page.invite.title"), views.Invite(page))
}

// checkInviteStrength is the live meter of the invitation form.
func (s *Server) checkInviteStrength(c *fiber.Ctx) error {
	ct, _, err := s.inviteContact(c)
	if err != nil {
		return err
	}
	return s.renderStrength(c, c.FormValue("new"), personalOfContact(ct))
}

func personalOfContact(ct *store.Contact) []string {
	return []string{ct.Email, ct.FirstName, ct.LastName, ct.Company}
}

// acceptInvite sets the contact's own password under the password policy. The link works
// once, within its 7 days, and only while the contact's email is still the one it was sent
// to; the contact then signs in with that email and this password.
func (s *Server) acceptInvite(c *fiber.Ctx) error {
	ct, hash, err := s.inviteContact(c)
	if err != nil {
		return err
	}
	t := s.tr(c)
	f := parseNewPassword(c, personalOfContact(ct))
	if len(f.errs) > 0 {
		page, err := s.invitePage(c, ct, f)
		if err != nil {
			return err
		}
		return s.render(c, fiber.StatusOK, t.T("page.invite.title"), views.Invite(page))
	}
	pw, err := secure.Hash(c.UserContext(), f.new)
	if err != nil {
		return err
	}
	ev := s.event(c, nil, store.KindContactJoined)
	ev.Actor = store.Actor{Kind: store.ActorContact, ID: ct.ID, Name: ct.Name()}
	ev.Changes = []store.Change{{Field: "password", Secret: true}}
	if _, err := s.store.AcceptInvitation(hash, pw, ev); errors.Is(err, store.ErrInviteToken) {
		return userError(fiber.StatusGone, "error.invite_token")
	} else if errors.Is(err, store.ErrEmailTaken) {
		return userError(fiber.StatusConflict, "error.invite_email_taken")
	} else if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, t.T("page.invite.title"), views.Invite(views.InvitePage{Done: true}))
}
