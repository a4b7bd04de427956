package store

import (
	"encoding/hex"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// How a marketing consent changed, recorded in the history entry's detail "how".
const (
	ConsentForm     = "form"      // the person's own account or preferences form
	ConsentLink     = "link"      // the confirmation link of a double opt-in
	ConsentOneClick = "one-click" // a mail program's RFC 8058 one-click unsubscribe
	ConsentOwner    = "owner"     // the account owner, for a contact
)

// History kinds of marketing consent.
const (
	KindMarketingOptIn  = "marketing.opt_in"
	KindMarketingOptOut = "marketing.opt_out"
	// KindMarketingAsked: an owner ticked marketing for a contact, who was sent a
	// confirmation link and receives marketing only once they follow it.
	KindMarketingAsked = "marketing.asked"
)

// PrefTokenValid is how long a preferences link works: the unsubscribe link of a marketing
// mail must still work when the mail is read months later.
const PrefTokenValid = 400 * 24 * time.Hour

// PrefToken names the person a preferences link belongs to: the owner of ClientID, or its
// contact ContactID.
type PrefToken struct {
	ClientID  string `json:"client_id"`
	ContactID string `json:"contact_id,omitempty"`
}

func prefTokenKey(hash []byte) string { return "preftoken/" + hex.EncodeToString(hash) }

func putPrefToken(txn *badger.Txn, hash []byte, t PrefToken) error {
	b, err := encode(t)
	if err != nil {
		return err
	}
	return txn.SetEntry(badger.NewEntry([]byte(prefTokenKey(hash)), b).WithTTL(PrefTokenValid))
}

// contactOf is the contact ID a copy was addressed to, "" for the owner.
func contactOf(c Copy) string {
	if c.Kind == "contact" {
		return c.PersonID
	}
	return ""
}

// PrefTokenFor returns the person of the preferences token whose SHA-256 is hash.
func (s *Store) PrefTokenFor(hash []byte) (*PrefToken, error) {
	var t PrefToken
	if err := s.db.View(func(txn *badger.Txn) error { return get(txn, prefTokenKey(hash), &t) }); err != nil {
		return nil, err
	}
	return &t, nil
}

// AskMarketing records that the owner asked for the contact's marketing consent: the
// contact's consent becomes pending, the preferences token whose SHA-256 is hash is
// stored for its confirmation link, and ev is recorded, in one transaction.
func (s *Store) AskMarketing(clientID, contactID string, hash []byte, ev Event) error {
	return s.update(func(txn *badger.Txn) error {
		var c Contact
		if err := get(txn, contactKey(clientID, contactID), &c); err != nil {
			return err
		}
		c.Marketing = Consent{Pending: true, At: time.Now().UTC(), IP: ev.IP}
		c.Rev++
		if err := put(txn, contactKey(clientID, contactID), &c); err != nil {
			return err
		}
		if err := putPrefToken(txn, hash, PrefToken{ClientID: clientID, ContactID: contactID}); err != nil {
			return err
		}
		ev.Kind = KindMarketingAsked
		return appendEntry(txn, clientID, ev)
	})
}

// SetMarketing gives or withdraws the marketing consent of the person t names and records
// it (ev's detail says how), in one transaction. It reports false, writing nothing, when the
// consent already was so.
func (s *Store) SetMarketing(t PrefToken, given bool, ev Event) (bool, error) {
	changed := false
	err := s.update(func(txn *badger.Txn) error {
		set := func(c *Consent) bool {
			if c.Given == given && !c.Pending {
				return false
			}
			*c = Consent{Given: given, At: time.Now().UTC(), IP: ev.IP}
			return true
		}
		if t.ContactID == "" {
			var c Client
			if err := get(txn, clientKey(t.ClientID), &c); err != nil {
				return err
			}
			if changed = set(&c.Marketing); !changed {
				return nil
			}
			c.Rev++
			if err := put(txn, clientKey(c.ID), &c); err != nil {
				return err
			}
		} else {
			var c Contact
			if err := get(txn, contactKey(t.ClientID, t.ContactID), &c); err != nil {
				return err
			}
			if changed = set(&c.Marketing); !changed {
				return nil
			}
			c.Rev++
			if err := put(txn, contactKey(t.ClientID, t.ContactID), &c); err != nil {
				return err
			}
		}
		ev.Kind = KindMarketingOptOut
		if given {
			ev.Kind = KindMarketingOptIn
		}
		return appendEntry(txn, t.ClientID, ev)
	})
	return changed, err
}
