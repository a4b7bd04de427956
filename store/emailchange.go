package store

import (
	"encoding/hex"
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// EmailChange is a requested change of a client's sign-in email, waiting for the link sent
// to the new address to be followed. Only the SHA-256 of the link's token is stored.
type EmailChange struct {
	ClientID  string    `json:"client_id"`
	OldEmail  string    `json:"old_email"`
	NewEmail  string    `json:"new_email"`
	Requested time.Time `json:"requested"`
	Expires   time.Time `json:"expires"`
}

func emailChangeKey(tokenHash []byte) string   { return "emailchange/" + hex.EncodeToString(tokenHash) }
func emailChangeForKey(clientID string) string { return "emailchangefor/" + clientID }

// RequestEmailChange records that clientID asked to sign in with newEmail from now on, to be
// confirmed with the token whose hash is tokenHash within ttl, and records ev, in one
// transaction. A request replaces the client's earlier one, whose link stops working. It
// returns ErrEmailTaken when someone already signs in with newEmail.
func (s *Store) RequestEmailChange(clientID, newEmail string, tokenHash []byte, ttl time.Duration, ev Event) error {
	now := time.Now().UTC()
	return s.update(func(txn *badger.Txn) error {
		var c Client
		if err := get(txn, clientKey(clientID), &c); err != nil {
			return err
		}
		if _, err := txn.Get([]byte(loginKey(newEmail))); err == nil {
			return ErrEmailTaken
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		if old, err := getRaw(txn, emailChangeForKey(clientID)); err == nil {
			if err := txn.Delete([]byte("emailchange/" + string(old))); err != nil {
				return err
			}
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		ch := EmailChange{ClientID: clientID, OldEmail: c.Email, NewEmail: newEmail, Requested: now, Expires: now.Add(ttl)}
		b, err := encode(&ch)
		if err != nil {
			return err
		}
		if err := txn.SetEntry(badger.NewEntry([]byte(emailChangeKey(tokenHash)), b).WithTTL(ttl)); err != nil {
			return err
		}
		ref := []byte(hex.EncodeToString(tokenHash))
		if err := txn.SetEntry(badger.NewEntry([]byte(emailChangeForKey(clientID)), ref).WithTTL(ttl)); err != nil {
			return err
		}
		return appendEntry(txn, clientID, ev)
	})
}

// PendingEmailChange returns the client's email change waiting for confirmation, or
// ErrNotFound.
func (s *Store) PendingEmailChange(clientID string) (*EmailChange, error) {
	var ch EmailChange
	err := s.db.View(func(txn *badger.Txn) error {
		ref, err := getRaw(txn, emailChangeForKey(clientID))
		if err != nil {
			return err
		}
		return get(txn, "emailchange/"+string(ref), &ch)
	})
	if err != nil {
		return nil, err
	}
	if time.Now().After(ch.Expires) {
		return nil, ErrNotFound
	}
	return &ch, nil
}

// EmailChangeByToken returns the change that the token with hash tokenHash confirms, or
// ErrNotFound when there is none (never requested, used, replaced or expired).
func (s *Store) EmailChangeByToken(tokenHash []byte) (*EmailChange, error) {
	var ch EmailChange
	if err := s.db.View(func(txn *badger.Txn) error { return get(txn, emailChangeKey(tokenHash), &ch) }); err != nil {
		return nil, err
	}
	if time.Now().After(ch.Expires) {
		return nil, ErrNotFound
	}
	return &ch, nil
}

// ConfirmEmailChange carries out the change that the token with hash tokenHash confirms:
// the client's sign-in email and its unique index move to the new address, the token is
// used up, and ev is recorded with the change, all in one transaction. It returns
// ErrNotFound for a token that confirms nothing, and ErrEmailTaken when the new address was
// claimed by someone else in the meantime.
func (s *Store) ConfirmEmailChange(tokenHash []byte, ev Event) (*Client, error) {
	var out Client
	err := s.update(func(txn *badger.Txn) error {
		var ch EmailChange
		if err := get(txn, emailChangeKey(tokenHash), &ch); err != nil {
			return err
		}
		if time.Now().After(ch.Expires) {
			return ErrNotFound
		}
		var c Client
		if err := get(txn, clientKey(ch.ClientID), &c); err != nil {
			return err
		}
		old, oldTerms := c.Email, clientTerms(&c)
		if NormalizeEmail(old) != NormalizeEmail(ch.NewEmail) {
			if err := claimLogin(txn, ch.NewEmail, clientLoginRef(c.ID)); err != nil {
				return err
			}
			if err := txn.Delete([]byte(loginKey(old))); err != nil {
				return err
			}
		}
		c.Email, c.Rev, c.UpdatedAt = ch.NewEmail, c.Rev+1, time.Now().UTC()
		if err := put(txn, clientKey(c.ID), &c); err != nil {
			return err
		}
		if err := reindex(txn, c.ID, sourceClient, oldTerms, clientTerms(&c)); err != nil {
			return err
		}
		for _, k := range []string{emailChangeKey(tokenHash), emailChangeForKey(c.ID)} {
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
		}
		ev.Kind = KindEmailChanged
		ev.Changes = []Change{{Field: "email", Old: old, New: ch.NewEmail}}
		out = c
		return appendEntry(txn, c.ID, ev)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
