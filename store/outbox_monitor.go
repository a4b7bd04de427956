package store

import (
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// failedRef names the message of a copy that was given up: failed/<copyID> holds it, so
// the console lists failed copies across all clients without reading every message.
type failedRef struct {
	ClientID  string `json:"client_id"`
	MessageID string `json:"message_id"`
}

func failedKey(copyID string) string { return "failed/" + copyID }

const failedPrefix = "failed/"

var (
	// ErrCopySent is returned when a retry names a copy the SMTP server already accepted:
	// a delivered copy never goes out twice.
	ErrCopySent = &Error{Code: "copy_sent", MsgKey: "error.copy_sent"}
	// ErrCopyBusy is returned when a retry names a copy whose attempt is under way.
	ErrCopyBusy = &Error{Code: "copy_busy", MsgKey: "error.copy_busy"}
	// ErrRetrySecret is returned when a retry names a given-up security mail: its one-time
	// link was deleted with its outbox item, so it cannot be sent again (send a new link).
	ErrRetrySecret = &Error{Code: "retry_secret", MsgKey: "error.retry_secret"}
)

// CopyView is one copy of a message as the outbox monitor shows it.
type CopyView struct {
	Message Message
	Copy    Copy
}

// QueuedCopies lists the copies waiting in the outbox (queued, or an attempt under way),
// oldest first, with their messages.
func (s *Store) QueuedCopies() ([]CopyView, error) {
	var out []CopyView
	err := s.db.View(func(txn *badger.Txn) error {
		return each(txn, outboxPrefix, func(_ []byte, o *OutboxItem) error {
			v, ok, err := copyView(txn, o.ClientID, o.MessageID, o.CopyID)
			if ok {
				out = append(out, v)
			}
			return err
		})
	})
	return out, err
}

// FailedCopies lists the copies given up, oldest first, with their messages.
func (s *Store) FailedCopies() ([]CopyView, error) {
	var out []CopyView
	err := s.db.View(func(txn *badger.Txn) error {
		return each(txn, failedPrefix, func(key []byte, ref *failedRef) error {
			v, ok, err := copyView(txn, ref.ClientID, ref.MessageID, string(key[len(failedPrefix):]))
			if ok {
				out = append(out, v)
			}
			return err
		})
	})
	return out, err
}

func copyView(txn *badger.Txn, clientID, msgID, copyID string) (CopyView, bool, error) {
	var v CopyView
	if err := get(txn, messageKey(clientID, msgID), &v.Message); errors.Is(err, ErrNotFound) {
		return v, false, nil
	} else if err != nil {
		return v, false, err
	}
	c := v.Message.CopyFor(copyID)
	if c == nil {
		return v, false, nil
	}
	v.Copy = *c
	return v, true, nil
}

// RetryCopy makes copyID due now: a queued copy waiting for its next attempt is attempted
// at once, and a failed one goes back to the outbox for a new round of attempts. A copy
// already sent is refused (ErrCopySent), so retrying never sends a delivered copy twice;
// so is one whose attempt is under way (ErrCopyBusy) and a given-up security mail
// (ErrRetrySecret).
func (s *Store) RetryCopy(copyID string, now time.Time) error {
	if !validID(copyID) {
		return ErrNotFound
	}
	now = now.UTC()
	return s.update(func(txn *badger.Txn) error {
		var o OutboxItem
		err := get(txn, outboxKey(copyID), &o)
		if err == nil {
			if o.State == CopySending {
				return ErrCopyBusy
			}
			var m Message
			if err := get(txn, messageKey(o.ClientID, o.MessageID), &m); err != nil {
				return err
			}
			if c := m.CopyFor(copyID); c != nil {
				c.NextAttempt = now
			}
			o.NextAttempt = now
			if err := put(txn, outboxKey(copyID), &o); err != nil {
				return err
			}
			return put(txn, messageKey(o.ClientID, o.MessageID), &m)
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		var ref failedRef
		if err := get(txn, failedKey(copyID), &ref); errors.Is(err, ErrNotFound) {
			return ErrCopySent // neither waiting nor failed: sent, or never existed
		} else if err != nil {
			return err
		}
		var m Message
		if err := get(txn, messageKey(ref.ClientID, ref.MessageID), &m); err != nil {
			return err
		}
		c := m.CopyFor(copyID)
		switch {
		case c == nil:
			return ErrNotFound
		case c.Status == CopySent:
			return ErrCopySent
		case m.Category == CategoryAccount:
			return ErrRetrySecret
		}
		c.Status, c.NextAttempt = CopyQueued, now
		o = OutboxItem{CopyID: copyID, ClientID: ref.ClientID, MessageID: ref.MessageID, State: CopyQueued, NextAttempt: now}
		if err := put(txn, outboxKey(copyID), &o); err != nil {
			return err
		}
		if err := txn.Delete([]byte(failedKey(copyID))); err != nil {
			return err
		}
		return put(txn, messageKey(ref.ClientID, ref.MessageID), &m)
	})
}

// indexFailedCopies writes failed/<copyID> for the copies given up before the index
// existed (part of the upgrade to schema 3). Running it again changes nothing.
func indexFailedCopies(s *Store) error {
	var refs []struct {
		copyID string
		ref    failedRef
	}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("msg/"), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var m Message
			if err := it.Item().Value(func(b []byte) error { return decode(b, &m) }); err != nil {
				return err
			}
			for _, c := range m.Copies {
				if c.Status == CopyFailed {
					refs = append(refs, struct {
						copyID string
						ref    failedRef
					}{c.ID, failedRef{ClientID: m.ClientID, MessageID: m.ID}})
				}
			}
		}
		return nil
	})
	for err == nil && len(refs) > 0 {
		n := min(len(refs), indexBatch)
		err = s.update(func(txn *badger.Txn) error {
			for _, r := range refs[:n] {
				if err := put(txn, failedKey(r.copyID), r.ref); err != nil {
					return err
				}
			}
			return nil
		})
		refs = refs[n:]
	}
	return err
}
