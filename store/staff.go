package store

import (
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Staff is an operator account: it signs in to the operator console, never to a client zone.
type Staff struct {
	ID           string    `json:"id"`
	Rev          uint64    `json:"rev"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	PasswordHash string    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
	// Role is RoleAdmin or RoleSupport. Records written before roles existed have none and
	// are admins: they could do everything then.
	Role string `json:"role,omitempty"`
	// Disabled staff cannot sign in, and their sessions end at once.
	Disabled   bool      `json:"disabled,omitempty"`
	DisabledAt time.Time `json:"disabled_at,omitzero"`
}

// Staff roles. An admin does everything, including staff, API tokens and settings; support
// works with clients, contacts, the PIN desk, messages and the outbox, never with staff,
// tokens or settings.
const (
	RoleAdmin   = "admin"
	RoleSupport = "support"
)

// Roles lists the staff roles in the order forms offer them.
var Roles = []string{RoleSupport, RoleAdmin}

// ValidRole reports whether r is a staff role.
func ValidRole(r string) bool { return r == RoleAdmin || r == RoleSupport }

// RoleOrAdmin is the staff member's role; a record without one is an admin's.
func (st *Staff) RoleOrAdmin() string {
	if st.Role == "" {
		return RoleAdmin
	}
	return st.Role
}

// IsAdmin reports whether st has the admin role.
func (st *Staff) IsAdmin() bool { return st.RoleOrAdmin() == RoleAdmin }

// Invited reports whether st has not set a password yet (its invitation is pending).
func (st *Staff) Invited() bool { return st.PasswordHash == "" }

func staffKey(id string) string         { return "staff/" + id }
func staffEmailKey(email string) string { return "staffemail/" + NormalizeEmail(email) }

var keySetupToken = []byte("setup/token")

// CreateStaff stores a new staff account. It fills in ID, Rev and CreatedAt.
func (s *Store) CreateStaff(st *Staff) error {
	return s.update(func(txn *badger.Txn) error { return createStaff(txn, st) })
}

func createStaff(txn *badger.Txn, st *Staff) error {
	st.ID, st.Rev, st.CreatedAt = NewID(), 1, time.Now().UTC()
	if st.Role == "" {
		st.Role = RoleAdmin
	}
	st.Email = strings.TrimSpace(st.Email)
	if st.Role == "" {
		st.Role = RoleAdmin
	}
	if !ValidRole(st.Role) {
		return ErrStaffRole
	}
	key := []byte(staffEmailKey(st.Email))
	if _, err := txn.Get(key); err == nil {
		return ErrEmailTaken
	} else if !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	if err := txn.Set(key, []byte(st.ID)); err != nil {
		return err
	}
	return put(txn, staffKey(st.ID), st)
}

// StaffByEmail returns the staff account that signs in with email, or ErrNotFound.
func (s *Store) StaffByEmail(email string) (*Staff, error) {
	var st Staff
	err := s.db.View(func(txn *badger.Txn) error {
		id, err := getRaw(txn, staffEmailKey(email))
		if err != nil {
			return err
		}
		return get(txn, staffKey(string(id)), &st)
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// StaffByID returns the staff account with that ID, or ErrNotFound.
func (s *Store) StaffByID(id string) (*Staff, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	var st Staff
	if err := s.db.View(func(txn *badger.Txn) error { return get(txn, staffKey(id), &st) }); err != nil {
		return nil, err
	}
	return &st, nil
}

// HasStaff reports whether at least one staff account exists.
func (s *Store) HasStaff() (bool, error) {
	found := false
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("staff/")})
		defer it.Close()
		it.Rewind()
		found = it.Valid()
		return nil
	})
	return found, err
}

// setupToken is the stored form of the one-time link that creates the first staff account.
type setupToken struct {
	Hash    []byte    `json:"hash"`
	Expires time.Time `json:"expires"`
}

// ErrSetupToken is returned when a setup link is unknown, used or expired.
var ErrSetupToken = &Error{Code: "setup_token", MsgKey: "error.setup_token"}

// SetSetupToken replaces the first-staff setup token with one whose SHA-256 is hash.
func (s *Store) SetSetupToken(hash []byte, expires time.Time) error {
	return s.update(func(txn *badger.Txn) error {
		return put(txn, string(keySetupToken), setupToken{Hash: hash, Expires: expires.UTC()})
	})
}

// SetupTokenValid reports whether hash is the SHA-256 of the current, unexpired setup token
// and no staff account exists yet.
func (s *Store) SetupTokenValid(hash []byte) bool {
	err := s.db.View(func(txn *badger.Txn) error { return checkSetupToken(txn, hash) })
	return err == nil
}

func checkSetupToken(txn *badger.Txn, hash []byte) error {
	var t setupToken
	if err := get(txn, string(keySetupToken), &t); err != nil {
		return ErrSetupToken
	}
	if subtle.ConstantTimeCompare(t.Hash, hash) != 1 || time.Now().After(t.Expires) {
		return ErrSetupToken
	}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("staff/")})
	defer it.Close()
	if it.Rewind(); it.Valid() {
		return ErrSetupToken
	}
	return nil
}

// CreateFirstStaff creates st with the setup token whose SHA-256 is hash and voids the
// token, in one transaction: a setup link works once.
func (s *Store) CreateFirstStaff(hash []byte, st *Staff) error {
	return s.update(func(txn *badger.Txn) error {
		if err := checkSetupToken(txn, hash); err != nil {
			return err
		}
		if err := createStaff(txn, st); err != nil {
			return err
		}
		return txn.Delete(keySetupToken)
	})
}

// SetStaffPassword replaces the password hash of the staff account id and ends its
// sessions but the one whose hash is keep (none when keep is ""): the revision moves on,
// which ends every session signed in before, so the caller writes the new revision into
// the session it keeps. It returns the updated record.
func (s *Store) SetStaffPassword(id, hash, keep string) (*Staff, error) {
	var st Staff
	err := s.update(func(txn *badger.Txn) error {
		if err := get(txn, staffKey(id), &st); err != nil {
			return err
		}
		st.PasswordHash = hash
		st.Rev++
		if _, err := endStaffDevices(txn, id, nil, keep); err != nil {
			return err
		}
		return put(txn, staffKey(id), &st)
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}
