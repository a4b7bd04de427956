package handlers

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
	"zona/views"
)

// showContacts is "Contactos/Sub-cuentas". The selector ("editar un contacto existente o
// añadir uno nuevo") is a plain GET form: ?edit=<id> or ?edit=new opens that form.
func (s *Server) showContacts(c *fiber.Ctx) error {
	if edit := c.Query("edit"); edit != "" {
		if edit == "new" {
			return c.Redirect("/contacts/new", fiber.StatusSeeOther)
		}
		if !store.ValidID(edit) {
			return store.ErrNotFound
		}
		return c.Redirect("/contacts/"+edit, fiber.StatusSeeOther)
	}
	notice := ""
	switch c.Query("saved") {
	case "1":
		notice = "page.contacts.saved"
	case "created":
		notice = "page.contacts.created"
	case "deleted":
		notice = "page.contacts.deleted"
	}
	return s.contactsPage(c, notice)
}

func (s *Server) contactsPage(c *fiber.Ctx, notice string) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	list, err := s.store.ListContacts(p.ClientID())
	if err != nil {
		return err
	}
	page := views.ContactsPage{CanAdd: len(list) < s.cfg.MaxContacts, Max: s.cfg.MaxContacts}
	if notice != "" {
		page.Notice = t.T(notice)
	}
	now := time.Now()
	for i := range list {
		row := s.rowOf(t, p, &list[i], now)
		page.Rows = append(page.Rows, row)
		if row.Editable {
			page.Choices = append(page.Choices, views.Option{Value: row.ID, Label: row.Name + " · " + row.Email})
		}
	}
	return s.render(c, fiber.StatusOK, t.T("page.contacts.title"), views.Contacts(page))
}

// showContactRow answers the "cancel" of a form opened in the list: the contact's row
// again, or for the form of a new contact ("new") the empty slot it opened in.
func (s *Server) showContactRow(c *fiber.Ctx) error {
	if c.Params("id") == "new" {
		return s.render(c, fiber.StatusOK, s.tr(c).T("page.contacts.title"), views.ContactSlot())
	}
	p := currentPrincipal(c)
	ct, err := s.store.ContactByID(p.ClientID(), c.Params("id"))
	if err != nil {
		return err
	}
	return s.renderRow(c, ct, "", "")
}

// renderRow answers with ct's row (the list page when JavaScript is off).
func (s *Server) renderRow(c *fiber.Ctx, ct *store.Contact, notice, errMsg string) error {
	if !isHTMX(c) {
		return c.Redirect("/contacts", fiber.StatusSeeOther)
	}
	t := s.tr(c)
	row := s.rowOf(t, currentPrincipal(c), ct, time.Now())
	row.Notice, row.Error = notice, errMsg
	return s.render(c, fiber.StatusOK, t.T("page.contacts.title"), views.ContactRowView(row))
}

// whyNot returns the message key saying why p may not change ct, or "" when it may. The
// owner may change any contact; a contact (with the contacts area) never itself, and never
// one holding a permission it lacks: it cannot grant, nor take over, more than it holds.
func whyNot(p *principal, ct *store.Contact) string {
	if p.isOwner() {
		return ""
	}
	if ct.ID == p.Contact.ID {
		return "error.contact_self"
	}
	for _, set := range []map[string]bool{ct.Emails, ct.Areas} {
		for k, on := range set {
			if on && !grantable(p, k) {
				return "error.contact_above"
			}
		}
	}
	return ""
}

// targetContact is the contact named in the URL, in the principal's account, that the
// principal may change; another account's is not found, and one it may not change is 403.
func (s *Server) targetContact(c *fiber.Ctx) (*store.Contact, error) {
	p := currentPrincipal(c)
	ct, err := s.store.ContactByID(p.ClientID(), c.Params("id"))
	if err != nil {
		return nil, err
	}
	if key := whyNot(p, ct); key != "" {
		return nil, userError(fiber.StatusForbidden, key)
	}
	return ct, nil
}

// rowOf is ct as a row of the list for p, with whether ct has a second factor (a point
// read; a failed one only hides that line).
func (s *Server) rowOf(t *locales.Translator, p *principal, ct *store.Contact, now time.Time) views.ContactRow {
	r := views.ContactRow{
		ID: ct.ID, Name: ct.Name(), Company: ct.Company, Email: ct.Email, Access: ct.Access,
		Invite: ct.InviteState(now), InviteSent: ct.Invite.SentAt, InviteExpires: ct.Invite.Expires,
	}
	if _, err := s.store.SecondFactorOf(store.ClientFactor(ct.ClientID, ct.ID)); err == nil {
		r.TwoFA = true
	} else if !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("second factor not read", "err", err)
	}
	why := whyNot(p, ct)
	r.Editable = why == ""
	if why != "" {
		r.Why = t.T(why)
	}
	r.Held = heldLabels(t, ct)
	toggle := func(perm, label string, on bool) views.Toggle {
		return views.Toggle{ContactID: ct.ID, Perm: perm, Label: label, On: on, Disabled: !r.Editable || !grantable(p, perm)}
	}
	for _, k := range store.EmailPermissions {
		r.Emails = append(r.Emails, toggle(k, t.T("field."+emailPermField+k), ct.Emails[k]))
	}
	for _, k := range store.Areas {
		r.Areas = append(r.Areas, toggle(k, t.T("field."+areaField+k), ct.Areas[k]))
	}
	r.AccessToggle = views.Toggle{ContactID: ct.ID, Perm: fAccess, Label: t.T("page.contacts.access_toggle"), On: ct.Access,
		Disabled: !r.Editable, Row: true}
	return r
}

// heldLabels lists the email categories ct receives, by their short names ("General,
// Notas"), as the list of received emails names them.
func heldLabels(t *locales.Translator, ct *store.Contact) []string {
	var out []string
	for _, k := range store.SortedKeys(ct.Emails, store.EmailPermissions) {
		out = append(out, t.T("category."+k))
	}
	return out
}
