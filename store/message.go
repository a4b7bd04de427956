package store

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/dgraph-io/badger/v4"
	"github.com/oklog/ulid/v2"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Email categories. The first five are the permissions a contact may hold (SPEC §5.1);
// marketing goes only to people who opted in; account is security mail for one person.
const (
	CategoryGeneral   = "general"
	CategoryProducts  = "products"
	CategoryDomains   = "domains"
	CategoryNotes     = "notes"
	CategorySupport   = "support"
	CategoryMarketing = "marketing"
	CategoryAccount   = "account"
)

// Categories lists every email category in the order the UI shows them.
var Categories = []string{
	CategoryGeneral, CategoryProducts, CategoryDomains, CategoryNotes, CategorySupport,
	CategoryMarketing, CategoryAccount,
}

// ValidCategory reports whether c is one of Categories.
func ValidCategory(c string) bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// Delivery states of one copy of a message.
const (
	CopyQueued  = "queued"  // waiting for its next attempt
	CopySending = "sending" // an attempt is under way (or its process died: see Lease)
	CopySent    = "sent"    // the SMTP server accepted it
	CopyFailed  = "failed"  // given up: permanently refused, or out of attempts
)

// History kinds written by the mail outbox.
const (
	KindEmailQueued = "email.queued"
	KindEmailFailed = "email.failed"
)

// ErrNoRecipients is returned when a message would reach nobody.
var ErrNoRecipients = &Error{Code: "no_recipients", MsgKey: "error.no_recipients"}

// Message is one email sent to a client's account, as archived in "Emails Recibidos". Its
// body is stored apart (MessageBody), so that listing the archive reads small records.
type Message struct {
	ID       string    `json:"id"`
	ClientID string    `json:"client_id"`
	Category string    `json:"category"`
	Subject  string    `json:"subject"`
	From     string    `json:"from"`
	At       time.Time `json:"at"`
	Copies   []Copy    `json:"copies"`
	// Attachments lists the files sent with the message; their bytes are kept apart.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Copy is the message as sent to one recipient, with its own delivery status.
type Copy struct {
	ID string `json:"id"`
	// Kind is "owner" or "contact"; PersonID the owner's or contact's ID when known.
	Kind     string `json:"kind"`
	PersonID string `json:"person_id,omitempty"`
	To       string `json:"to"`
	Name     string `json:"name,omitempty"`
	// MessageID is the Message-ID header of this copy, the same on every attempt, so that a
	// copy sent again after a crash can be recognised as the same message.
	MessageID   string    `json:"message_id"`
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	SentAt      time.Time `json:"sent_at,omitzero"`
}

// Status sums up the delivery of m: failed when any copy failed, sent when every copy was
// sent, else queued.
func (m *Message) Status() string {
	sent := 0
	for _, c := range m.Copies {
		switch c.Status {
		case CopyFailed:
			return CopyFailed
		case CopySent:
			sent++
		}
	}
	if sent == len(m.Copies) && sent > 0 {
		return CopySent
	}
	return CopyQueued
}

// CopyFor returns the copy with that ID, or nil.
func (m *Message) CopyFor(copyID string) *Copy {
	for i := range m.Copies {
		if m.Copies[i].ID == copyID {
			return &m.Copies[i]
		}
	}
	return nil
}

// MessageBody is the content of a message.
type MessageBody struct {
	HTML string `json:"html"`
	Text string `json:"text"`
	// Fold is the subject and text folded for search (lower case, no accents).
	Fold string `json:"fold"`
}

// OutboxItem is a copy waiting to be delivered.
type OutboxItem struct {
	CopyID      string    `json:"copy_id"`
	ClientID    string    `json:"client_id"`
	MessageID   string    `json:"message_id"`
	State       string    `json:"state"` // CopyQueued or CopySending
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	// LeaseUntil is when an attempt in state sending is taken as abandoned (its process
	// died) and may be made again.
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	// Secret, when set, is the body this copy delivers in place of the archived one: it
	// carries a one-time link, which the archive never keeps. It goes when the item goes,
	// once the copy is sent or given up.
	Secret *MessageBody `json:"secret,omitempty"`
	// Unsubscribe is this copy's preferences link (marketing), which carries its
	// recipient's token; like Secret it goes when the item goes.
	Unsubscribe *Unsubscribe `json:"unsubscribe,omitempty"`
	// Staff marks a copy to a staff member (ClientID is then the staff ID): it belongs to
	// no client's history.
	Staff bool `json:"staff,omitempty"`
}

// Unsubscribe is a marketing copy's way out: its recipient's preferences link, sent as the
// List-Unsubscribe header and as a line at the end of the body (Note, then Label and the
// link), in the recipient's language. Only the copy carries it: the archived body stays
// without it, so nobody reading the archive can unsubscribe someone else, and the outbox
// holds these few words per copy rather than a copy of the body.
type Unsubscribe struct {
	URL   string `json:"url"`
	Note  string `json:"note"`
	Label string `json:"label"`
}

// Content is what QueueMessage archives and sends besides the message record.
type Content struct {
	Body MessageBody
	// Secret, when not nil, is what every copy delivers instead of Body, because it carries
	// a one-time link: it is kept in the outbox items alone, so the archive only ever holds
	// Body.
	Secret *MessageBody
	// PerCopy, when not nil, has one entry per copy, in the order of the message's copies:
	// what that copy alone carries (a marketing copy's preferences link).
	PerCopy []CopyContent
	// Attachments are archived with the message (checked by the mailer) and sent with every
	// copy.
	Attachments []AttachmentData
}

// CopyContent is what one copy carries that no other copy does.
type CopyContent struct {
	Unsubscribe *Unsubscribe
	// PrefTokenHash, when set, is the SHA-256 of the preferences token in Unsubscribe; it is
	// stored to name the copy's recipient (PrefTokenFor).
	PrefTokenHash []byte
}

// Due reports whether the item may be attempted at now.
func (o *OutboxItem) Due(now time.Time) bool {
	if o.State == CopySending {
		return !now.Before(o.LeaseUntil)
	}
	return !now.Before(o.NextAttempt)
}

// When is the time at which the item becomes due.
func (o *OutboxItem) When() time.Time {
	if o.State == CopySending {
		return o.LeaseUntil
	}
	return o.NextAttempt
}

func messagePrefix(clientID string) string      { return "msg/" + clientID + "/" }
func messageKey(clientID, id string) string     { return messagePrefix(clientID) + id }
func msgBodyPrefix(clientID string) string      { return "msgbody/" + clientID + "/" }
func messageBodyKey(clientID, id string) string { return msgBodyPrefix(clientID) + id }
func outboxKey(copyID string) string            { return "outbox/" + copyID }

const outboxPrefix = "outbox/"

// ValidID reports whether s has the shape of an ID, for values taken from a URL.
func ValidID(s string) bool { return validID(s) }

// Fold lowers s and strips its accents, the form in which the archive is searched:
// "Facturación" and "facturacion" match.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// QueueMessage archives m with its content, puts every copy in the outbox, and records ev
// in the client's history, all in one transaction: a message is either archived and queued
// and recorded, or none of it. It fills in the IDs, the time, each copy's status and the
// attachments' listing; messageIDDomain is the right-hand side of the copies' Message-ID
// headers.
func (s *Store) QueueMessage(m *Message, content Content, messageIDDomain string, ev Event) error {
	items, body, err := prepareMessage(m, content, messageIDDomain)
	if err != nil {
		return err
	}
	return s.update(func(txn *badger.Txn) error {
		if err := writeMessage(txn, clientKey(m.ClientID), m, &body, content, items); err != nil {
			return err
		}
		if ev.Detail == nil {
			ev.Detail = map[string]string{}
		}
		ev.Detail["message_id"] = m.ID
		ev.Detail["category"] = m.Category
		ev.Detail["subject"] = m.Subject
		return appendEntry(txn, m.ClientID, ev)
	})
}

// QueueStaffMessage archives and queues m for a staff member, whose ID is m.ClientID: a
// staff invitation goes through the same outbox (retries, leases, a secret link kept out
// of the archive) as a client's mail. Staff belong to no client, so no history records it
// and a copy given up records nothing either (the worker logs it).
func (s *Store) QueueStaffMessage(m *Message, content Content, messageIDDomain string) error {
	items, body, err := prepareMessage(m, content, messageIDDomain)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].Staff = true
	}
	return s.update(func(txn *badger.Txn) error {
		return writeMessage(txn, staffKey(m.ClientID), m, &body, content, items)
	})
}

// prepareMessage checks m and fills in its IDs, time, copies and attachments' listing,
// and returns an outbox item per copy and the body to archive.
func prepareMessage(m *Message, content Content, messageIDDomain string) ([]OutboxItem, MessageBody, error) {
	body := content.Body
	if !validID(m.ClientID) {
		return nil, body, ErrNotFound
	}
	if !ValidCategory(m.Category) {
		return nil, body, errors.New("store: unknown email category " + m.Category)
	}
	if len(m.Copies) == 0 {
		return nil, body, ErrNoRecipients
	}
	if content.PerCopy != nil && len(content.PerCopy) != len(m.Copies) {
		return nil, body, errors.New("store: PerCopy does not match the copies")
	}
	now := time.Now().UTC()
	m.ID, m.At = NewID(), now
	m.Attachments = nil
	names := ""
	for _, a := range content.Attachments {
		m.Attachments = append(m.Attachments, Attachment{Name: a.Name, Type: a.Type, Size: int64(len(a.Data))})
		names += a.Name + "\n"
	}
	// The attachments' names are searched with the subject: "factura.pdf" finds the message.
	body.Fold = Fold(m.Subject + "\n" + names + body.Text)
	items := make([]OutboxItem, len(m.Copies))
	for i := range m.Copies {
		c := &m.Copies[i]
		c.ID = NewID()
		c.MessageID = strings.ToLower(c.ID) + "@" + messageIDDomain
		c.Status, c.Attempts, c.NextAttempt = CopyQueued, 0, now
		items[i] = OutboxItem{CopyID: c.ID, ClientID: m.ClientID, MessageID: m.ID, State: CopyQueued, NextAttempt: now, Secret: content.Secret}
		if content.PerCopy != nil {
			items[i].Unsubscribe = content.PerCopy[i].Unsubscribe
		}
	}
	return items, body, nil
}

// writeMessage stores m, its body, attachments, preferences tokens and outbox items, once
// the record at ownerKey (the client or staff member it goes to) is found.
func writeMessage(txn *badger.Txn, ownerKey string, m *Message, body *MessageBody, content Content, items []OutboxItem) error {
	if _, err := txn.Get([]byte(ownerKey)); err != nil {
		if errors.Is(err, badger.ErrKeyNotFound) {
			return ErrNotFound
		}
		return err
	}
	if err := put(txn, messageKey(m.ClientID, m.ID), m); err != nil {
		return err
	}
	if err := put(txn, messageBodyKey(m.ClientID, m.ID), body); err != nil {
		return err
	}
	for n, a := range content.Attachments {
		if err := txn.Set([]byte(attachmentKey(m.ClientID, m.ID, n+1)), a.Data); err != nil {
			return err
		}
	}
	for i, pc := range content.PerCopy {
		if pc.PrefTokenHash != nil {
			if err := putPrefToken(txn, pc.PrefTokenHash, PrefToken{ClientID: m.ClientID, ContactID: contactOf(m.Copies[i])}); err != nil {
				return err
			}
		}
	}
	for i := range items {
		if err := put(txn, outboxKey(items[i].CopyID), &items[i]); err != nil {
			return err
		}
	}
	return nil
}

// MessageByID returns clientID's message id. A message of another client is ErrNotFound,
// so an ID taken from a URL never reaches outside the principal's account.
func (s *Store) MessageByID(clientID, id string) (*Message, error) {
	if !validID(clientID) || !validID(id) {
		return nil, ErrNotFound
	}
	var m Message
	if err := s.db.View(func(txn *badger.Txn) error { return get(txn, messageKey(clientID, id), &m) }); err != nil {
		return nil, err
	}
	return &m, nil
}

// MessageBodyByID returns the body of clientID's message id.
func (s *Store) MessageBodyByID(clientID, id string) (*MessageBody, error) {
	if !validID(clientID) || !validID(id) {
		return nil, ErrNotFound
	}
	var b MessageBody
	if err := s.db.View(func(txn *badger.Txn) error { return get(txn, messageBodyKey(clientID, id), &b) }); err != nil {
		return nil, err
	}
	return &b, nil
}

// MessageQuery selects a page of a client's archive.
type MessageQuery struct {
	// Before is the ID of the last message of the previous page; empty for the newest.
	Before string
	// Limit is the page size.
	Limit int
	// Text, when set, keeps only messages whose subject or text contains it (folded). A
	// message the reader may not open (see OpenableBy) is matched on its subject alone, so
	// that a search reveals nothing of a body the reader may not read.
	Text string
	// Since and Until, when set, keep only messages sent in [Since, Until).
	Since, Until time.Time
	// Person, when set, keeps only messages with a copy addressed to that contact (its ID):
	// a contact sees the emails sent to it, not the whole account's. Empty is the owner.
	Person string
	// Scanned, when set, receives how many messages were examined.
	Scanned *int
}

// AddressedTo reports whether m has a copy addressed to the contact with ID person.
func (m *Message) AddressedTo(person string) bool {
	for _, c := range m.Copies {
		if c.Kind == "contact" && c.PersonID == person {
			return true
		}
	}
	return false
}

// OpenableByStaff reports whether staff may read m's body in the console: never a security
// (account) mail, which may carry what only its recipient should read; staff see that it
// was sent, to whom, and its delivery.
func (m *Message) OpenableByStaff() bool { return m.Category != CategoryAccount }

// OpenableBy reports whether person (a contact's ID, or "" for the owner) may open m and
// read its body. A contact may open a message addressed to it. The owner may open every
// message of the account but another person's account (security) mail: that one may carry
// what only its recipient should read, so the owner sees that it was sent, not what it says.
func (m *Message) OpenableBy(person string) bool {
	if person != "" {
		return m.AddressedTo(person)
	}
	if m.Category != CategoryAccount {
		return true
	}
	for _, c := range m.Copies {
		if c.Kind == "owner" {
			return true
		}
	}
	return false
}

// boundID is the smallest ID (or, with high, the largest) made at time t: IDs sort by
// time, so a date filter is a key range.
func boundID(t time.Time, high bool) string {
	var id ulid.ULID
	if err := id.SetTime(ulid.Timestamp(t)); err != nil {
		return ""
	}
	if high {
		for i := 6; i < len(id); i++ {
			id[i] = 0xFF
		}
	}
	return id.String()
}

// ListMessages returns a page of clientID's archive, newest first, and the cursor for the
// next page ("" when there is none). Without Text its cost depends on the page size, not on
// the size of the archive; with Text it reads the bodies in the key range until the page is
// full.
func (s *Store) ListMessages(clientID string, q MessageQuery) ([]Message, string, error) {
	if !validID(clientID) || (q.Before != "" && !validID(q.Before)) {
		return nil, "", ErrNotFound
	}
	if q.Limit <= 0 {
		q.Limit = 20
	}
	needle := Fold(strings.TrimSpace(q.Text))
	prefix := messagePrefix(clientID)
	if needle != "" {
		prefix = msgBodyPrefix(clientID)
	}
	// The first key to read: just before the cursor, or the last ID of the range's end.
	seek := []byte(prefix + "\xff")
	if !q.Until.IsZero() {
		seek = []byte(prefix + boundID(q.Until.Add(-time.Millisecond), true))
	}
	skipSeek := false
	if q.Before != "" && (q.Until.IsZero() || q.Before <= string(seek[len(prefix):])) {
		seek, skipSeek = []byte(prefix+q.Before), true
	}
	low := ""
	if !q.Since.IsZero() {
		low = prefix + boundID(q.Since, false)
	}
	var out []Message
	next, scanned := "", 0
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{
			Prefix: []byte(prefix), Reverse: true, PrefetchValues: needle == "", PrefetchSize: q.Limit + 1,
		})
		defer it.Close()
		it.Seek(seek)
		if skipSeek && it.Valid() && bytes.Equal(it.Item().Key(), seek) {
			it.Next()
		}
		for ; it.Valid(); it.Next() {
			key := it.Item().Key()
			if low != "" && string(key) < low {
				break
			}
			if len(out) == q.Limit {
				next = out[len(out)-1].ID
				break
			}
			scanned++
			id := string(key[len(prefix):])
			if needle != "" {
				match := false
				if err := it.Item().Value(func(b []byte) error {
					match = bodyContains(b, needle)
					return nil
				}); err != nil {
					return err
				}
				if !match {
					continue
				}
				var m Message
				if err := get(txn, messageKey(clientID, id), &m); err != nil {
					return err
				}
				if !m.OpenableBy(q.Person) && !strings.Contains(Fold(m.Subject), needle) {
					continue
				}
				if q.Person == "" || m.AddressedTo(q.Person) {
					out = append(out, m)
				}
				continue
			}
			var m Message
			if err := it.Item().Value(func(b []byte) error { return decode(b, &m) }); err != nil {
				return err
			}
			if q.Person == "" || m.AddressedTo(q.Person) {
				out = append(out, m)
			}
		}
		return nil
	})
	if q.Scanned != nil {
		*q.Scanned = scanned
	}
	return out, next, err
}

// bodyContains reports whether the encoded MessageBody b has needle in its folded text. It
// decodes only the fold field, which keeps a search over a large archive cheap.
func bodyContains(b []byte, needle string) bool {
	var f struct {
		Fold string `json:"fold"`
	}
	if err := decode(b, &f); err != nil {
		return false
	}
	return strings.Contains(f.Fold, needle)
}

// Outbox returns every copy waiting to be delivered, oldest first.
func (s *Store) Outbox() ([]OutboxItem, error) {
	return listAll[OutboxItem](s, outboxPrefix)
}

// Delivery is what an attempt needs: the message, its body and attachments, and the copy
// to send.
type Delivery struct {
	Message     Message
	Body        MessageBody
	Copy        Copy
	Attachments []AttachmentData
	// Unsubscribe is the copy's preferences link, for marketing.
	Unsubscribe *Unsubscribe
}

// ErrNotDue is returned when a copy claimed for delivery is not due (any more).
var ErrNotDue = &Error{Code: "not_due", MsgKey: "error.internal"}

// ClaimCopy records, before an attempt to send copyID, that the attempt is under way until
// leaseUntil, and counts it. The state is on disk before a byte goes to the SMTP server, so
// a process that dies mid-send leaves the copy in state sending; once its lease is over,
// ClaimCopy lets it be attempted again with the same Message-ID.
func (s *Store) ClaimCopy(copyID string, now, leaseUntil time.Time) (*Delivery, error) {
	if !validID(copyID) {
		return nil, ErrNotFound
	}
	var d Delivery
	err := s.update(func(txn *badger.Txn) error {
		var o OutboxItem
		if err := get(txn, outboxKey(copyID), &o); err != nil {
			return err
		}
		if !o.Due(now) {
			return ErrNotDue
		}
		if err := get(txn, messageKey(o.ClientID, o.MessageID), &d.Message); err != nil {
			return err
		}
		c := d.Message.CopyFor(copyID)
		if c == nil {
			return ErrNotFound
		}
		if o.Secret != nil {
			d.Body = *o.Secret
		} else if err := get(txn, messageBodyKey(o.ClientID, o.MessageID), &d.Body); err != nil {
			return err
		}
		d.Unsubscribe = o.Unsubscribe
		o.State, o.LeaseUntil = CopySending, leaseUntil
		o.Attempts++
		c.Status, c.Attempts = CopySending, o.Attempts
		d.Copy = *c
		if err := put(txn, outboxKey(copyID), &o); err != nil {
			return err
		}
		return put(txn, messageKey(o.ClientID, o.MessageID), &d.Message)
	})
	if err != nil {
		return nil, err
	}
	if d.Attachments, err = s.attachments(&d.Message); err != nil {
		return nil, err
	}
	return &d, nil
}

// CopySentAt records that the SMTP server accepted copyID and takes it out of the outbox.
func (s *Store) CopySentAt(copyID string, at time.Time) error {
	return s.finishCopy(copyID, func(o *OutboxItem, c *Copy) (bool, *Event) {
		c.Status, c.SentAt, c.LastError, c.NextAttempt = CopySent, at.UTC(), "", time.Time{}
		return true, nil
	})
}

// CopyRetry records a failed attempt of copyID that will be made again at next.
func (s *Store) CopyRetry(copyID, smtpErr string, next time.Time) error {
	return s.finishCopy(copyID, func(o *OutboxItem, c *Copy) (bool, *Event) {
		o.State, o.NextAttempt, o.LeaseUntil = CopyQueued, next.UTC(), time.Time{}
		c.Status, c.NextAttempt, c.LastError = CopyQueued, next.UTC(), smtpErr
		return false, nil
	})
}

// CopyFailedFinal records that copyID will not be attempted again, takes it out of the
// outbox and records the failure in the client's history.
func (s *Store) CopyFailedFinal(copyID, smtpErr string) error {
	return s.finishCopy(copyID, func(o *OutboxItem, c *Copy) (bool, *Event) {
		c.Status, c.LastError, c.NextAttempt = CopyFailed, smtpErr, time.Time{}
		return true, &Event{
			Kind:  KindEmailFailed,
			Actor: Actor{Kind: ActorSystem},
			Detail: map[string]string{
				"message_id": o.MessageID, "to": c.To, "error": smtpErr, "attempts": strconv.Itoa(c.Attempts),
			},
		}
	})
}

// finishCopy applies change to copyID and its outbox item. When the copy was the last one
// waiting of a message of a closed account (see CloseAccount), the closing is run again,
// which removes that message now (or, should that fail, at the next Open).
func (s *Store) finishCopy(copyID string, change func(*OutboxItem, *Copy) (done bool, ev *Event)) error {
	if !validID(copyID) {
		return ErrNotFound
	}
	var closed string
	err := s.update(func(txn *badger.Txn) error {
		closed = ""
		var o OutboxItem
		if err := get(txn, outboxKey(copyID), &o); err != nil {
			return err
		}
		var m Message
		if err := get(txn, messageKey(o.ClientID, o.MessageID), &m); err != nil {
			return err
		}
		c := m.CopyFor(copyID)
		if c == nil {
			return ErrNotFound
		}
		done, ev := change(&o, c)
		if err := put(txn, messageKey(o.ClientID, o.MessageID), &m); err != nil {
			return err
		}
		if done && !o.Staff && !waiting(&m) {
			switch _, err := getRaw(txn, closedKey(o.ClientID)); {
			case err == nil:
				closed = o.ClientID
			case !errors.Is(err, ErrNotFound):
				return err
			}
		}
		if c.Status == CopyFailed {
			if err := put(txn, failedKey(copyID), failedRef{ClientID: o.ClientID, MessageID: o.MessageID}); err != nil {
				return err
			}
		}
		if done {
			if err := txn.Delete([]byte(outboxKey(copyID))); err != nil {
				return err
			}
		} else if err := put(txn, outboxKey(copyID), &o); err != nil {
			return err
		}
		if ev != nil && !o.Staff {
			if ev.Detail != nil {
				ev.Detail["subject"] = m.Subject
			}
			return appendEntry(txn, o.ClientID, *ev)
		}
		return nil
	})
	if err != nil || closed == "" {
		return err
	}
	_, err = s.finishClosing(closed)
	return err
}
