package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/store"
	"zona/views"
)

// resolveRequest approves or rejects an open ARCO request with a note (required). The
// person who filed it is told by account mail and sees the state on "Privacidad y datos".
// Approving a request to close the account closes it (store.CloseAccount): its personal
// data, this request included, is erased, and staff go back to the list. The mail telling
// the person is queued first: the closing keeps it until it is sent (or given up), then
// erases it too.
func (s *Server) resolveRequest(c *fiber.Ctx) error {
	t := s.tr(c)
	page := views.AdminRequestPage{Decision: strings.Clone(c.FormValue("decision"))}
	if page.Decision != store.RequestApproved && page.Decision != store.RequestRejected {
		page.Decision, page.DecisionError = "", t.T("form.choose_one")
	}
	note, ok := typedLines(c.FormValue("note"))
	page.Note = note
	if msg := checkText(note, ok, maxReasonLen); msg != "" {
		page.NoteError = t.T(msg)
	}
	if page.DecisionError != "" || page.NoteError != "" {
		return s.requestPage(c, page, "")
	}
	ev := s.staffEvent(c, store.KindRequestResolved)
	r, err := s.store.ResolveRequest(c.Params("id"), page.Decision == store.RequestApproved, note, ev)
	if errors.Is(err, store.ErrRequestResolved) {
		page.Error = t.T(store.ErrRequestResolved.MsgKey)
		return s.requestPage(c, page, "")
	}
	if err != nil {
		return err
	}
	if err := s.tellRequester(c, r, ev.Actor); err != nil {
		return err
	}
	s.log.Info("ARCO request resolved", "client", r.ClientID, "request", r.ID, "state", r.State, "staff", ev.Actor.ID)
	if r.Kind == store.RequestClose && r.State == store.RequestApproved {
		closed, err := s.store.CloseAccount(r.ClientID, store.Actor{Kind: ev.Actor.Kind, ID: ev.Actor.ID})
		if err != nil && !errors.Is(err, store.ErrAccountClosed) {
			return err
		}
		s.log.Info("account closed on an approved request", "client", r.ClientID, "request", r.ID, "staff", ev.Actor.ID,
			"messages", closed.Messages, "contacts", closed.Contacts, "sessions", closed.Sessions, "entries", closed.Entries,
			"waiting", closed.Waiting)
		return c.Redirect("/admin/requests", fiber.StatusSeeOther)
	}
	return c.Redirect("/admin/requests/"+r.ID, fiber.StatusSeeOther)
}

// tellRequester sends the person who filed r the account mail that says how it was
// resolved. A person no longer there (a contact removed since) is told nothing.
func (s *Server) tellRequester(c *fiber.Ctx, r *store.Request, actor store.Actor) error {
	cl, err := s.store.ClientByID(r.ClientID)
	if err != nil {
		return err
	}
	var ct *store.Contact
	if r.Person != "" {
		if ct, err = s.store.ContactByID(r.ClientID, r.Person); errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
	}
	d := mail.TemplateData{Request: r.Kind, State: r.State, Note: r.Note}
	return s.mailPerson(s.originOf(c), personOf(cl, ct), mail.TplRequestResolved, d, actor)
}
