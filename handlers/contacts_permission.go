package handlers

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// setContactPermission sets one permission of a contact (an email category, an area, or
// access) to the value the toggle sent ("on" = 1 or 0), saved at once and recorded. The
// toggle sends the value it shows it will set, so two quick clicks, or two people, never
// undo each other by flipping blindly. The answer is the toggle as stored (for access, the
// whole row, since the invitation follows); without JavaScript, the list again.
func (s *Server) setContactPermission(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	ct, err := s.targetContact(c)
	if err != nil {
		return err
	}
	perm := c.Params("perm")
	var field string
	switch {
	case perm == fAccess:
		field = fAccess
	case slices.Contains(store.EmailPermissions, perm):
		field = emailPermField + perm
	case slices.Contains(store.Areas, perm):
		field = areaField + perm
	default:
		return store.ErrNotFound
	}
	on := c.FormValue("on")
	if on != "1" && on != "0" {
		return userError(fiber.StatusBadRequest, "error.bad_request")
	}
	val := on == "1"
	if field != fAccess && !grantable(p, perm) {
		return userError(fiber.StatusForbidden, "error.grant_more")
	}
	old := ct.Access
	if field != fAccess {
		old = permSet(ct, perm)[perm]
	}
	if old != val {
		ev := s.event(c, p, store.KindContactPermission)
		ev.Changes = []store.Change{{Field: fContact, New: ct.Name()}, {Field: field, Old: yesNo(old), New: yesNo(val)}}
		tok := newToken()
		updated, invited, err := s.store.UpdateContact(p.ClientID(), ct.ID, 0, func(x *store.Contact) error {
			if field == fAccess {
				x.Access = val
				return nil
			}
			m := permSet(x, perm)
			if val {
				m[perm] = true
			} else {
				delete(m, perm)
			}
			return nil
		}, tok.hash, ev)
		if err != nil {
			return err
		}
		if invited {
			if err := s.sendInvitation(c, p, updated, tok.value); err != nil {
				return err
			}
		}
		ct = updated
	}
	if field == fAccess {
		notice := ""
		if ct.Access && ct.Invite.State == store.InvitePending && time.Since(ct.Invite.SentAt) < time.Minute {
			notice = t.T("page.contacts.invite.sent", "Email", ct.Email)
		}
		return s.renderRow(c, ct, notice, "")
	}
	if !isHTMX(c) {
		return c.Redirect("/contacts", fiber.StatusSeeOther)
	}
	row := s.rowOf(t, p, ct, time.Now())
	var tg views.Toggle
	for _, x := range append(row.Emails, row.Areas...) {
		if x.Perm == perm {
			tg = x
		}
	}
	return s.render(c, fiber.StatusOK, t.T("page.contacts.title"), views.ToggleAnswer(tg, row.Held))
}

// permSet is the map of ct that holds perm: its areas or its email categories (made when
// missing, so that it can be written).
func permSet(ct *store.Contact, perm string) map[string]bool {
	if slices.Contains(store.Areas, perm) {
		if ct.Areas == nil {
			ct.Areas = map[string]bool{}
		}
		return ct.Areas
	}
	if ct.Emails == nil {
		ct.Emails = map[string]bool{}
	}
	return ct.Emails
}
