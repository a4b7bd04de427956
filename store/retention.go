package store

import (
	"bytes"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// RetentionPreview is what the next retention run would remove: the console shows it
// before it runs. A zero cutoff (that retention is off) counts nothing.
type RetentionPreview struct {
	// Entries is how many history entries are older than the activity cutoff, in
	// Histories histories.
	Entries, Histories int
	// Messages is how many archived messages are older than the archive cutoff, with
	// Attachments attachments; Waiting of them still have a copy to deliver and stay.
	Messages, Attachments, Waiting int
}

// PreviewRetention counts what PruneAllActivity(activityBefore) and
// PruneArchive(archiveBefore) would remove now, without removing anything. Either cutoff
// may be zero (that retention is off).
func (s *Store) PreviewRetention(activityBefore, archiveBefore time.Time) (RetentionPreview, error) {
	var p RetentionPreview
	err := s.db.View(func(txn *badger.Txn) error {
		if !activityBefore.IsZero() {
			// Per history, read only the keys before the cutoff, then seek to the next.
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("act/")})
			cutoff := idAt(activityBefore)
			for it.Rewind(); it.Valid(); {
				client, id, _ := strings.Cut(string(it.Item().Key()[len("act/"):]), "/")
				if id < cutoff {
					p.Histories++
					for ; it.Valid() && bytes.HasPrefix(it.Item().Key(), []byte(activityPrefix(client))) &&
						string(it.Item().Key()[len(activityPrefix(client)):]) < cutoff; it.Next() {
						p.Entries++
					}
				}
				it.Seek([]byte(activityPrefix(client) + "\xff"))
			}
			it.Close()
		}
		if archiveBefore.IsZero() {
			return nil
		}
		return each(txn, "msg/", func(_ []byte, m *Message) error {
			if !m.At.Before(archiveBefore) {
				return nil
			}
			if waiting(m) {
				p.Waiting++
				return nil
			}
			p.Messages++
			p.Attachments += len(m.Attachments)
			return nil
		})
	})
	return p, err
}

// waiting reports whether a copy of m is still to be delivered: retention leaves it alone.
func waiting(m *Message) bool {
	for _, c := range m.Copies {
		if c.Status == CopyQueued || c.Status == CopySending {
			return true
		}
	}
	return false
}

// PruneArchive removes the archived messages made before olderThan (each with its body,
// attachments and failed-copy note), except those with a copy still waiting for delivery,
// and returns how many it removed. They are purged from the database files, as a closed
// account's are (purge): archive retention erases, it does not only hide.
func (s *Store) PruneArchive(olderThan time.Time) (int, error) {
	if olderThan.UnixMilli() <= 0 {
		return 0, nil
	}
	var prefixes [][]byte
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		return each(txn, "msg/", func(_ []byte, m *Message) error {
			if !m.At.Before(olderThan) || waiting(m) {
				return nil
			}
			n++
			prefixes = append(prefixes, messageKeys(m)...)
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	return n, s.purge(prefixes)
}

// messageKeys lists the keys of m for purge: its record, body, attachments, and each
// copy's failed-copy note and outbox item.
func messageKeys(m *Message) [][]byte {
	keys := [][]byte{[]byte(messageKey(m.ClientID, m.ID)), []byte(messageBodyKey(m.ClientID, m.ID)),
		[]byte("msgatt/" + m.ClientID + "/" + m.ID + "/")}
	for _, c := range m.Copies {
		keys = append(keys, []byte(failedKey(c.ID)), []byte(outboxKey(c.ID)))
	}
	return keys
}
