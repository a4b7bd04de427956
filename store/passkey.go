package store

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Entry kinds of passkeys.
const (
	KindPasskeyAdded   = "auth.passkey_added"
	KindPasskeyRemoved = "auth.passkey_removed"
)

// MaxPasskeys is how many passkeys one person may keep.
const MaxPasskeys = 10

// Passkey is a WebAuthn credential of an owner or a contact ("llave de acceso"). The store
// keeps the credential as the WebAuthn library encodes it (public key, sign count, flags):
// nothing in it is secret.
type Passkey struct {
	ID         string          `json:"id"` // the credential ID, base64url
	Name       string          `json:"name"`
	Added      time.Time       `json:"added"`
	LastUsed   time.Time       `json:"last_used,omitzero"`
	Credential json.RawMessage `json:"credential"`
}

func passkeyPrefix(clientID, person string) string {
	if person == "" {
		person = "owner"
	}
	return "passkey/" + clientID + "/" + person + "/"
}

// Passkeys lists the passkeys of clientID's owner (person "") or contact person, oldest first.
func (s *Store) Passkeys(clientID, person string) ([]Passkey, error) {
	return listAll[Passkey](s, passkeyPrefix(clientID, person))
}

// AddPasskey stores pk for clientID's person and records ev (kind KindPasskeyAdded, with
// the passkey's name) in one transaction. ErrConflict when the person already has
// MaxPasskeys.
func (s *Store) AddPasskey(clientID, person string, pk *Passkey, ev Event) error {
	prefix := passkeyPrefix(clientID, person)
	return s.update(func(txn *badger.Txn) error {
		n := 0
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		it.Close()
		if n >= MaxPasskeys {
			return ErrConflict
		}
		if err := put(txn, prefix+pk.ID, pk); err != nil {
			return err
		}
		ev.Detail = map[string]string{"name": pk.Name}
		return record(txn, clientID, ev, KindPasskeyAdded)
	})
}

// UsePasskey stores the credential as updated by a sign-in (its sign count) and when it
// was used.
func (s *Store) UsePasskey(clientID, person, id string, cred json.RawMessage, at time.Time) error {
	key := passkeyPrefix(clientID, person) + id
	return s.update(func(txn *badger.Txn) error {
		var pk Passkey
		if err := get(txn, key, &pk); err != nil {
			return err
		}
		pk.Credential, pk.LastUsed = cred, at.UTC()
		return put(txn, key, &pk)
	})
}

// RemovePasskey removes the passkey id of clientID's person and records ev (kind
// KindPasskeyRemoved) with its name; ErrNotFound when there is none.
func (s *Store) RemovePasskey(clientID, person, id string, ev Event) error {
	key := passkeyPrefix(clientID, person) + id
	if id == "" || strings.ContainsRune(id, '/') {
		return ErrNotFound
	}
	return s.update(func(txn *badger.Txn) error {
		var pk Passkey
		if err := get(txn, key, &pk); err != nil {
			return err
		}
		if err := txn.Delete([]byte(key)); err != nil {
			return err
		}
		ev.Detail = map[string]string{"name": pk.Name}
		return record(txn, clientID, ev, KindPasskeyRemoved)
	})
}

// HasPasskey reports whether clientID's person has a passkey.
func (s *Store) HasPasskey(clientID, person string) (bool, error) {
	list, err := s.Passkeys(clientID, person)
	return len(list) > 0, err
}
