package store

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// ErrResetToken is returned for a password-reset link that is unknown, used, expired, or
// made void by a password change since it was sent.
var ErrResetToken = &Error{Code: "reset_token", MsgKey: "error.reset_token"}

// resetToken is a password-reset link as stored: only the SHA-256 of the token is the key.
type resetToken struct {
	ClientID string    `json:"client_id"`
	Expires  time.Time `json:"expires"`
	// PasswordTag is a digest of the password hash when the link was made: any password
	// change since then voids the link.
	PasswordTag string `json:"password_tag"`
}

func resetKey(tokenHash []byte) string { return "reset/" + hex.EncodeToString(tokenHash) }

func passwordTag(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return hex.EncodeToString(sum[:8])
}

// CreateReset stores a password-reset link for client, valid until expires, and records ev
// (the request) in its history, in one transaction.
func (s *Store) CreateReset(c *Client, tokenHash []byte, expires time.Time, ev Event) error {
	return s.update(func(txn *badger.Txn) error {
		t := resetToken{ClientID: c.ID, Expires: expires.UTC(), PasswordTag: passwordTag(c.PasswordHash)}
		b, err := encode(t)
		if err != nil {
			return err
		}
		ttl := time.Until(expires)
		if ttl <= 0 {
			ttl = time.Second
		}
		if err := txn.SetEntry(badger.NewEntry([]byte(resetKey(tokenHash)), b).WithTTL(ttl + time.Minute)); err != nil {
			return err
		}
		return appendEntry(txn, c.ID, ev)
	})
}

func liveReset(txn *badger.Txn, tokenHash []byte) (*resetToken, *Client, error) {
	var t resetToken
	if err := get(txn, resetKey(tokenHash), &t); err != nil {
		return nil, nil, ErrResetToken
	}
	var c Client
	if err := get(txn, clientKey(t.ClientID), &c); err != nil {
		return nil, nil, ErrResetToken
	}
	if time.Now().After(t.Expires) || t.PasswordTag != passwordTag(c.PasswordHash) {
		return nil, nil, ErrResetToken
	}
	return &t, &c, nil
}

// ResetClient returns the client a live reset link belongs to, or ErrResetToken.
func (s *Store) ResetClient(tokenHash []byte) (*Client, error) {
	var c *Client
	err := s.db.View(func(txn *badger.Txn) (err error) {
		_, c, err = liveReset(txn, tokenHash)
		return err
	})
	return c, err
}

// UseReset sets the new password hash through a live reset link, voids the link, signs out
// every session of the client and records ev, in one transaction: a link works once.
func (s *Store) UseReset(tokenHash []byte, hash string, ev Event) (*Client, error) {
	var out Client
	err := s.update(func(txn *badger.Txn) error {
		_, c, err := liveReset(txn, tokenHash)
		if err != nil {
			return err
		}
		if err := txn.Delete([]byte(resetKey(tokenHash))); err != nil {
			return err
		}
		c.PasswordHash, c.Rev, c.UpdatedAt = hash, c.Rev+1, time.Now().UTC()
		if err := put(txn, clientKey(c.ID), c); err != nil {
			return err
		}
		if _, err := endPersonDevices(txn, c.ID, "", ""); err != nil {
			return err
		}
		out = *c
		return appendEntry(txn, c.ID, ev)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
