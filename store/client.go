package store

import (
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Client is an account owner: the customer of the hosting company.
type Client struct {
	ID           string    `json:"id"`
	Rev          uint64    `json:"rev"`
	Email        string    `json:"email"`
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name"`
	Company      string    `json:"company,omitempty"`
	PasswordHash string    `json:"password_hash"`
	Lang         string    `json:"lang,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`

	// Address is the phone and postal address ("Editar detalles de la cuenta").
	Address
	// Fiscal is the data for Mexican invoices.
	Fiscal Fiscal `json:"fiscal,omitzero"`
	// Marketing is the separate opt-in to "promociones y ofertas".
	Marketing Consent `json:"marketing,omitzero"`
	// PINHash is the argon2id hash of the security PIN ("PIN de seguridad"), or empty.
	PINHash      string    `json:"pin_hash,omitempty"`
	PINChangedAt time.Time `json:"pin_changed_at,omitzero"`
	// SuspendedAt, when set, is when staff suspended the account: nobody of it signs in
	// (owner or contact) until it is reactivated. Its mail is still archived.
	SuspendedAt time.Time `json:"suspended_at,omitzero"`
	// ClosedAt, when set, is when the account was closed (CloseAccount): every personal
	// field above is empty, the fiscal identity it keeps is its FiscalKept record.
	ClosedAt time.Time `json:"closed_at,omitzero"`
}

// Closed reports whether the account was closed and its personal data erased.
func (c *Client) Closed() bool { return !c.ClosedAt.IsZero() }

// Suspended reports whether staff suspended the account.
func (c *Client) Suspended() bool { return !c.SuspendedAt.IsZero() }

// Name is the client's full name as shown in the user menu.
func (c *Client) Name() string {
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

// NormalizeEmail is the form of an email address used in the unique sign-in indexes.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

func clientKey(id string) string      { return "client/" + id }
func loginKey(email string) string    { return "login/" + NormalizeEmail(email) }
func loginRef(kind, id string) []byte { return []byte(kind + "/" + id) }
func clientLoginRef(id string) []byte { return loginRef("client", id) }
func splitRef(ref []byte) (kind, id string) {
	kind, id, _ = strings.Cut(string(ref), "/")
	return kind, id
}

// CreateClient stores a new client, claiming its sign-in email and writing its search
// terms, and records ev in the new client's history in the same transaction. It fills in ID, Rev and the timestamps.
func (s *Store) CreateClient(c *Client, ev Event) error {
	now := time.Now().UTC()
	c.ID, c.Rev, c.CreatedAt, c.UpdatedAt = NewID(), 1, now, now
	c.Email = strings.TrimSpace(c.Email)
	return s.update(func(txn *badger.Txn) error {
		if err := claimLogin(txn, c.Email, clientLoginRef(c.ID)); err != nil {
			return err
		}
		if err := put(txn, clientKey(c.ID), c); err != nil {
			return err
		}
		if err := reindex(txn, c.ID, sourceClient, nil, clientTerms(c)); err != nil {
			return err
		}
		return appendEntry(txn, c.ID, ev)
	})
}

func claimLogin(txn *badger.Txn, email string, ref []byte) error {
	key := []byte(loginKey(email))
	if _, err := txn.Get(key); err == nil {
		return ErrEmailTaken
	} else if err != badger.ErrKeyNotFound {
		return err
	}
	return txn.Set(key, ref)
}

// ClientByID returns the client with that ID, or ErrNotFound.
func (s *Store) ClientByID(id string) (*Client, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	var c Client
	err := s.db.View(func(txn *badger.Txn) error {
		raw, err := getRaw(txn, clientKey(id))
		if err != nil {
			return err
		}
		c, err = s.clients.decode(id, raw)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ClientByEmail returns the client who signs in with email (any letter case), or ErrNotFound.
func (s *Store) ClientByEmail(email string) (*Client, error) {
	var c Client
	err := s.db.View(func(txn *badger.Txn) error {
		ref, err := getRaw(txn, loginKey(email))
		if err != nil {
			return err
		}
		kind, id := splitRef(ref)
		if kind != "client" {
			return ErrNotFound
		}
		return get(txn, clientKey(id), &c)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// UpdateClient applies change to the stored client whose revision is rev, and records ev in
// its history, all in one transaction. It returns ErrConflict, changing nothing, when the
// client was saved by someone else after revision rev was read. The sign-in and search
// indexes follow the change.
func (s *Store) UpdateClient(id string, rev uint64, change func(*Client) error, ev Event) (*Client, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	var out Client
	err := s.update(func(txn *badger.Txn) error {
		var c Client
		if err := get(txn, clientKey(id), &c); err != nil {
			return err
		}
		if c.Rev != rev {
			return ErrConflict
		}
		oldEmail, oldTerms := c.Email, clientTerms(&c)
		if err := change(&c); err != nil {
			return err
		}
		if NormalizeEmail(c.Email) != NormalizeEmail(oldEmail) {
			if err := claimLogin(txn, c.Email, clientLoginRef(c.ID)); err != nil {
				return err
			}
			if err := txn.Delete([]byte(loginKey(oldEmail))); err != nil {
				return err
			}
		}
		c.Rev++
		c.UpdatedAt = time.Now().UTC()
		if err := put(txn, clientKey(id), &c); err != nil {
			return err
		}
		if err := reindex(txn, id, sourceClient, oldTerms, clientTerms(&c)); err != nil {
			return err
		}
		out = c
		return appendEntry(txn, id, ev)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ClientIDs returns the IDs of every client, oldest first.
func (s *Store) ClientIDs() ([]string, error) {
	var ids []string
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := []byte("client/")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			ids = append(ids, string(it.Item().Key()[len(prefix):]))
		}
		return nil
	})
	return ids, err
}
