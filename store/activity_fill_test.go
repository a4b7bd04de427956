package store

import (
	"bytes"
	"crypto/rand"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/oklog/ulid/v2"
)

// fillActivity replaces clientID's history with n entries, the i-th made by gen(i) at
// start + i*step, chained exactly as appendEntry chains them, and returns their IDs oldest
// first. It writes through Badger's WriteBatch, so a million entries take seconds, not the
// hour that a transaction per entry would. step must be at least a millisecond, the
// resolution of IDs.
func fillActivity(s *Store, clientID string, n int, start time.Time, step time.Duration, gen func(i int) Event) ([]string, error) {
	prefix := []byte(activityPrefix(clientID))
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := wb.Delete([]byte(activityAnchorKey(clientID))); err != nil {
		return nil, err
	}
	entropy := ulid.Monotonic(rand.Reader, 0)
	ids := make([]string, n)
	prev := ""
	key := bytes.Clone(prefix)
	for i := range n {
		at := start.Add(time.Duration(i) * step).UTC()
		ev := gen(i)
		e := Entry{
			ID: ulid.MustNew(ulid.Timestamp(at), entropy).String(), ClientID: clientID, At: at, Kind: ev.Kind,
			Actor: ev.Actor, IP: ev.IP, UserAgent: ev.UserAgent, Changes: ev.Changes, Detail: ev.Detail, Prev: prev,
		}
		e.Hash = e.computeHash()
		b, err := encode(&e)
		if err != nil {
			return nil, err
		}
		key = append(key[:len(prefix)], e.ID...)
		if err := wb.Set(bytes.Clone(key), b); err != nil {
			return nil, err
		}
		ids[i], prev = e.ID, e.Hash
	}
	head := activityHead{}
	if n > 0 {
		head = activityHead{ID: ids[n-1], Hash: prev}
	}
	b, err := encode(head)
	if err != nil {
		return nil, err
	}
	if err := wb.Set([]byte(activityHeadKey(clientID)), b); err != nil {
		return nil, err
	}
	return ids, wb.Flush()
}
