package store

import (
	"bytes"
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// activityAnchorKey holds the ID and hash of the last entry that retention removed from a
// history. The oldest entry left names that hash as its predecessor, so the chain still
// verifies from the anchor on.
func activityAnchorKey(clientID string) string { return "actanchor/" + clientID }

// pruneBatch is how many entries one transaction removes: small enough for Badger's limit
// on the size of a transaction, large enough to make pruning a long history quick.
const pruneBatch = 1000

// PruneActivity removes the entries of clientID's history made before olderThan, oldest
// first, and returns how many it removed. It then shreds the keys of the months wholly
// before olderThan (expiredHistoryKeys): whatever of a removed entry is left in the
// database files until a compaction can no longer be read, as with a closed account. Each batch of removals moves the history's anchor
// to the last entry it removed, in the same transaction, so VerifyActivity keeps working on
// what is left, and an interrupted prune leaves a consistent history. The newest entry is
// removed too when it is old enough: the head and the anchor then name the same entry.
func (s *Store) PruneActivity(clientID string, olderThan time.Time) (int, error) {
	if !validID(clientID) {
		return 0, ErrNotFound
	}
	n, err := s.pruneEntries(clientID, olderThan)
	if err != nil || olderThan.UnixMilli() <= 0 {
		return n, err
	}
	return n, s.shredHistoryKeys(actKeyPrefix(clientID), olderThan)
}

// pruneEntries is PruneActivity without the shredding.
func (s *Store) pruneEntries(clientID string, olderThan time.Time) (int, error) {
	if olderThan.UnixMilli() <= 0 {
		return 0, nil
	}
	prefix := []byte(activityPrefix(clientID))
	end := append(bytes.Clone(prefix), idAt(olderThan)...)
	total := 0
	for {
		n := 0
		err := s.update(func(txn *badger.Txn) error {
			n = 0
			var anchor activityHead
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			defer it.Close()
			var keys [][]byte
			for it.Rewind(); it.Valid() && len(keys) < pruneBatch; it.Next() {
				item := it.Item()
				if bytes.Compare(item.Key(), end) >= 0 {
					break
				}
				var e Entry
				if err := item.Value(func(b []byte) error { return decode(b, &e) }); err != nil {
					return err
				}
				if !e.At.Before(olderThan) {
					break
				}
				keys = append(keys, item.KeyCopy(nil))
				anchor = activityHead{ID: e.ID, Hash: e.Hash}
			}
			it.Close()
			if len(keys) == 0 {
				return nil
			}
			for _, k := range keys {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			n = len(keys)
			return put(txn, activityAnchorKey(clientID), anchor)
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}

// PruneAllActivity applies PruneActivity to every client's history and returns how many
// entries it removed in all.
func (s *Store) PruneAllActivity(olderThan time.Time) (int, error) {
	ids, err := s.ClientIDs()
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		n, err := s.pruneEntries(id, olderThan)
		total += n
		if err != nil && !errors.Is(err, ErrNotFound) {
			return total, err
		}
	}
	if olderThan.UnixMilli() <= 0 {
		return total, nil
	}
	return total, s.shredHistoryKeys("actkey/", olderThan)
}

// shredHistoryKeys purges the history keys under prefix (one client's, or everyone's) of
// the months that ended at or before olderThan: every entry they sealed is older than
// olderThan, so retention removed it. A month that olderThan falls in keeps its key until
// the month is over; its removed entries are unreadable a month later at the latest.
func (s *Store) shredHistoryKeys(prefix string, olderThan time.Time) error {
	var expired [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			month, err := time.Parse("200601", string(k[bytes.LastIndexByte(k, '/')+1:]))
			if err == nil && !month.AddDate(0, 1, 0).After(olderThan) {
				expired = append(expired, it.Item().KeyCopy(nil))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.purge(expired)
}
