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
// It is the owner's link when ContactID is empty, else that contact's.
type resetToken struct {
	ClientID  string    `json:"client_id"`
	ContactID string    `json:"contact_id,omitempty"`
	Expires   time.Time `json:"expires"`
	// PasswordTag is a digest of the person's password hash when the link was made: any
	// password change since then voids the link.
	PasswordTag string `json:"password_tag"`
}

func resetKey(tokenHash []byte) string { return "reset/" + hex.EncodeToString(tokenHash) }

func passwordTag(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return hex.EncodeToString(sum[:8])
}

// CreateReset stores a password-reset link valid until expires for the owner of c, or for
// the contact ct of c when ct is not nil, and records ev (the request) in c's history, in
// one transaction.
func (s *Store) CreateReset(c *Client, ct *Contact, tokenHash []byte, expires time.Time, ev Event) error {
	t := resetToken{ClientID: c.ID, Expires: expires.UTC(), PasswordTag: passwordTag(c.PasswordHash)}
	if ct != nil {
		t.ContactID, t.PasswordTag = ct.ID, passwordTag(ct.PasswordHash)
	}
	return s.update(func(txn *badger.Txn) error {
		b, err := encode(t)
		if err != nil {
			return err
		}
		ttl := max(time.Until(expires), time.Second)
		if err := txn.SetEntry(badger.NewEntry([]byte(resetKey(tokenHash)), b).WithTTL(ttl + time.Minute)); err != nil {
			return err
		}
		return appendEntry(txn, c.ID, ev)
	})
}

// liveReset returns the client of a live reset link and, for a contact's link, the contact.
func liveReset(txn *badger.Txn, tokenHash []byte) (*Client, *Contact, error) {
	var t resetToken
	if err := get(txn, resetKey(tokenHash), &t); err != nil {
		return nil, nil, ErrResetToken
	}
	var c Client
	if err := get(txn, clientKey(t.ClientID), &c); err != nil {
		return nil, nil, ErrResetToken
	}
	hash := c.PasswordHash
	var ct *Contact
	if t.ContactID != "" {
		ct = &Contact{}
		if err := get(txn, contactKey(t.ClientID, t.ContactID), ct); err != nil || !ct.CanSignIn() {
			return nil, nil, ErrResetToken
		}
		hash = ct.PasswordHash
	}
	if time.Now().After(t.Expires) || t.PasswordTag != passwordTag(hash) {
		return nil, nil, ErrResetToken
	}
	return &c, ct, nil
}

// ResetPerson returns whose password a live reset link resets: the client, and the contact
// when it is a contact's link; or ErrResetToken.
func (s *Store) ResetPerson(tokenHash []byte) (*Client, *Contact, error) {
	var c *Client
	var ct *Contact
	err := s.db.View(func(txn *badger.Txn) (err error) {
		c, ct, err = liveReset(txn, tokenHash)
		return err
	})
	return c, ct, err
}

// UseReset sets the new password hash through a live reset link, voids the link, signs out
// every session of that person and records ev, in one transaction: a link works once.
func (s *Store) UseReset(tokenHash []byte, hash string, ev Event) (*Client, *Contact, error) {
	var outC Client
	var outCt *Contact
	err := s.update(func(txn *badger.Txn) error {
		c, ct, err := liveReset(txn, tokenHash)
		if err != nil {
			return err
		}
		if err := txn.Delete([]byte(resetKey(tokenHash))); err != nil {
			return err
		}
		now, person := time.Now().UTC(), ""
		if ct != nil {
			ct.PasswordHash, ct.Rev, ct.UpdatedAt, person = hash, ct.Rev+1, now, ct.ID
			err = put(txn, contactKey(c.ID, ct.ID), ct)
		} else {
			c.PasswordHash, c.Rev, c.UpdatedAt = hash, c.Rev+1, now
			err = put(txn, clientKey(c.ID), c)
		}
		if err != nil {
			return err
		}
		if _, err := endPersonDevices(txn, c.ID, person, ""); err != nil {
			return err
		}
		outC, outCt = *c, ct
		return appendEntry(txn, c.ID, ev)
	})
	if err != nil {
		return nil, nil, err
	}
	return &outC, outCt, nil
}
