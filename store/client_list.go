package store

import (
	"github.com/dgraph-io/badger/v4"
)

// Clients returns every client record, oldest first. It reads them all in one scan: the
// operator console lists and searches clients with it, and a small host has a few thousand
// clients at most, which one scan reads in milliseconds. A bigger host would want an index.
func (s *Store) Clients() ([]Client, error) {
	var out []Client
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := []byte("client/")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var c Client
			// Decoded without the record cache, so a full scan does not evict what the
			// client zone's requests keep there.
			if err := it.Item().Value(func(raw []byte) error { return decode(raw, &c) }); err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}
