package store

import (
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// APIToken is a bearer token of the JSON API (/api/v1). Only the SHA-256 of the token is
// stored: the token itself is shown once, when it is created.
type APIToken struct {
	Name       string    `json:"name"`
	Hash       []byte    `json:"hash"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// ErrTokenNameTaken is returned when an API token of that name already exists.
var ErrTokenNameTaken = &Error{Code: "token_name_taken", MsgKey: "error.conflict"}

// apiTokenTouchEvery is how stale a token's last-used time may get before a request
// writes it again: writing it on every call would cost a disk write per request.
const apiTokenTouchEvery = time.Minute

// MaxTokenNameLength bounds an API token's name.
const MaxTokenNameLength = 64

func apiTokenKey(hash []byte) string { return "apitoken/" + hex.EncodeToString(hash) }
func apiTokenNameKey(name string) string {
	return "apitokenname/" + strings.ToLower(name)
}

// ValidTokenName reports whether name may name an API token: 1 to 64 letters, digits,
// '-', '_' or '.'.
func ValidTokenName(name string) bool {
	if name == "" || len(name) > MaxTokenNameLength {
		return false
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}

// CreateAPIToken stores a token named name whose SHA-256 is hash. Names are unique
// (without letter case); a taken one is ErrTokenNameTaken.
func (s *Store) CreateAPIToken(name string, hash []byte) (*APIToken, error) {
	if !ValidTokenName(name) {
		return nil, errors.New("store: an API token name is 1 to 64 letters, digits, '-', '_' or '.'")
	}
	t := &APIToken{Name: name, Hash: hash, CreatedAt: time.Now().UTC()}
	err := s.update(func(txn *badger.Txn) error {
		key := []byte(apiTokenNameKey(name))
		if _, err := txn.Get(key); err == nil {
			return ErrTokenNameTaken
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		if err := txn.Set(key, []byte(hex.EncodeToString(hash))); err != nil {
			return err
		}
		return put(txn, apiTokenKey(hash), t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// APITokenByHash returns the token whose SHA-256 is hash, or ErrNotFound.
func (s *Store) APITokenByHash(hash []byte) (*APIToken, error) {
	var t APIToken
	if err := s.db.View(func(txn *badger.Txn) error { return get(txn, apiTokenKey(hash), &t) }); err != nil {
		return nil, err
	}
	return &t, nil
}

// APITokens lists every API token, by name.
func (s *Store) APITokens() ([]APIToken, error) {
	out, err := listAll[APIToken](s, "apitoken/")
	slices.SortFunc(out, func(a, b APIToken) int { return strings.Compare(a.Name, b.Name) })
	return out, err
}

// RevokeAPIToken deletes the token named name, or returns ErrNotFound. A revoked token
// stops working at once: every request looks its hash up.
func (s *Store) RevokeAPIToken(name string) error {
	return s.update(func(txn *badger.Txn) error {
		ref, err := getRaw(txn, apiTokenNameKey(name))
		if err != nil {
			return err
		}
		hash, err := hex.DecodeString(string(ref))
		if err != nil {
			return err
		}
		if err := txn.Delete([]byte(apiTokenNameKey(name))); err != nil {
			return err
		}
		return txn.Delete([]byte(apiTokenKey(hash)))
	})
}

// TouchAPIToken records that t was used at now, when its last-used time is more than a
// minute old. A token revoked meanwhile stays revoked.
func (s *Store) TouchAPIToken(t *APIToken, now time.Time) error {
	if now.Sub(t.LastUsedAt) < apiTokenTouchEvery {
		return nil
	}
	return s.update(func(txn *badger.Txn) error {
		var cur APIToken
		if err := get(txn, apiTokenKey(t.Hash), &cur); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			return err
		}
		cur.LastUsedAt = now.UTC()
		return put(txn, apiTokenKey(t.Hash), &cur)
	})
}
