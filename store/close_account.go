package store

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// KindAccountClosed: staff closed the account after an approved request (cancelación); its
// personal data was erased.
const KindAccountClosed = "account.closed"

// ErrAccountClosed is returned when the account was closed already.
var ErrAccountClosed = &Error{Code: "account_closed", MsgKey: "error.account_closed"}

// FiscalKept is what a closed account keeps: the fiscal identity its issued CFDI name, which
// the operator must keep for the tax authority after the rest is erased, and when and by
// whom the account was closed. Its presence marks the account closed.
type FiscalKept struct {
	ClientID    string `json:"client_id"`
	RFC         string `json:"rfc,omitempty"`
	RazonSocial string `json:"razon_social,omitempty"`
	// Reason says why these fields outlive the account.
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
	ClosedAt  time.Time `json:"closed_at"`
	// ClosedBy is the kind and ID of who closed it (no name: a staff ID stays meaningful).
	ClosedBy Actor  `json:"closed_by"`
	Lang     string `json:"lang,omitempty"`
}

// fiscalKeptReason is FiscalKept.Reason.
const fiscalKeptReason = "RFC and razón social of issued CFDI: kept for the tax authority (Código Fiscal de la Federación, art. 30) after the account was closed"

func closedKey(clientID string) string { return "fiscalkept/" + clientID }

// Closed reports what CloseAccount removed.
type Closed struct {
	Messages    int // archived messages, with their bodies
	Attachments int // attachments of those messages
	Contacts    int
	Sessions    int // signed-in sessions (devices) ended
	Entries     int // history entries whose personal fields were erased
	// Waiting is how many messages with a copy still to deliver were kept: each is removed
	// once its last copy is sent or given up.
	Waiting int
}

// FiscalKept returns what the closed account clientID keeps, or ErrNotFound when it is not
// closed.
func (s *Store) FiscalKept(clientID string) (*FiscalKept, error) {
	if !validID(clientID) {
		return nil, ErrNotFound
	}
	var k FiscalKept
	if err := s.db.View(func(txn *badger.Txn) error { return get(txn, closedKey(clientID), &k) }); err != nil {
		return nil, err
	}
	return &k, nil
}

// CloseAccount erases a client's personal data after an approved closing request
// (cancelación): the client record keeps only its ID, dates and language, its RFC and razón
// social move to a FiscalKept record; its contacts, sessions, known devices, second factors,
// passkeys, pending links (reset, invitation, email change, preferences), archived mail and
// attachments, failed-copy notes and console search terms are removed; the keys sealing its
// history are shredded, which erases every entry's personal fields while the chain still
// verifies. A last entry, KindAccountClosed, records by whom (kind and ID). Nobody of the
// account can sign in afterwards.
//
// Mail with a copy still waiting for delivery (queued or sending), such as the notice
// that the request to close was approved, is kept with its outbox items (Closed.Waiting)
// so that the person is told: once its last copy is sent or given up, the closing runs
// again (finishCopy) and erases it the same way.
//
// What is removed is removed from the database files too, not only from its index (see
// purge): a closed account's data cannot be recovered from the data directory. A closing
// interrupted by a crash, or a delivered notice a crash left behind, is finished by
// CloseAccount again, or by the next Open.
// An account closed already is ErrAccountClosed.
func (s *Store) CloseAccount(clientID string, by Actor) (Closed, error) {
	if !validID(clientID) {
		return Closed{}, ErrNotFound
	}
	err := s.update(func(txn *badger.Txn) error {
		var c Client
		if err := get(txn, clientKey(clientID), &c); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		} else if err == nil && c.Closed() {
			return ErrAccountClosed
		}
		switch _, err := getRaw(txn, closedKey(clientID)); {
		case err == nil:
			return nil // begun before and interrupted: finish it below
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if c.ID == "" {
			return ErrNotFound
		}
		kept := FiscalKept{
			ClientID: clientID, RFC: c.Fiscal.RFC, RazonSocial: c.Fiscal.RazonSocial, Reason: fiscalKeptReason,
			CreatedAt: c.CreatedAt, ClosedAt: time.Now().UTC(), ClosedBy: Actor{Kind: by.Kind, ID: by.ID}, Lang: c.Lang,
		}
		if err := put(txn, closedKey(clientID), &kept); err != nil {
			return err
		}
		return appendEntry(txn, clientID, Event{Kind: KindAccountClosed, Actor: kept.ClosedBy})
	})
	if err != nil {
		return Closed{}, err
	}
	return s.finishClosing(clientID)
}

// finishClosing erases what closed account clientID (its FiscalKept written) still holds,
// but mail waiting for delivery, and writes its anonymous client record. It runs again
// safely at any point.
func (s *Store) finishClosing(clientID string) (Closed, error) {
	var kept FiscalKept
	var c Client
	var found Closed
	var prefixes [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		if err := get(txn, closedKey(clientID), &kept); err != nil {
			return err
		}
		if err := get(txn, clientKey(clientID), &c); errors.Is(err, ErrNotFound) {
			c = Client{ID: clientID, CreatedAt: kept.CreatedAt}
		} else if err != nil {
			return err
		}
		var err error
		prefixes, found, err = personalKeys(txn, &c)
		return err
	})
	if err != nil {
		return Closed{}, err
	}
	if err := s.purge(prefixes); err != nil {
		return Closed{}, err
	}
	err = s.update(func(txn *badger.Txn) error {
		anon := Client{ID: clientID, Rev: c.Rev + 1, CreatedAt: kept.CreatedAt, UpdatedAt: time.Now().UTC(),
			ClosedAt: kept.ClosedAt, Lang: kept.Lang}
		return put(txn, clientKey(clientID), &anon)
	})
	s.recent.forget(clientID)
	return found, err
}

// personalKeys lists the key prefixes holding c's personal data (c's own record included,
// its history's sealed entries not: shredding their keys erases them) and counts what they
// hold. Every prefix names exactly the keys meant: IDs and token hashes have a fixed length;
// an email's login key is listed only when no other key starts with it.
func personalKeys(txn *badger.Txn, c *Client) ([][]byte, Closed, error) {
	id := c.ID
	var n Closed
	out := [][]byte{[]byte(clientKey(id))}
	for _, p := range []string{contactPrefix(id), devicePrefix(id), knownDevicePrefix(id), "factor/" + id + "/",
		"passkey/" + id + "/", pinFailKey(id), emailChangeForKey(id), actKeyPrefix(id)} {
		out = append(out, []byte(p))
	}
	count := func(prefix string) int {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
		defer it.Close()
		k := 0
		for it.Rewind(); it.Valid(); it.Next() {
			k++
		}
		return k
	}
	n.Contacts, n.Sessions = count(contactPrefix(id)), count(devicePrefix(id))
	// Mail with a copy still waiting for delivery (the notice that the request to close was
	// approved) stays, with its outbox items, until its last copy is sent or given up:
	// finishCopy then runs finishClosing again, which removes it. While some stays, the
	// other messages are listed one by one, as retention lists them.
	var finished [][]byte
	waitingMsg := map[string]bool{}
	if err := each(txn, messagePrefix(id), func(_ []byte, m *Message) error {
		if waiting(m) {
			waitingMsg[m.ID] = true
			n.Waiting++
			return nil
		}
		n.Messages++
		n.Attachments += len(m.Attachments)
		finished = append(finished, messageKeys(m)...)
		return nil
	}); err != nil {
		return nil, n, err
	}
	if n.Waiting == 0 {
		finished = [][]byte{[]byte(messagePrefix(id)), []byte(msgBodyPrefix(id)), []byte("msgatt/" + id + "/")}
	}
	out = append(out, finished...)
	if err := each(txn, activityPrefix(id), func(_ []byte, e *Entry) error {
		if len(e.Sealed) > 0 {
			n.Entries++
		}
		return nil
	}); err != nil {
		return nil, n, err
	}
	privacy, err := privacyKeys(txn, id)
	if err != nil {
		return nil, n, err
	}
	out = append(out, privacy...)
	if ref, err := getRaw(txn, emailChangeForKey(id)); err == nil {
		out = append(out, []byte("emailchange/"+string(ref)))
	}
	logins := map[string][]byte{c.Email: clientLoginRef(id)}
	if err := each(txn, contactPrefix(id), func(_ []byte, ct *Contact) error {
		logins[ct.Email] = contactLoginRef(id, ct.ID)
		return nil
	}); err != nil {
		return nil, n, err
	}
	for email, ref := range logins {
		if email == "" {
			continue
		}
		k := loginKey(email)
		if v, err := getRaw(txn, k); err == nil && bytes.Equal(v, ref) && !extended(txn, k) {
			out = append(out, []byte(k))
		}
	}
	// Keys that name the client in their value or in the middle of their key.
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(searchPrefix)})
	for it.Rewind(); it.Valid(); it.Next() {
		k := string(it.Item().Key())
		if i := strings.Index(k, "/"+id+"/"); i > 0 {
			out = append(out, []byte(k[:i+len(id)+2]))
		}
	}
	it.Close()
	for _, p := range []string{"outbox/", "failed/", "preftoken/", "invite/", "reset/"} {
		if err := each(txn, p, func(k []byte, ref *struct {
			ClientID  string `json:"client_id"`
			MessageID string `json:"message_id"`
		}) error {
			if ref.ClientID == id && (p != outboxPrefix || !waitingMsg[ref.MessageID]) {
				out = append(out, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return nil, n, err
		}
	}
	return out, n, nil
}

// extended reports whether a key other than k starts with k.
func extended(txn *badger.Txn, k string) bool {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(k)})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if len(it.Item().Key()) > len(k) {
			return true
		}
	}
	return false
}

// purge removes every key under prefixes, every version of it, from the database files:
// Badger's DropPrefix writes the memtable out without them (its log file is then deleted)
// and rewrites each table that holds one. A plain delete would only add a tombstone and
// leave the old values in the tables and logs until a compaction happens to drop them.
// Writers wait meanwhile (DropPrefix refuses writes while it runs). Values of 16 KiB and
// more live in the value log, which DropPrefix does not touch: a value-log GC pass follows,
// and doc.go ("Erasure") says what it cannot reach.
func (s *Store) purge(prefixes [][]byte) error {
	if len(prefixes) == 0 {
		return nil
	}
	if err := s.disk.allowWrite(); err != nil {
		return err
	}
	s.writing.Lock()
	err := s.db.DropPrefix(prefixes...)
	s.writing.Unlock()
	if err != nil {
		return err
	}
	for s.db.RunValueLogGC(0.5) == nil {
	}
	return nil
}

// finishClosings completes every closing a crash interrupted (Open runs it): one not
// finished, or one whose kept mail was delivered but not yet removed.
func (s *Store) finishClosings() error {
	var open []string
	err := s.db.View(func(txn *badger.Txn) error {
		return each(txn, "fiscalkept/", func(_ []byte, k *FiscalKept) error {
			var c Client
			if err := get(txn, clientKey(k.ClientID), &c); err != nil || !c.Closed() {
				open = append(open, k.ClientID)
				return nil
			}
			done := false
			if err := each(txn, messagePrefix(k.ClientID), func(_ []byte, m *Message) error {
				done = done || !waiting(m)
				return nil
			}); err != nil {
				return err
			}
			if done {
				open = append(open, k.ClientID)
			}
			return nil
		})
	})
	for _, id := range open {
		if err == nil {
			_, err = s.finishClosing(id)
		}
	}
	return err
}
