package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Hash formulas of history entries (Entry.V).
const (
	// entryLegacy (0): the hash covers the whole entry, personal fields included. Written
	// before schema 4; such an entry's personal fields cannot be erased.
	entryLegacy = 0
	// entrySealed (2): the hash covers the non-personal fields and Digest, the SHA-256 of
	// the sealed personal part; the personal part is encrypted under a key of the client.
	entrySealed = 2
)

// saltSize is the length of the random salt in front of an entry's personal part. It makes
// Digest unguessable: without it a short personal part (an IP address) could be found from
// its digest by trying every value.
const saltSize = 16

// personal is the part of an entry that names or identifies a person, sealed apart from the
// rest so that it can be erased without breaking the chain: the actor's name, the address
// and browser the change came from, the old and new values of each change, and every
// Detail value (emails, subjects, names). The entry's ID, client, time, kind, the actor's
// kind and ID (a pseudonymous ULID), the changed fields' names and the Secret flags stay in
// clear: they say what happened without saying to whom.
type personal struct {
	Name      string            `json:"name,omitempty"`
	IP        string            `json:"ip,omitempty"`
	UserAgent string            `json:"user_agent,omitempty"`
	Values    [][2]string       `json:"values,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
}

// split moves e's personal fields out of e and returns them, or nil when e has none.
func (e *Entry) split() *personal {
	p := personal{Name: e.Actor.Name, IP: e.IP, UserAgent: e.UserAgent, Detail: e.Detail}
	changes := make([]Change, len(e.Changes))
	values := false
	for i, c := range e.Changes {
		changes[i] = Change{Field: c.Field, Secret: c.Secret}
		values = values || c.Old != "" || c.New != ""
	}
	if values {
		p.Values = make([][2]string, len(e.Changes))
		for i, c := range e.Changes {
			p.Values[i] = [2]string{c.Old, c.New}
		}
	}
	if len(e.Changes) == 0 {
		changes = nil
	}
	e.Actor.Name, e.IP, e.UserAgent, e.Detail, e.Changes = "", "", "", nil, changes
	if p.Name == "" && p.IP == "" && p.UserAgent == "" && p.Values == nil && len(p.Detail) == 0 {
		return nil
	}
	return &p
}

// merge puts p's fields back into e.
func (e *Entry) merge(p *personal) {
	e.Actor.Name, e.IP, e.UserAgent, e.Detail = p.Name, p.IP, p.UserAgent, p.Detail
	if len(p.Values) == len(e.Changes) && p.Values != nil {
		changes := make([]Change, len(e.Changes))
		for i, c := range e.Changes {
			changes[i] = Change{Field: c.Field, Secret: c.Secret, Old: p.Values[i][0], New: p.Values[i][1]}
		}
		e.Changes = changes
	}
}

// actKeyPrefix is where the keys sealing clientID's history are kept, one per calendar
// month (UTC) of the entries they seal: retention shreds a month's key once the whole month
// is past, and closing the account shreds them all.
func actKeyPrefix(clientID string) string { return "actkey/" + clientID + "/" }

func actKeyKey(clientID string, at time.Time) string {
	return actKeyPrefix(clientID) + at.UTC().Format("200601")
}

// seal turns e (personal fields filled in, V and Prev set) into its stored form: personal
// fields encrypted under key into Sealed, Digest their salted hash, Hash the chain hash.
// A nil key (the history's keys were shredded: a closed account) drops the personal fields.
func (e *Entry) seal(key []byte) error {
	e.V = entrySealed
	p := e.split()
	if p != nil && key != nil {
		body, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("store: seal entry: %w", err)
		}
		plain := make([]byte, saltSize, saltSize+len(body))
		if _, err := rand.Read(plain); err != nil {
			return err
		}
		plain = append(plain, body...)
		sum := sha256.Sum256(plain)
		e.Digest = hex.EncodeToString(sum[:])
		if e.Sealed, err = encrypt(key, plain, []byte(e.ID)); err != nil {
			return err
		}
	}
	e.Hash = e.computeHash()
	return nil
}

// errSealAltered is returned by unseal when the sealed part does not decrypt or does not
// match its digest.
var errSealAltered = errors.New("sealed personal part does not match its digest")

// unseal fills in e's personal fields from Sealed with key. With a nil key (shredded) it
// marks e Erased instead.
func (e *Entry) unseal(key []byte) error {
	if len(e.Sealed) == 0 {
		return nil
	}
	if key == nil {
		e.Sealed, e.Erased = nil, true
		return nil
	}
	plain, err := decrypt(key, e.Sealed, []byte(e.ID))
	if err != nil || len(plain) < saltSize {
		return errSealAltered
	}
	sum := sha256.Sum256(plain)
	if hex.EncodeToString(sum[:]) != e.Digest {
		return errSealAltered
	}
	var p personal
	if err := json.Unmarshal(plain[saltSize:], &p); err != nil {
		return errSealAltered
	}
	e.merge(&p)
	e.Sealed = nil
	return nil
}

func encrypt(key, plain, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plain)+gcm.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, plain, aad), nil
}

func decrypt(key, sealed, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errSealAltered
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], aad)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// historyKey returns the key sealing clientID's entries of at's month, creating it when
// create is set and the history was never erased. It returns nil when there is none: not
// made yet (create unset), or shredded (the month was removed by retention, or the account
// closed).
func historyKey(txn *badger.Txn, clientID string, at time.Time, create bool) ([]byte, error) {
	k := actKeyKey(clientID, at)
	key, err := getRaw(txn, k)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return key, err
	}
	if !create {
		return nil, nil
	}
	switch _, err := getRaw(txn, closedKey(clientID)); {
	case err == nil:
		return nil, nil // a closed account's history keeps no personal data
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return key, txn.Set([]byte(k), key)
}

// keyRing reads the keys of one history in one transaction, each month's once.
type keyRing struct {
	txn      *badger.Txn
	clientID string
	keys     map[string][]byte
}

func newKeyRing(txn *badger.Txn, clientID string) *keyRing {
	return &keyRing{txn: txn, clientID: clientID, keys: map[string][]byte{}}
}

// open unseals e (stored form) with the key of its month.
func (r *keyRing) open(e *Entry) error {
	if len(e.Sealed) == 0 {
		return nil
	}
	month := e.At.UTC().Format("200601")
	key, ok := r.keys[month]
	if !ok {
		var err error
		if key, err = historyKey(r.txn, r.clientID, e.At, false); err != nil {
			return err
		}
		r.keys[month] = key
	}
	return e.unseal(key)
}
