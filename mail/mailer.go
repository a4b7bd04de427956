package mail

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"zona/store"
)

// Outgoing is a message to send to an account.
type Outgoing struct {
	ClientID string
	Category string
	Subject  string
	HTML     string
	// Text is the plain-text part; when empty it is derived from HTML.
	Text string
	// Secret, when set, is what the copies deliver in place of HTML and Text, which are then
	// its redacted form: it carries a one-time link that goes out by SMTP and is never
	// archived (see Rendered).
	Secret *store.MessageBody
	// Concerns is the person an account (security) message is about; it is the only
	// recipient of such a message.
	Concerns *Recipient
	// Attachments are sent with every copy and archived with the message, once they pass
	// CheckFiles (an *AttachmentError otherwise).
	Attachments []File
	// Event says who caused the message; its Kind is set by Send.
	Event store.Event
}

// Mailer is the one way Zona sends email: it routes a message to the account's people,
// archives it and queues a copy per recipient in one transaction, and wakes the worker.
type Mailer struct {
	st     store.Records
	cfg    Config
	worker *Worker
	log    *slog.Logger
	// People lists who of an account may receive mail besides the owner (its contacts).
	// Nil means the owner alone.
	People func(clientID string) ([]Recipient, error)
}

// NewMailer returns a mailer that queues into st and wakes worker (nil when no worker
// runs, as in the CLI: the server's worker sends the copies when it starts). Its People
// are the account's contacts as stored (ContactRecipients), so every mailer built (the
// server's, the CLI's, a test's) routes by the contacts' permissions.
func NewMailer(st store.Records, cfg Config, worker *Worker, log *slog.Logger) *Mailer {
	cfg.defaults()
	if log == nil {
		log = slog.Default()
	}
	m := &Mailer{st: st, cfg: cfg, worker: worker, log: log}
	m.People = func(clientID string) ([]Recipient, error) { return ContactRecipients(st, clientID) }
	return m
}

// ContactRecipients lists clientID's contacts as recipients: each with its email
// permissions and its promotions consent. Access does not matter here: a contact without
// access to the client zone still receives the emails it holds.
func ContactRecipients(st store.Records, clientID string) ([]Recipient, error) {
	contacts, err := st.ListContacts(clientID)
	if err != nil {
		return nil, err
	}
	out := make([]Recipient, 0, len(contacts))
	for _, c := range contacts {
		out = append(out, Recipient{Kind: KindContact, ID: c.ID, Email: c.Email, Name: c.Name(), Lang: c.Lang,
			Permissions: c.Emails, Marketing: c.Marketing.Given})
	}
	return out, nil
}

// Owner is the account owner as a recipient, with the owner's own marketing consent.
func Owner(c *store.Client) Recipient {
	return Recipient{Kind: KindOwner, ID: c.ID, Email: c.Email, Name: c.Name(), Lang: c.Lang, Marketing: c.Marketing.Given}
}

// Send routes, archives and queues out. It returns store.ErrNoRecipients, archiving
// nothing, when the message would reach nobody.
func (m *Mailer) Send(out Outgoing) (*store.Message, error) {
	if !store.ValidCategory(out.Category) {
		return nil, fmt.Errorf("mail: unknown category %q", out.Category)
	}
	subject := strings.TrimSpace(strings.NewReplacer("\r", " ", "\n", " ").Replace(out.Subject))
	if subject == "" {
		return nil, fmt.Errorf("mail: a subject is required")
	}
	files, err := CheckFiles(out.Attachments)
	if err != nil {
		return nil, err
	}
	client, err := m.st.ClientByID(out.ClientID)
	if err != nil {
		return nil, err
	}
	people := []Recipient{Owner(client)}
	if m.People != nil {
		more, err := m.People(client.ID)
		if err != nil {
			return nil, err
		}
		people = append(people, more...)
	}
	rcpts := Route(out.Category, people, out.Concerns)
	if len(rcpts) == 0 {
		return nil, store.ErrNoRecipients
	}
	text := out.Text
	if strings.TrimSpace(text) == "" {
		text = HTMLToText(out.HTML)
	}
	msg := &store.Message{ClientID: client.ID, Category: out.Category, Subject: subject, From: m.cfg.From}
	for _, r := range rcpts {
		msg.Copies = append(msg.Copies, store.Copy{Kind: r.Kind, PersonID: r.ID, To: r.Email, Name: r.Name})
	}
	ev := out.Event
	ev.Kind = store.KindEmailQueued
	if ev.Actor.Kind == "" {
		ev.Actor = store.Actor{Kind: store.ActorSystem}
	}
	ev.Detail = map[string]string{"recipients": strconv.Itoa(len(rcpts))}
	for k, v := range out.Event.Detail {
		ev.Detail[k] = v
	}
	content := store.Content{Body: store.MessageBody{HTML: out.HTML, Text: text}, Attachments: files}
	if out.Secret != nil {
		content.Secret = &store.MessageBody{HTML: out.Secret.HTML, Text: out.Secret.Text}
		if strings.TrimSpace(content.Secret.Text) == "" {
			content.Secret.Text = HTMLToText(content.Secret.HTML)
		}
	}
	if out.Category == store.CategoryMarketing {
		content.PerCopy = m.unsubscribeLinks(rcpts)
	}
	if err := m.st.QueueMessage(msg, content, m.cfg.Domain(), ev); err != nil {
		return nil, err
	}
	if m.worker != nil {
		m.worker.Notify()
	}
	if !m.cfg.Enabled() {
		m.log.Info("mail archived; no SMTP server configured, it stays queued", "message", msg.ID,
			"client", client.ID, "category", msg.Category, "recipients", len(rcpts))
	}
	return msg, nil
}

// SendStaff sends one of Zona's own security emails (a staff invitation) to staff member
// st alone, through the same outbox as clients' mail. It is archived under the staff
// member, never in a client's "Emails Recibidos", and with its link redacted like any
// security mail.
func (m *Mailer) SendStaff(st *store.Staff, r Rendered) error {
	msg := &store.Message{ClientID: st.ID, Category: store.CategoryAccount, Subject: r.Subject, From: m.cfg.From,
		Copies: []store.Copy{{Kind: KindStaff, PersonID: st.ID, To: st.Email, Name: st.Name}}}
	var secret *store.MessageBody
	if r.Secret != nil {
		secret = &store.MessageBody{HTML: r.Secret.HTML, Text: r.Secret.Text}
	}
	content := store.Content{Body: store.MessageBody{HTML: r.HTML, Text: r.Text}, Secret: secret}
	if err := m.st.QueueStaffMessage(msg, content, m.cfg.Domain()); err != nil {
		return err
	}
	if m.worker != nil {
		m.worker.Notify()
	}
	if !m.cfg.Enabled() {
		m.log.Info("staff mail queued; no SMTP server configured, it stays queued", "message", msg.ID, "staff", st.ID)
	}
	return nil
}

// Wake makes the worker look at the outbox now (after staff retried a copy).
func (m *Mailer) Wake() {
	if m.worker != nil {
		m.worker.Notify()
	}
}
