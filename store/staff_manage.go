package store

import (
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

var (
	// ErrStaffRole is returned for a role that is neither admin nor support.
	ErrStaffRole = &Error{Code: "staff_role", MsgKey: "error.staff_role"}
	// ErrLastAdmin is returned when a change would leave no enabled admin: nobody could
	// then manage staff or tokens again.
	ErrLastAdmin = &Error{Code: "last_admin", MsgKey: "error.last_admin"}
	// ErrStaffInvite is returned when a staff invitation link is unknown, used or expired.
	ErrStaffInvite = &Error{Code: "staff_invite", MsgKey: "error.staff_invite"}
)

func staffInviteKey(hash []byte) string { return "staffinvite/" + hex.EncodeToString(hash) }

// ListStaff returns every staff account, oldest first.
func (s *Store) ListStaff() ([]Staff, error) {
	return listAll[Staff](s, "staff/")
}

// InviteStaff stores a new staff account without a password, and an invitation whose
// token has the SHA-256 hash, valid for InviteValid: the new member chooses their own
// password through the link (never one chosen by the admin who adds them).
func (s *Store) InviteStaff(st *Staff, hash []byte) error {
	st.PasswordHash = ""
	return s.update(func(txn *badger.Txn) error {
		if err := createStaff(txn, st); err != nil {
			return err
		}
		return putStaffInvite(txn, st.ID, hash)
	})
}

// ReinviteStaff replaces the invitation of staff account id, which has not set a password
// yet, with one whose token has the SHA-256 hash.
func (s *Store) ReinviteStaff(id string, hash []byte) (*Staff, error) {
	var st Staff
	err := s.update(func(txn *badger.Txn) error {
		if err := get(txn, staffKey(id), &st); err != nil {
			return err
		}
		if !st.Invited() {
			return ErrStaffInvite
		}
		return putStaffInvite(txn, st.ID, hash)
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}

func putStaffInvite(txn *badger.Txn, id string, hash []byte) error {
	return txn.SetEntry(badger.NewEntry([]byte(staffInviteKey(hash)), []byte(id)).WithTTL(InviteValid))
}

func liveStaffInvite(txn *badger.Txn, hash []byte) (*Staff, error) {
	id, err := getRaw(txn, staffInviteKey(hash))
	if errors.Is(err, ErrNotFound) {
		return nil, ErrStaffInvite
	} else if err != nil {
		return nil, err
	}
	var st Staff
	if err := get(txn, staffKey(string(id)), &st); errors.Is(err, ErrNotFound) {
		return nil, ErrStaffInvite
	} else if err != nil {
		return nil, err
	}
	if !st.Invited() || st.Disabled {
		return nil, ErrStaffInvite
	}
	return &st, nil
}

// StaffInvitation returns the staff member a live invitation (token SHA-256 hash) is for,
// or ErrStaffInvite.
func (s *Store) StaffInvitation(hash []byte) (*Staff, error) {
	var st *Staff
	err := s.db.View(func(txn *badger.Txn) (err error) {
		st, err = liveStaffInvite(txn, hash)
		return err
	})
	return st, err
}

// AcceptStaffInvitation sets the password of the staff member invited by the token with
// the SHA-256 hash, and voids the link, in one transaction: a link works once.
func (s *Store) AcceptStaffInvitation(hash []byte, passwordHash string) (*Staff, error) {
	var out *Staff
	err := s.update(func(txn *badger.Txn) error {
		st, err := liveStaffInvite(txn, hash)
		if err != nil {
			return err
		}
		st.PasswordHash = passwordHash
		st.Rev++
		if err := put(txn, staffKey(st.ID), st); err != nil {
			return err
		}
		out = st
		return txn.Delete([]byte(staffInviteKey(hash)))
	})
	return out, err
}

// SetStaffDisabled disables (or enables again) staff account id. Disabling ends every
// session of that member at once (its revision moves on and its session records go);
// the last enabled admin cannot be disabled (ErrLastAdmin).
func (s *Store) SetStaffDisabled(id string, disabled bool) (*Staff, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	var st Staff
	err := s.update(func(txn *badger.Txn) error {
		if err := get(txn, staffKey(id), &st); err != nil {
			return err
		}
		if st.Disabled == disabled {
			return nil
		}
		if disabled && st.IsAdmin() {
			if n, err := enabledAdmins(txn); err != nil {
				return err
			} else if n <= 1 {
				return ErrLastAdmin
			}
		}
		st.Disabled, st.DisabledAt = disabled, time.Time{}
		if disabled {
			st.DisabledAt = time.Now().UTC()
		}
		st.Rev++
		if _, err := endStaffDevices(txn, id, nil, ""); err != nil {
			return err
		}
		return put(txn, staffKey(id), &st)
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// enabledAdmins counts the admins who are not disabled.
func enabledAdmins(txn *badger.Txn) (int, error) {
	n := 0
	err := each(txn, "staff/", func(_ []byte, st *Staff) error {
		if st.IsAdmin() && !st.Disabled {
			n++
		}
		return nil
	})
	return n, err
}

// StaffDevice is one signed-in console session of a staff member, keyed like a client's
// Device by the SHA-256 of the session ID. A staff session whose record is gone is over:
// the console checks on every request, so a disabled member is out at once.
type StaffDevice struct {
	Hash      string    `json:"hash"`
	Started   time.Time `json:"started"`
	Expires   time.Time `json:"expires"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
}

func staffDevicePrefix(id string) string    { return "staffdev/" + id + "/" }
func staffDeviceKey(id, hash string) string { return staffDevicePrefix(id) + hash }

// StartStaffDevice records a new console session of staff member id (until d.Expires).
func (s *Store) StartStaffDevice(id string, d *StaffDevice) error {
	b, err := encode(d)
	if err != nil {
		return err
	}
	return s.update(func(txn *badger.Txn) error {
		return txn.SetEntry(badger.NewEntry([]byte(staffDeviceKey(id, d.Hash)), b).WithTTL(time.Until(d.Expires)))
	})
}

// StaffDeviceActive reports whether the console session with that hash is still signed in.
func (s *Store) StaffDeviceActive(id, hash string) (bool, error) {
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get([]byte(staffDeviceKey(id, hash)))
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// StaffDevices lists the console sessions of staff member id, newest first.
func (s *Store) StaffDevices(id string) ([]StaffDevice, error) {
	out, err := listAll[StaffDevice](s, staffDevicePrefix(id))
	slices.SortFunc(out, func(a, b StaffDevice) int { return b.Started.Compare(a.Started) })
	return out, err
}

// EndStaffDevices ends console sessions of staff member id: those with the given hashes,
// or every one but keep when hashes is nil. It returns how many ended.
func (s *Store) EndStaffDevices(id string, hashes []string, keep string) (int, error) {
	n := 0
	err := s.update(func(txn *badger.Txn) (err error) {
		n, err = endStaffDevices(txn, id, hashes, keep)
		return err
	})
	return n, err
}

func endStaffDevices(txn *badger.Txn, id string, hashes []string, keep string) (int, error) {
	if hashes == nil {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(staffDevicePrefix(id))})
		for it.Rewind(); it.Valid(); it.Next() {
			h := strings.TrimPrefix(string(it.Item().Key()), staffDevicePrefix(id))
			if h != keep {
				hashes = append(hashes, h)
			}
		}
		it.Close()
	}
	n := 0
	for _, h := range hashes {
		key := []byte(staffDeviceKey(id, h))
		if _, err := txn.Get(key); errors.Is(err, badger.ErrKeyNotFound) {
			continue
		} else if err != nil {
			return n, err
		}
		if err := txn.Delete(key); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
