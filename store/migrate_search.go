package store

import (
	"github.com/dgraph-io/badger/v4"
)

// indexBatch is how many records one transaction of the search-index migration indexes
// (a client writes about ten keys; a transaction holds about a megabyte here).
const indexBatch = 500

// consoleIndexes is the upgrade to schema 3: the operator console's indexes for data stored
// before them, the search index and the list of failed copies.
func consoleIndexes(s *Store) error {
	if err := buildSearchIndex(s); err != nil {
		return err
	}
	return indexFailedCopies(s)
}

// buildSearchIndex is the first part of the upgrade to schema 3: it writes the search terms (search.go) of
// every client and contact stored before the index existed. Writing a term that is there
// already changes nothing, so running it again after a crash is safe.
func buildSearchIndex(s *Store) error {
	if err := indexAll(s, "client/", func(txn *badger.Txn, raw []byte) error {
		var c Client
		if err := decode(raw, &c); err != nil {
			return err
		}
		return reindex(txn, c.ID, sourceClient, nil, clientTerms(&c))
	}); err != nil {
		return err
	}
	return indexAll(s, "contact/", func(txn *badger.Txn, raw []byte) error {
		var ct Contact
		if err := decode(raw, &ct); err != nil {
			return err
		}
		return reindex(txn, ct.ClientID, ct.ID, nil, contactTerms(&ct))
	})
}

// indexAll calls index on every record under prefix, indexBatch records to a transaction.
func indexAll(s *Store, prefix string, index func(txn *badger.Txn, raw []byte) error) error {
	var after []byte
	for {
		var records [][]byte
		err := s.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: true})
			defer it.Close()
			start := []byte(prefix)
			if after != nil {
				start = append(after, 0)
			}
			for it.Seek(start); it.Valid() && len(records) < indexBatch; it.Next() {
				raw, err := it.Item().ValueCopy(nil)
				if err != nil {
					return err
				}
				records = append(records, raw)
				after = it.Item().KeyCopy(nil)
			}
			return nil
		})
		if err != nil || len(records) == 0 {
			return err
		}
		if err := s.update(func(txn *badger.Txn) error {
			for _, raw := range records {
				if err := index(txn, raw); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
}
