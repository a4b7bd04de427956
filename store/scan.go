package store

import "github.com/dgraph-io/badger/v4"

// each decodes every record under prefix in txn, in key order, and calls fn with it and
// its key; fn's error stops the walk and is returned.
func each[T any](txn *badger.Txn, prefix string, fn func(key []byte, v *T) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var v T
		if err := it.Item().Value(func(b []byte) error { return decode(b, &v) }); err != nil {
			return err
		}
		if err := fn(it.Item().Key(), &v); err != nil {
			return err
		}
	}
	return nil
}

// listAll returns every record under prefix, in key order.
func listAll[T any](s *Store, prefix string) ([]T, error) {
	var out []T
	err := s.db.View(func(txn *badger.Txn) error {
		return each(txn, prefix, func(_ []byte, v *T) error { out = append(out, *v); return nil })
	})
	return out, err
}
