package store

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Area permissions: what a contact with access may open in the client zone besides its
// own password, its own sessions and signing out.
const (
	// AreaProfile: view and edit the account details (never the PIN or the owner's
	// password, nor the owner's sign-in email).
	AreaProfile = "profile"
	// AreaContacts: manage the account's other contacts, granting no more than it holds.
	AreaContacts = "contacts"
	// AreaEmails: "Emails Recibidos", showing the messages addressed to the contact.
	AreaEmails = "emails"
	// AreaActivity: the account's history.
	AreaActivity = "activity"
)

// Areas lists the area permissions in the order the UI shows them.
var Areas = []string{AreaProfile, AreaContacts, AreaEmails, AreaActivity}

// EmailPermissions are the email categories a contact may receive (SPEC §5.1), in the
// order the UI shows them.
var EmailPermissions = []string{CategoryGeneral, CategoryProducts, CategoryDomains, CategoryNotes, CategorySupport}

// Preset is a named set of permissions the owner applies to a contact in one step.
type Preset struct {
	Name   string
	Areas  []string
	Emails []string
}

// Presets are the permission sets offered in the contact form:
//   - billing ("Facturación"): the account details and the emails, receiving general,
//     products and notes (payment notes, invoices, billing reminders);
//   - technical ("Técnico"): the emails, receiving general, domains and support;
//   - readonly ("Solo lectura"): the emails and the history, which only show, receiving
//     general.
var Presets = []Preset{
	{Name: "billing", Areas: []string{AreaProfile, AreaEmails}, Emails: []string{CategoryGeneral, CategoryProducts, CategoryNotes}},
	{Name: "technical", Areas: []string{AreaEmails}, Emails: []string{CategoryGeneral, CategoryDomains, CategorySupport}},
	{Name: "readonly", Areas: []string{AreaEmails, AreaActivity}, Emails: []string{CategoryGeneral}},
}

// Invitation states of a contact.
const (
	InvitePending   = "pending"
	InviteAccepted  = "accepted"
	InviteCancelled = "cancelled"
)

// InviteValid is how long an invitation link works.
const InviteValid = 7 * 24 * time.Hour

// DefaultMaxContacts is how many contacts an account may have unless the operator says
// otherwise.
const DefaultMaxContacts = 50

// History kinds of contacts.
const (
	KindContactCreated    = "contact.created"
	KindContactUpdated    = "contact.updated"
	KindContactDeleted    = "contact.deleted"
	KindContactPermission = "contact.permission"
	KindContactInvited    = "contact.invited"
	KindContactUninvited  = "contact.invite_cancelled"
	KindContactJoined     = "contact.invite_accepted"
)

var (
	// ErrTooManyContacts is returned when an account already has its maximum of contacts.
	ErrTooManyContacts = &Error{Code: "too_many_contacts", MsgKey: "error.too_many_contacts"}
	// ErrInviteToken is returned for an invitation link that is unknown, used, expired,
	// cancelled, or no longer bound to the contact's email.
	ErrInviteToken = &Error{Code: "invite_token", MsgKey: "error.invite_token"}
	// ErrNotPending is returned when an invitation is resent or cancelled that is not pending.
	ErrNotPending = &Error{Code: "not_pending", MsgKey: "error.not_pending"}
)

// Invitation is the state of a contact's invitation to set its password. Only the SHA-256
// of the link's token is kept, and the email it was sent to: the link works only while the
// contact's email is still that one.
type Invitation struct {
	State   string    `json:"state,omitempty"`
	SentAt  time.Time `json:"sent_at,omitzero"`
	Expires time.Time `json:"expires,omitzero"`
	Email   string    `json:"email,omitempty"`
	Hash    string    `json:"hash,omitempty"`
}

// Contact is a sub-account ("Contactos/Sub-cuentas"): a third person of a client's account
// with the 12 fields of SPEC §5.1, the emails it receives and, with access, the areas of
// the client zone it may open.
//
// The login email: a contact that signs in holds its email in the same unique sign-in index
// as the clients (login/<email> → "contact/<clientID>/<contactID>"), claimed when it
// accepts its invitation and released when access goes off, the email changes or the
// contact is removed. Until then it reserves nothing: its email may be anyone's, and turning
// access on always succeeds and sends the invitation. This keeps an owner from learning
// whether an address signs in to another account (an answer that differed would tell): only
// the person who receives the invitation learns, when accepting it, that the address
// already signs in elsewhere (AcceptInvitation fails with ErrEmailTaken).
type Contact struct {
	ID        string `json:"id"`
	ClientID  string `json:"client_id"`
	Rev       uint64 `json:"rev"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company,omitempty"`
	Email     string `json:"email"`
	Address
	// Access lets the contact sign in (SPEC §5.1 field 12), once it set its password
	// through the invitation.
	Access bool `json:"access,omitempty"`
	// Emails are the email categories it receives (EmailPermissions); Areas what it may
	// open with access (Areas).
	Emails    map[string]bool `json:"emails,omitempty"`
	Areas     map[string]bool `json:"areas,omitempty"`
	Marketing Consent         `json:"marketing,omitzero"`
	// PasswordHash is set by the contact through its invitation; it is cleared when access
	// goes off or the email changes, so that signing in again needs a new invitation.
	PasswordHash string     `json:"password_hash,omitempty"`
	Lang         string     `json:"lang,omitempty"`
	Invite       Invitation `json:"invite,omitzero"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Name is the contact's full name.
func (c *Contact) Name() string { return strings.TrimSpace(c.FirstName + " " + c.LastName) }

// HasArea reports whether the contact may open area.
func (c *Contact) HasArea(area string) bool { return c.Access && c.Areas[area] }

// CanSignIn reports whether the contact may sign in: access on and a password set.
func (c *Contact) CanSignIn() bool { return c.Access && c.PasswordHash != "" }

// InviteState is the invitation's state as the owner sees it: "expired" for a pending one
// past its validity.
func (c *Contact) InviteState(now time.Time) string {
	if c.Invite.State == InvitePending && now.After(c.Invite.Expires) {
		return "expired"
	}
	return c.Invite.State
}

func contactPrefix(clientID string) string       { return "contact/" + clientID + "/" }
func contactKey(clientID, id string) string      { return contactPrefix(clientID) + id }
func contactLoginRef(clientID, id string) []byte { return loginRef("contact", clientID+"/"+id) }
func inviteKey(hash string) string               { return "invite/" + hash }

type inviteRef struct {
	ClientID  string `json:"client_id"`
	ContactID string `json:"contact_id"`
}

// CreateContact stores c as a new contact of c.ClientID, unless the account has max
// contacts already (ErrTooManyContacts), and records ev, in one transaction. With access
// on, the contact gets a pending invitation under inviteHash
// (the SHA-256 of the link's token). It fills in ID, Rev and the timestamps, and reports
// whether an invitation was made (the caller sends it).
func (s *Store) CreateContact(c *Contact, max int, inviteHash []byte, ev Event) (bool, error) {
	if !validID(c.ClientID) {
		return false, ErrNotFound
	}
	now := time.Now().UTC()
	c.ID, c.Rev, c.CreatedAt, c.UpdatedAt = NewID(), 1, now, now
	c.Email = strings.TrimSpace(c.Email)
	c.PasswordHash, c.Invite = "", Invitation{}
	invited := false
	err := s.update(func(txn *badger.Txn) error {
		if _, err := txn.Get([]byte(clientKey(c.ClientID))); err != nil {
			return ErrNotFound
		}
		n := 0
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(contactPrefix(c.ClientID))})
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		it.Close()
		if max > 0 && n >= max {
			return ErrTooManyContacts
		}
		var err error
		invited, err = saveContact(txn, &Contact{}, c, inviteHash)
		if err != nil {
			return err
		}
		return appendEntry(txn, c.ClientID, ev)
	})
	return invited, err
}

// saveContact writes c over old (the zero Contact for a new one) and keeps what depends on
// it in step, inside txn: the login index, the invitation and its link, the password and
// the contact's sessions. It reports whether a new invitation was made under inviteHash.
//   - access turned off: the login is released, a pending invitation cancelled, the
//     password cleared and every session of the contact ended;
//   - access turned on, or the email changed with access on: the old login released, the
//     password cleared, the sessions ended, and a new pending invitation bound to the
//     email made under inviteHash (the login is claimed when it is accepted).
func saveContact(txn *badger.Txn, old, c *Contact, inviteHash []byte) (bool, error) {
	emailChanged := NormalizeEmail(old.Email) != NormalizeEmail(c.Email)
	invite := c.Access && (!old.Access || emailChanged)
	if old.Access && (!c.Access || emailChanged) {
		if err := releaseContactLogin(txn, old); err != nil {
			return false, err
		}
	}
	if (old.Access && !c.Access) || invite {
		if old.Invite.Hash != "" {
			if err := txn.Delete([]byte(inviteKey(old.Invite.Hash))); err != nil {
				return false, err
			}
		}
		if c.Invite.State == InvitePending {
			c.Invite.State = InviteCancelled
		}
		c.Invite.Hash = ""
		c.PasswordHash = ""
		if old.ID != "" {
			if _, err := endPersonDevices(txn, c.ClientID, c.ID, ""); err != nil {
				return false, err
			}
			// Whoever accepts the next invitation sets up their own second factor.
			if _, err := dropFactors(txn, c.ClientID, c.ID); err != nil {
				return false, err
			}
		}
	}
	if invite {
		if len(inviteHash) == 0 {
			return false, errors.New("store: access turned on without an invitation token")
		}
		if err := putInvite(txn, c, inviteHash); err != nil {
			return false, err
		}
	}
	if err := reindex(txn, c.ClientID, c.ID, contactTerms(old), contactTerms(c)); err != nil {
		return false, err
	}
	return invite, put(txn, contactKey(c.ClientID, c.ID), c)
}

// claimContactLogin claims c's email in the sign-in index for c, or fails with
// ErrEmailTaken when someone else holds it. An entry that is c's own already (claimed when
// access was turned on, as Zona did before claims waited for the invitation) is kept.
func claimContactLogin(txn *badger.Txn, c *Contact) error {
	ref := contactLoginRef(c.ClientID, c.ID)
	held, err := getRaw(txn, loginKey(c.Email))
	switch {
	case errors.Is(err, ErrNotFound):
		return txn.Set([]byte(loginKey(c.Email)), ref)
	case err != nil:
		return err
	case !bytes.Equal(held, ref):
		return ErrEmailTaken
	}
	return nil
}

// releaseContactLogin removes c's email from the sign-in index if c holds it: a contact
// whose invitation is pending holds nothing, and must never remove the entry of whoever
// else signs in with that address.
func releaseContactLogin(txn *badger.Txn, c *Contact) error {
	held, err := getRaw(txn, loginKey(c.Email))
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case !bytes.Equal(held, contactLoginRef(c.ClientID, c.ID)):
		return nil
	}
	return txn.Delete([]byte(loginKey(c.Email)))
}

// putInvite makes a new pending invitation of c under hash (c is written by the caller).
func putInvite(txn *badger.Txn, c *Contact, hash []byte) error {
	now := time.Now().UTC()
	h := hex.EncodeToString(hash)
	c.Invite = Invitation{State: InvitePending, SentAt: now, Expires: now.Add(InviteValid), Email: NormalizeEmail(c.Email), Hash: h}
	b, err := encode(inviteRef{ClientID: c.ClientID, ContactID: c.ID})
	if err != nil {
		return err
	}
	return txn.SetEntry(badger.NewEntry([]byte(inviteKey(h)), b).WithTTL(InviteValid + time.Minute))
}

// ContactByID returns clientID's contact id, or ErrNotFound (also for another account's
// contact: an ID from a URL never reaches outside the account).
func (s *Store) ContactByID(clientID, id string) (*Contact, error) {
	if !validID(clientID) || !validID(id) {
		return nil, ErrNotFound
	}
	var c Contact
	if err := s.db.View(func(txn *badger.Txn) error { return get(txn, contactKey(clientID, id), &c) }); err != nil {
		return nil, err
	}
	return &c, nil
}

// ListContacts returns clientID's contacts, oldest first.
func (s *Store) ListContacts(clientID string) ([]Contact, error) {
	if !validID(clientID) {
		return nil, ErrNotFound
	}
	var out []Contact
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(contactPrefix(clientID)), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var c Contact
			if err := it.Item().Value(func(b []byte) error { return decode(b, &c) }); err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// UpdateContact applies change to clientID's contact id and records ev, in one
// transaction. With rev > 0 it fails with ErrConflict, changing nothing, when the contact
// was saved after revision rev was read; rev 0 (a single permission set to a value) skips
// that check. See saveContact for what follows a change of access or email; inviteHash is
// used when a new invitation is due, and invited reports whether it was.
func (s *Store) UpdateContact(clientID, id string, rev uint64, change func(*Contact) error, inviteHash []byte, ev Event) (out *Contact, invited bool, err error) {
	if !validID(clientID) || !validID(id) {
		return nil, false, ErrNotFound
	}
	err = s.update(func(txn *badger.Txn) error {
		var old Contact
		if err := get(txn, contactKey(clientID, id), &old); err != nil {
			return err
		}
		if rev != 0 && old.Rev != rev {
			return ErrConflict
		}
		c := old
		c.Emails, c.Areas = maps(old.Emails), maps(old.Areas)
		if err := change(&c); err != nil {
			return err
		}
		c.ID, c.ClientID, c.Rev, c.UpdatedAt = old.ID, old.ClientID, old.Rev+1, time.Now().UTC()
		c.Email = strings.TrimSpace(c.Email)
		var err error
		if invited, err = saveContact(txn, &old, &c, inviteHash); err != nil {
			return err
		}
		out = &c
		return appendEntry(txn, clientID, ev)
	})
	if err != nil {
		return nil, false, err
	}
	return out, invited, nil
}

func maps(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		if v {
			out[k] = true
		}
	}
	return out
}

// DeleteContact removes clientID's contact id with its login, invitation and sessions,
// and records ev, in one transaction. It returns the removed contact.
func (s *Store) DeleteContact(clientID, id string, ev Event) (*Contact, error) {
	if !validID(clientID) || !validID(id) {
		return nil, ErrNotFound
	}
	var c Contact
	err := s.update(func(txn *badger.Txn) error {
		if err := get(txn, contactKey(clientID, id), &c); err != nil {
			return err
		}
		if c.Access {
			if err := releaseContactLogin(txn, &c); err != nil {
				return err
			}
		}
		if c.Invite.Hash != "" {
			if err := txn.Delete([]byte(inviteKey(c.Invite.Hash))); err != nil {
				return err
			}
		}
		if _, err := endPersonDevices(txn, clientID, id, ""); err != nil {
			return err
		}
		if _, err := dropFactors(txn, clientID, id); err != nil {
			return err
		}
		if err := txn.Delete([]byte(contactKey(clientID, id))); err != nil {
			return err
		}
		if err := reindex(txn, clientID, id, contactTerms(&c), nil); err != nil {
			return err
		}
		return appendEntry(txn, clientID, ev)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ResendInvitation replaces the pending (or expired) invitation of a contact with access
// that has not set its password yet by a new one under hash, and records ev.
func (s *Store) ResendInvitation(clientID, id string, hash []byte, ev Event) (*Contact, error) {
	return s.changeInvite(clientID, id, ev, func(txn *badger.Txn, c *Contact) error {
		if !c.Access || c.PasswordHash != "" || c.Invite.State != InvitePending {
			return ErrNotPending
		}
		if err := txn.Delete([]byte(inviteKey(c.Invite.Hash))); err != nil {
			return err
		}
		return putInvite(txn, c, hash)
	})
}

// CancelInvitation cancels a contact's pending invitation: the link stops working and the
// contact's access goes off (releasing its login), and records ev.
func (s *Store) CancelInvitation(clientID, id string, ev Event) (*Contact, error) {
	return s.changeInvite(clientID, id, ev, func(txn *badger.Txn, c *Contact) error {
		if c.Invite.State != InvitePending {
			return ErrNotPending
		}
		old := *c
		c.Access = false
		_, err := saveContact(txn, &old, c, nil)
		return err
	})
}

func (s *Store) changeInvite(clientID, id string, ev Event, fn func(*badger.Txn, *Contact) error) (*Contact, error) {
	if !validID(clientID) || !validID(id) {
		return nil, ErrNotFound
	}
	var out Contact
	err := s.update(func(txn *badger.Txn) error {
		var c Contact
		if err := get(txn, contactKey(clientID, id), &c); err != nil {
			return err
		}
		if err := fn(txn, &c); err != nil {
			return err
		}
		c.Rev, c.UpdatedAt = c.Rev+1, time.Now().UTC()
		if err := put(txn, contactKey(clientID, id), &c); err != nil {
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

func liveInvite(txn *badger.Txn, tokenHash []byte) (*Contact, error) {
	h := hex.EncodeToString(tokenHash)
	var ref inviteRef
	if err := get(txn, inviteKey(h), &ref); err != nil {
		return nil, ErrInviteToken
	}
	var c Contact
	if err := get(txn, contactKey(ref.ClientID, ref.ContactID), &c); err != nil {
		return nil, ErrInviteToken
	}
	if !c.Access || c.Invite.State != InvitePending || c.Invite.Hash != h ||
		c.Invite.Email != NormalizeEmail(c.Email) || time.Now().After(c.Invite.Expires) {
		return nil, ErrInviteToken
	}
	return &c, nil
}

// InvitationContact returns the contact a live invitation link belongs to, or
// ErrInviteToken.
func (s *Store) InvitationContact(tokenHash []byte) (*Contact, error) {
	var c *Contact
	err := s.db.View(func(txn *badger.Txn) (err error) {
		c, err = liveInvite(txn, tokenHash)
		return err
	})
	return c, err
}

// AcceptInvitation sets the contact's password through its live invitation link, which
// then stops working, and claims the contact's login email, and records ev, in one
// transaction. It fails with ErrEmailTaken, changing nothing, when someone else already
// signs in with that email.
func (s *Store) AcceptInvitation(tokenHash []byte, passwordHash string, ev Event) (*Contact, error) {
	var out Contact
	err := s.update(func(txn *badger.Txn) error {
		c, err := liveInvite(txn, tokenHash)
		if err != nil {
			return err
		}
		if err := claimContactLogin(txn, c); err != nil {
			return err
		}
		if err := txn.Delete([]byte(inviteKey(c.Invite.Hash))); err != nil {
			return err
		}
		c.PasswordHash, c.Invite.State, c.Invite.Hash = passwordHash, InviteAccepted, ""
		c.Rev, c.UpdatedAt = c.Rev+1, time.Now().UTC()
		if err := put(txn, contactKey(c.ClientID, c.ID), c); err != nil {
			return err
		}
		out = *c
		return appendEntry(txn, c.ClientID, ev)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SetContactPassword replaces a contact's password hash, ends every session of that
// contact but keep, and records ev, in one transaction.
func (s *Store) SetContactPassword(clientID, id, hash, keep string, ev Event) (*Contact, error) {
	if !validID(clientID) || !validID(id) {
		return nil, ErrNotFound
	}
	var out Contact
	err := s.update(func(txn *badger.Txn) error {
		var c Contact
		if err := get(txn, contactKey(clientID, id), &c); err != nil {
			return err
		}
		if !c.CanSignIn() {
			return ErrNotFound
		}
		c.PasswordHash, c.Rev, c.UpdatedAt = hash, c.Rev+1, time.Now().UTC()
		if err := put(txn, contactKey(clientID, id), &c); err != nil {
			return err
		}
		if _, err := endPersonDevices(txn, clientID, id, keep); err != nil {
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

// Login returns who signs in with email (any letter case): a client, or a contact with
// access (and its client), or ErrNotFound.
func (s *Store) Login(email string) (*Client, *Contact, error) {
	var cl Client
	var ct *Contact
	err := s.db.View(func(txn *badger.Txn) error {
		ref, err := getRaw(txn, loginKey(email))
		if err != nil {
			return err
		}
		kind, id := splitRef(ref)
		switch kind {
		case "client":
			return get(txn, clientKey(id), &cl)
		case "contact":
			clientID, contactID, _ := strings.Cut(id, "/")
			ct = &Contact{}
			if err := get(txn, contactKey(clientID, contactID), ct); err != nil {
				return err
			}
			if !ct.Access {
				return ErrNotFound
			}
			return get(txn, clientKey(clientID), &cl)
		}
		return ErrNotFound
	})
	if err != nil {
		return nil, nil, err
	}
	return &cl, ct, nil
}

// SortedKeys returns the keys of m that are set, in the order of order.
func SortedKeys(m map[string]bool, order []string) []string {
	var out []string
	for _, k := range order {
		if m[k] {
			out = append(out, k)
		}
	}
	return slices.Clip(out)
}
