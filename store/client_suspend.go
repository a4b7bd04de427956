package store

import (
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Entry kinds of the operator console's work on an account.
const (
	KindAccountSuspended   = "account.suspended"
	KindAccountReactivated = "account.reactivated"
	// KindWelcomeSent: staff sent the client a link to set their password (a welcome).
	KindWelcomeSent = "account.welcome_sent"
)

// SetClientSuspended suspends client id (or reactivates it) and records ev, in one
// transaction. Suspending ends every session of the account at once, the owner's and its
// contacts'. Suspending a suspended account (or reactivating an active one) changes
// nothing and records nothing; changed says which happened.
func (s *Store) SetClientSuspended(id string, suspend bool, ev Event) (c *Client, changed bool, err error) {
	if !validID(id) {
		return nil, false, ErrNotFound
	}
	var out Client
	err = s.update(func(txn *badger.Txn) error {
		if err := get(txn, clientKey(id), &out); err != nil {
			return err
		}
		if out.Suspended() == suspend {
			return nil
		}
		changed = true
		out.SuspendedAt = time.Time{}
		ev.Kind = KindAccountReactivated
		if suspend {
			out.SuspendedAt = time.Now().UTC()
			ev.Kind = KindAccountSuspended
			if err := endAllDevices(txn, id); err != nil {
				return err
			}
		}
		out.Rev++
		out.UpdatedAt = time.Now().UTC()
		if err := put(txn, clientKey(id), &out); err != nil {
			return err
		}
		return appendEntry(txn, id, ev)
	})
	if err != nil {
		return nil, false, err
	}
	return &out, changed, nil
}

// endAllDevices ends every session of clientID's account, whoever's.
func endAllDevices(txn *badger.Txn, clientID string) error {
	var keys [][]byte
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(devicePrefix(clientID))})
	for it.Rewind(); it.Valid(); it.Next() {
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	it.Close()
	for _, k := range keys {
		if err := txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
