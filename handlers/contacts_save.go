package handlers

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// showNewContact is the form of a new contact: in the list's slot for htmx, else a page.
func (s *Server) showNewContact(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	return s.renderEditor(c, "", newContactForm().edit(s.tr(c), p, ""))
}

// showContact is the form of one contact: in place of its row for htmx, else a page.
func (s *Server) showContact(c *fiber.Ctx) error {
	ct, err := s.targetContact(c)
	if err != nil {
		return err
	}
	return s.renderEditor(c, ct.ID, contactFormOf(ct).edit(s.tr(c), currentPrincipal(c), ct.ID))
}

// renderEditor answers with a contact form (status 200, so htmx swaps a form with its
// messages in): the form alone for htmx, else the form's page.
func (s *Server) renderEditor(c *fiber.Ctx, id string, e views.ContactEdit) error {
	t := s.tr(c)
	title := t.T("page.contact.edit_title")
	if id == "" {
		title = t.T("page.contact.new_title")
	}
	if isHTMX(c) {
		return s.render(c, fiber.StatusOK, title, views.ContactEditor(e))
	}
	return s.render(c, fiber.StatusOK, title, views.ContactPage(e))
}

// prepare runs what a posted contact form needs before saving: a preset button only fills
// the permission boxes (answered with the form, nothing saved); else the form is checked.
// It returns the form to show again, or nil when the form may be saved.
//
// Whether the email already signs in elsewhere is deliberately not checked: the answer
// would tell an owner, one guess per post, which addresses have an account with another
// company. A contact given access is saved and invited whatever its email; the login is
// claimed when the invitation is accepted, and only the person who received it learns
// there that the address is taken (see store.Contact).
func (s *Server) prepare(c *fiber.Ctx, f *contactForm, held *contactForm, id string) (*views.ContactEdit, error) {
	p := currentPrincipal(c)
	t := s.tr(c)
	f.limitTo(p, held)
	if pr, ok := f.applyPreset(p); ok {
		e := f.edit(t, p, id)
		e.Notice = t.T("page.contact.preset_applied", "Name", t.T("page.contact.preset."+pr.Name))
		return &e, nil
	}
	f.validate()
	if len(f.errs) > 0 {
		e := f.edit(t, p, id)
		return &e, nil
	}
	return nil, nil
}

// createContact saves a new contact. With access on it gets an invitation by email.
func (s *Server) createContact(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	f := parseContact(c)
	empty := newContactForm()
	if again, err := s.prepare(c, f, empty, ""); err != nil || again != nil {
		if err != nil {
			return err
		}
		return s.renderEditor(c, "", *again)
	}
	ct := &store.Contact{ClientID: p.ClientID()}
	f.apply(ct, c.IP())
	ask := f.asksMarketing(ct)
	ev := s.event(c, p, store.KindContactCreated)
	empty.Country = ""
	ev.Changes = append([]store.Change{{Field: fContact, New: ct.Name()}}, diffValues(empty.values(), f.values())...)
	token := newToken()
	invited, err := s.store.CreateContact(ct, s.cfg.MaxContacts, token.hash, ev)
	switch {
	case errors.Is(err, store.ErrTooManyContacts):
		e := f.edit(t, p, "")
		e.Error = t.T("error.too_many_contacts")
		return s.renderEditor(c, "", e)
	case err != nil:
		return err
	}
	if invited {
		if err := s.sendInvitation(c, p, ct, token.value); err != nil {
			return err
		}
	}
	if ask {
		if err := s.askMarketing(c, p, ct); err != nil {
			return err
		}
	}
	if !isHTMX(c) {
		return c.Redirect("/contacts?saved=created", fiber.StatusSeeOther)
	}
	row := s.rowOf(t, p, ct, time.Now())
	row.Notice = t.T("page.contacts.created")
	return s.render(c, fiber.StatusOK, t.T("page.contacts.title"), views.ContactAdded(row))
}

// saveContact saves a contact's form ("Guardar Cambios"). A form loaded before someone
// else saved the contact is refused and shown again with the revision moved on, so saving
// it again (after reviewing) is a deliberate overwrite.
func (s *Server) saveContact(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	ct, err := s.targetContact(c)
	if err != nil {
		return err
	}
	f := parseContact(c)
	held := contactFormOf(ct)
	if again, err := s.prepare(c, f, held, ct.ID); err != nil || again != nil {
		if err != nil {
			return err
		}
		return s.renderEditor(c, ct.ID, *again)
	}
	conflict := func() error {
		fresh, err := s.store.ContactByID(p.ClientID(), ct.ID)
		if err != nil {
			return err
		}
		f.rev = fresh.Rev
		e := f.edit(t, p, ct.ID)
		e.Error = t.T("page.contact.conflict")
		return s.renderEditor(c, ct.ID, e)
	}
	if f.rev != ct.Rev {
		return conflict()
	}
	changes := diffValues(held.values(), f.values())
	if len(changes) > 0 {
		ev := s.event(c, p, store.KindContactUpdated)
		ev.Changes = append([]store.Change{{Field: fContact, New: ct.Name()}}, changes...)
		token := newToken()
		ask := f.asksMarketing(ct)
		updated, invited, err := s.store.UpdateContact(p.ClientID(), ct.ID, f.rev, func(x *store.Contact) error {
			f.apply(x, c.IP())
			return nil
		}, token.hash, ev)
		switch {
		case errors.Is(err, store.ErrConflict):
			return conflict()
		case err != nil:
			return err
		}
		if invited {
			if err := s.sendInvitation(c, p, updated, token.value); err != nil {
				return err
			}
		}
		if ask {
			if err := s.askMarketing(c, p, updated); err != nil {
				return err
			}
		}
		ct = updated
	}
	if !isHTMX(c) {
		return c.Redirect("/contacts?saved=1", fiber.StatusSeeOther)
	}
	return s.renderRow(c, ct, t.T("page.contacts.saved"), "")
}
