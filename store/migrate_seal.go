package store

import (
	"errors"

	"github.com/dgraph-io/badger/v4"
)

// sealBatch is how many entries one transaction of the migration seals.
const sealBatch = 200

// sealHistories is the upgrade to schema 4: entries written before hashed their personal
// fields in clear (V 0), so those could never be erased without breaking the chain. Each
// history whose chain verifies is rewritten, oldest entry first, into sealed entries (V 2)
// chained from the same anchor; each keeps its old hash in LegacyHash. A history that does
// not verify is left as it is, legacy entries and all, so that `zona audit verify` keeps
// reporting where it was altered, and the migration logs it. Batches follow each other in
// separate transactions; a legacy entry after a sealed one names the sealed one's
// LegacyHash, which VerifyActivity accepts, so the migration resumes after a crash.
func sealHistories(s *Store) error {
	var ids []string
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("acthead/")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			ids = append(ids, string(it.Item().Key()[len("acthead/"):]))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := s.VerifyActivity(id); err != nil {
			var ce *ChainError
			if !errors.As(err, &ce) {
				return err
			}
			s.log.Warn("history left unsealed: its chain does not verify", "client", id, "err", err)
			continue
		}
		for {
			n, err := sealLegacyBatch(s, id)
			if err != nil {
				return err
			}
			if n < sealBatch {
				break
			}
		}
	}
	return nil
}

// sealLegacyBatch seals up to sealBatch of clientID's oldest legacy entries and returns how
// many it sealed.
func sealLegacyBatch(s *Store, clientID string) (int, error) {
	n := 0
	err := s.update(func(txn *badger.Txn) error {
		n = 0
		var anchor, head activityHead
		if err := get(txn, activityAnchorKey(clientID), &anchor); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := get(txn, activityHeadKey(clientID), &head); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		prev := anchor.Hash
		var sealed []Entry
		err := each(txn, activityPrefix(clientID), func(_ []byte, e *Entry) error {
			if len(sealed) == sealBatch {
				return errStop
			}
			if e.V == entryLegacy {
				e.LegacyHash, e.Prev = e.Hash, prev
				key, err := historyKey(txn, clientID, e.At, true)
				if err != nil {
					return err
				}
				if err := e.seal(key); err != nil {
					return err
				}
				sealed = append(sealed, *e)
			}
			prev = e.Hash
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
		for i := range sealed {
			e := &sealed[i]
			if err := put(txn, activityPrefix(clientID)+e.ID, e); err != nil {
				return err
			}
			if e.ID == head.ID {
				if err := put(txn, activityHeadKey(clientID), activityHead{ID: e.ID, Hash: e.Hash}); err != nil {
					return err
				}
			}
		}
		n = len(sealed)
		return nil
	})
	return n, err
}

// errStop ends a walk early.
var errStop = errors.New("stop")
