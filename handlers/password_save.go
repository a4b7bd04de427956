package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
	"zona/views"
)

// savePassword changes the principal's password: the current one must be right and the new
// one must pass the policy. Every other session of the person ends; this one goes on under
// a new ID. A contact changes its own password, never the owner's.
func (s *Server) savePassword(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	f := parsePassword(c, p)
	// A refused form is shown again with 200, a lock included (as the PIN form does): htmx 2
	// swaps no 4xx answer, so a 429 would leave the person looking at an unchanged form.
	again := func(notice string) error {
		return s.render(c, fiber.StatusOK, t.T("page.password.title"), views.Password(f.page(t, notice)))
	}
	if f.errs["current"] == "" {
		key, wait, err := s.checkCurrentPassword(c, p, f.current)
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
	ws := currentSession(c)
	oldHash := deviceHash(ws.id)
	ev := s.event(c, p, store.KindPasswordChanged)
	ev.Changes = []store.Change{{Field: "password", Secret: true}}
	if p.Contact != nil {
		_, err = s.store.SetContactPassword(p.ClientID(), p.Contact.ID, hash, oldHash, ev)
	} else {
		_, err = s.store.SetPassword(p.ClientID(), p.Client.Rev, hash, oldHash, ev)
	}
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return again(t.T("error.conflict"))
		}
		return err
	}
	if err := s.renewSessionID(ws); err != nil {
		return err
	}
	newHash := deviceHash(ws.id)
	if err := s.writeSession(c, ws); err != nil {
		return err
	}
	if err := s.store.RenameDevice(p.ClientID(), oldHash, newHash); err != nil {
		return err
	}
	if err := s.notifyPasswordChanged(c, p, p.actor()); err != nil {
		return err
	}
	if isHTMX(c) {
		page := (&passwordForm{}).page(t, "")
		page.Saved = true
		return s.render(c, fiber.StatusOK, t.T("page.password.title"), views.Password(page))
	}
	return c.Redirect("/password?saved=1", fiber.StatusSeeOther)
}
