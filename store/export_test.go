package store

import (
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// FillMessages archives n sent messages for clientID with batched writes (no outbox, no
// history), for benchmarks of the archive. It returns their IDs, oldest first.
func (s *Store) FillMessages(clientID string, n int) ([]string, error) {
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	ids := make([]string, n)
	cats := Categories[:5]
	for i := range n {
		id := NewID()
		ids[i] = id
		subject := fmt.Sprintf("Nota de pago %06d", i)
		text := fmt.Sprintf("Estimado cliente: su nota de pago número %d por el servicio de hospedaje está disponible. Gracias por su preferencia.", i)
		m := Message{ID: id, ClientID: clientID, Category: cats[i%len(cats)], Subject: subject, From: "avisos@hosting.test",
			At: time.Now().UTC(), Copies: []Copy{{ID: id, Kind: "owner", To: "ana@example.mx", MessageID: id + "@hosting.test", Status: CopySent, Attempts: 1}}}
		body := MessageBody{HTML: "<p>" + text + "</p>", Text: text, Fold: Fold(subject + "\n" + text)}
		for key, v := range map[string]any{messageKey(clientID, id): &m, messageBodyKey(clientID, id): &body} {
			b, err := encode(v)
			if err != nil {
				return nil, err
			}
			if err := wb.Set([]byte(key), b); err != nil {
				return nil, err
			}
		}
	}
	return ids, wb.Flush()
}

// TamperEntry rewrites a stored history entry behind the store's back, as someone with the
// data directory could: the conformance suite's Subject.Tamper for Badger.
func (s *Store) TamperEntry(clientID, entryID string, edit func(*Entry)) error {
	return s.db.Update(func(txn *badger.Txn) error {
		key := activityPrefix(clientID) + entryID
		var e Entry
		if err := get(txn, key, &e); err != nil {
			return err
		}
		edit(&e)
		return put(txn, key, &e)
	})
}
