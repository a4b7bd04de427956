package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Device is one signed-in session as its owner sees it under "Sesiones y dispositivos".
// It is keyed by the SHA-256 of the session ID, never the ID itself, so the list and the
// revoke links hold nothing that could be replayed as a cookie. A session whose Device is
// gone is over: Zona checks on every request.
type Device struct {
	Hash      string    `json:"hash"`
	Started   time.Time `json:"started"`
	LastSeen  time.Time `json:"last_seen"`
	Expires   time.Time `json:"expires"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	// Person is the ID of the contact signed in on this session, empty for the account
	// owner: every person sees and ends only their own sessions.
	Person string `json:"person,omitempty"`
	// Method is how the person proved who they are at sign-in: "password", "totp",
	// "recovery" or "passkey".
	Method string `json:"method,omitempty"`
}

func devicePrefix(clientID string) string    { return "device/" + clientID + "/" }
func deviceKey(clientID, hash string) string { return devicePrefix(clientID) + hash }

func putDevice(txn *badger.Txn, clientID string, d *Device) error {
	b, err := encode(d)
	if err != nil {
		return err
	}
	ttl := time.Until(d.Expires)
	if ttl <= 0 {
		return txn.Delete([]byte(deviceKey(clientID, d.Hash)))
	}
	return txn.SetEntry(badger.NewEntry([]byte(deviceKey(clientID, d.Hash)), b).WithTTL(ttl))
}

// StartDevice records a new signed-in session of clientID together with ev (the sign-in).
func (s *Store) StartDevice(clientID string, d *Device, ev Event) error {
	return s.update(func(txn *badger.Txn) error {
		if err := putDevice(txn, clientID, d); err != nil {
			return err
		}
		return appendEntry(txn, clientID, ev)
	})
}

// DeviceActive reports whether the session with that hash is still signed in.
func (s *Store) DeviceActive(clientID, hash string) (bool, error) {
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get([]byte(deviceKey(clientID, hash)))
		return err
	})
	if err == badger.ErrKeyNotFound {
		return false, nil
	}
	return err == nil, err
}

// TouchDevice records that the session was used now, from ip.
func (s *Store) TouchDevice(clientID, hash, ip string, at time.Time) error {
	return s.update(func(txn *badger.Txn) error {
		var d Device
		if err := get(txn, deviceKey(clientID, hash), &d); err != nil {
			return err
		}
		d.LastSeen, d.IP = at.UTC(), ip
		return putDevice(txn, clientID, &d)
	})
}

// Devices lists the signed-in sessions of person (a contact's ID, or "" for the owner) in
// clientID's account that were used after idleSince, newest first.
func (s *Store) Devices(clientID, person string, idleSince time.Time) ([]Device, error) {
	var out []Device
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(devicePrefix(clientID)), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var d Device
			if err := it.Item().Value(func(b []byte) error { return decode(b, &d) }); err != nil {
				return err
			}
			if d.LastSeen.After(idleSince) && d.Person == person {
				out = append(out, d)
			}
		}
		return nil
	})
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].LastSeen.After(out[j-1].LastSeen); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, err
}

// EndDevices signs out the sessions of person (a contact's ID, or "" for the owner) in
// clientID's account with the given hashes (all of that person's but keep when hashes is
// nil) and records ev, in one transaction. It returns how many ended; a hash of someone
// else's session is not found.
func (s *Store) EndDevices(clientID, person string, hashes []string, keep string, ev Event) (int, error) {
	n := 0
	err := s.update(func(txn *badger.Txn) error {
		n = 0
		if hashes == nil {
			var err error
			n, err = endPersonDevices(txn, clientID, person, keep)
			if err != nil {
				return err
			}
		}
		for _, h := range hashes {
			var d Device
			if err := get(txn, deviceKey(clientID, h), &d); errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			if d.Person != person {
				continue
			}
			if err := txn.Delete([]byte(deviceKey(clientID, h))); err != nil {
				return err
			}
			n++
		}
		if n == 0 && ev.Kind != KindSignOut {
			return nil
		}
		return appendEntry(txn, clientID, ev)
	})
	return n, err
}

// SetPassword replaces clientID's password hash (the client must still be at revision rev),
// signs out every session but the one whose hash is keep, and records ev, in one
// transaction.
func (s *Store) SetPassword(clientID string, rev uint64, hash, keep string, ev Event) (*Client, error) {
	var out Client
	err := s.update(func(txn *badger.Txn) error {
		var c Client
		if err := get(txn, clientKey(clientID), &c); err != nil {
			return err
		}
		if c.Rev != rev {
			return ErrConflict
		}
		c.PasswordHash, c.Rev, c.UpdatedAt = hash, c.Rev+1, time.Now().UTC()
		if err := put(txn, clientKey(clientID), &c); err != nil {
			return err
		}
		if _, err := endPersonDevices(txn, clientID, "", keep); err != nil {
			return err
		}
		out = c
		return appendEntry(txn, clientID, ev)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// endPersonDevices deletes every session of person (a contact's ID, or "" for the owner)
// in clientID's account but keep, and returns how many it deleted. The owner's password
// change or reset ends the owner's sessions; a contact's sessions end with its own password
// change, its loss of access or its removal.
func endPersonDevices(txn *badger.Txn, clientID, person, keep string) (int, error) {
	var keys [][]byte
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(devicePrefix(clientID)), PrefetchValues: true})
	for it.Rewind(); it.Valid(); it.Next() {
		if string(it.Item().Key()[len(devicePrefix(clientID)):]) == keep {
			continue
		}
		var d Device
		if err := it.Item().Value(func(b []byte) error { return decode(b, &d) }); err != nil {
			it.Close()
			return 0, err
		}
		if d.Person == person {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
	}
	it.Close()
	for _, k := range keys {
		if err := txn.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// RenameDevice moves the device record of a session whose ID was regenerated.
func (s *Store) RenameDevice(clientID, oldHash, newHash string) error {
	return s.update(func(txn *badger.Txn) error {
		var d Device
		if err := get(txn, deviceKey(clientID, oldHash), &d); err != nil {
			return err
		}
		if err := txn.Delete([]byte(deviceKey(clientID, oldHash))); err != nil {
			return err
		}
		d.Hash = newHash
		return putDevice(txn, clientID, &d)
	})
}

func knownDevicePrefix(clientID string) string { return "knowndev/" + clientID + "/" }

// RememberDevice notes that clientID signed in from the kind of device key. It reports
// whether that kind is new while others were seen before, which is when the person is told
// of the sign-in.
func (s *Store) RememberDevice(clientID, key string) (newToKnown bool, err error) {
	sum := sha256.Sum256([]byte(key))
	k := []byte(knownDevicePrefix(clientID) + hex.EncodeToString(sum[:12]))
	err = s.update(func(txn *badger.Txn) error {
		newToKnown = false
		if _, err := txn.Get(k); err == nil {
			return nil
		} else if err != badger.ErrKeyNotFound {
			return err
		}
		// The owner's kinds sit beside its contacts' ("<clientID>/<contactID>/..."): only
		// keys right under this person's prefix are theirs.
		prefix := []byte(knownDevicePrefix(clientID))
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
		for it.Rewind(); it.Valid() && !newToKnown; it.Next() {
			newToKnown = !bytes.Contains(it.Item().Key()[len(prefix):], []byte("/"))
		}
		it.Close()
		return txn.Set(k, []byte(time.Now().UTC().Format(time.RFC3339)))
	})
	return newToKnown, err
}
