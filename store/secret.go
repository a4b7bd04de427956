package store

import (
	"crypto/rand"
	"errors"

	"github.com/dgraph-io/badger/v4"
)

// Secret returns the server secret called name (32 random bytes, under secret/<name>),
// making it on first use. It keys values the server signs and checks itself, such as the
// CSRF tokens of visitors who are not signed in, so that they survive a restart.
func (s *Store) Secret(name string) ([]byte, error) {
	key := []byte("secret/" + name)
	var out []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if err != nil {
			return err
		}
		out, err = item.ValueCopy(nil)
		return err
	})
	if err == nil {
		return out, nil
	}
	if !errors.Is(err, badger.ErrKeyNotFound) {
		return nil, err
	}
	err = s.update(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if err == nil {
			out, err = item.ValueCopy(nil)
			return err
		}
		if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		out = make([]byte, 32)
		rand.Read(out)
		return txn.Set(key, out)
	})
	return out, err
}
