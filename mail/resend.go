package mail

import (
	"zona/store"
)

// CopyRecipient is the recipient of an archived copy, to resend it to the same person.
func CopyRecipient(c store.Copy) Recipient {
	return Recipient{Kind: c.Kind, ID: c.PersonID, Email: c.To, Name: c.Name}
}

// Resend delivers clientID's archived message msgID once more, to to: a new copy of the
// same archived body and attachments, queued in the outbox and recorded in the history as
// ev (its Kind is set here). A security mail's one-time link is not in the archive, so a
// resent copy carries the archived note in its place, never a live link.
func (m *Mailer) Resend(clientID, msgID string, to Recipient, ev store.Event) (*store.Copy, error) {
	ev.Kind = store.KindEmailResent
	if ev.Actor.Kind == "" {
		ev.Actor = store.Actor{Kind: store.ActorSystem}
	}
	c, err := m.st.ResendMessage(clientID, msgID, store.Copy{Kind: to.Kind, PersonID: to.ID, To: to.Email, Name: to.Name},
		m.cfg.Domain(), ev)
	if err != nil {
		return nil, err
	}
	if m.worker != nil {
		m.worker.Notify()
	}
	return c, nil
}
