package store

import (
	"github.com/dgraph-io/badger/v4"
)

// ClientsNewest returns up to limit clients, newest first, after skipping skip of them,
// and how many clients there are. It reads the keys of every client (not their records)
// to count them, and the records of the page alone: IDs sort in time order, so the newest
// are the last keys.
func (s *Store) ClientsNewest(skip, limit int) ([]Client, int, error) {
	var out []Client
	total := 0
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := []byte("client/")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer it.Close()
		for it.Seek(append(append([]byte{}, prefix...), 0xff)); it.Valid(); it.Next() {
			total++
			if total <= skip || len(out) >= limit {
				continue
			}
			var c Client
			// Decoded without the record cache, so a page of the list does not evict what
			// the client zone's requests keep there.
			if err := it.Item().Value(func(raw []byte) error { return decode(raw, &c) }); err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, total, err
}
