package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Actor kinds: who did something recorded in a history.
const (
	ActorOwner   = "owner"
	ActorContact = "contact"
	ActorStaff   = "staff"
	ActorSystem  = "system"
)

// Actor is who made a change.
type Actor struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Change is one field that changed, as shown to a reader. Secrets are recorded with
// Secret set and no values.
type Change struct {
	Field  string `json:"field"`
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
	Secret bool   `json:"secret,omitempty"`
}

// Event is what a caller asks to record; the store turns it into an Entry.
type Event struct {
	Kind      string
	Actor     Actor
	IP        string
	UserAgent string
	Changes   []Change
	Detail    map[string]string
}

// Entry is one movement in a client's history ("historial de movimientos"). Entries are
// never changed; each carries the hash of the one before it, so an edit made behind Zona's
// back breaks the chain where it was made. Its personal fields (see personal) are stored
// sealed under a key of the client's history: shredding the key erases them for good while
// the chain, which covers only their salted digest, still verifies (doc.go, "Erasure").
type Entry struct {
	ID        string            `json:"id"`
	ClientID  string            `json:"client_id"`
	At        time.Time         `json:"at"`
	Kind      string            `json:"kind"`
	Actor     Actor             `json:"actor"`
	IP        string            `json:"ip,omitempty"`
	UserAgent string            `json:"user_agent,omitempty"`
	Changes   []Change          `json:"changes,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
	Prev      string            `json:"prev"`
	Hash      string            `json:"hash"`
	// V is the hash formula: 0 for entries written before schema 4 (the whole entry), 2
	// for sealed entries (the non-personal fields and Digest).
	V int `json:"v,omitempty"`
	// Digest is the hex SHA-256 of the sealed personal part (a random salt, then its
	// JSON), empty when the entry has no personal data.
	Digest string `json:"digest,omitempty"`
	// Sealed is the personal part encrypted with AES-256-GCM (nonce first, the entry ID as
	// additional data). It is only set in the stored form: the store hands out entries
	// with the personal fields filled in instead.
	Sealed []byte `json:"sealed,omitempty"`
	// LegacyHash is the hash the entry had before schema 4 sealed it, so that a copy of the
	// history taken before can still be matched against it.
	LegacyHash string `json:"legacy_hash,omitempty"`
	// Erased is set on an entry whose personal fields were erased (their key shredded).
	Erased bool `json:"-"`
}

// Entry kinds written by the foundation.
const (
	KindAccountCreated  = "account.created"
	KindSignIn          = "auth.signin"
	KindSignInFailed    = "auth.signin_failed"
	KindSignOut         = "auth.signout"
	KindLanguage        = "account.language"
	KindPasswordChanged = "auth.password_changed"
	KindSessionEnded    = "auth.session_ended"
	KindResetRequested  = "auth.reset_requested"
	KindPasswordReset   = "auth.password_reset"
)

// Kinds lists every entry kind, in the order the history's filter offers them. A kind added
// anywhere in this package is added here too, with its sentence ("activity.<kind>") and its
// filter label ("kind.<kind>") in every language: a test fails on a sentence whose kind is
// not listed, and on a listed kind without both.
var Kinds = []string{
	KindAccountCreated, KindSignIn, KindSignInFailed, KindSignOut, KindSessionEnded, KindLanguage, KindPasswordChanged,
	KindResetRequested, KindPasswordReset,
	KindEmailQueued, KindEmailFailed, KindEmailResent,
	KindMarketingOptIn, KindMarketingOptOut, KindMarketingAsked,
	KindAccountUpdated, KindEmailChangeRequested, KindEmailChanged,
	KindPINChanged, KindPINMatched, KindPINMismatched, KindPINLocked,
	KindContactCreated, KindContactUpdated, KindContactDeleted, KindContactPermission,
	KindContactInvited, KindContactUninvited, KindContactJoined,
	KindTwoFAEnabled, KindTwoFARemoved, KindTwoFAFailed, KindRecoveryUsed, KindRecoveryRenewed,
	KindPasskeyAdded, KindPasskeyRemoved,
	KindAccountSuspended, KindAccountReactivated, KindWelcomeSent, KindAccountClosed,
	KindExportRequested, KindExportReady, KindExportFailed, KindExportDownloaded, KindRequestFiled, KindRequestResolved,
}

func activityPrefix(clientID string) string  { return "act/" + clientID + "/" }
func activityHeadKey(clientID string) string { return "acthead/" + clientID }

type activityHead struct {
	ID   string `json:"id"`
	Hash string `json:"hash"`
}

// computeHash is the hash of e's stored content and its predecessor's hash (e.Prev). For a
// sealed entry the stored content holds no personal field, only their Digest; for a legacy
// entry (V 0) it is the whole entry, as it was hashed when written.
func (e Entry) computeHash() string {
	e.Hash, e.Sealed = "", nil
	b, _ := json.Marshal(e) // Entry has only marshalable fields; map keys are sorted.
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// appendEntry records ev as the newest entry of clientID's history inside txn.
func appendEntry(txn *badger.Txn, clientID string, ev Event) error {
	if ev.Kind == "" {
		return errors.New("store: event without a kind")
	}
	var head activityHead
	if err := get(txn, activityHeadKey(clientID), &head); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	e := Entry{
		ID: NewID(), ClientID: clientID, At: time.Now().UTC(), Kind: ev.Kind, Actor: ev.Actor,
		IP: ev.IP, UserAgent: ev.UserAgent, Changes: ev.Changes, Detail: ev.Detail, Prev: head.Hash,
	}
	key, err := historyKey(txn, clientID, e.At, true)
	if err != nil {
		return err
	}
	if err := e.seal(key); err != nil {
		return err
	}
	if err := put(txn, activityPrefix(clientID)+e.ID, &e); err != nil {
		return err
	}
	return put(txn, activityHeadKey(clientID), activityHead{ID: e.ID, Hash: e.Hash})
}

// Record appends ev to the history of clientID on its own, for events that change nothing
// else (a sign-in, a failed sign-in, a sign-out).
func (s *Store) Record(clientID string, ev Event) error {
	if !validID(clientID) {
		return ErrNotFound
	}
	return s.update(func(txn *badger.Txn) error { return appendEntry(txn, clientID, ev) })
}

// ListActivity returns up to limit entries of clientID's history, newest first, starting
// just after the entry with ID before (or at the newest when before is empty), and the
// cursor for the next page ("" when there is none). Its cost depends on limit, not on the
// length of the history.
func (s *Store) ListActivity(clientID, before string, limit int) ([]Entry, string, error) {
	if !validID(clientID) || (before != "" && !validID(before)) {
		return nil, "", ErrNotFound
	}
	prefix := []byte(activityPrefix(clientID))
	seek := append(bytes.Clone(prefix), 0xFF)
	if before != "" {
		seek = []byte(activityPrefix(clientID) + before)
	}
	var out []Entry
	var next string
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		out, next, err = s.listActivity(txn, prefix, seek, before != "", limit)
		return err
	})
	return out, next, err
}

// listActivity reads up to limit entries under prefix, newest first, from seek (past it
// when after is set), and the cursor of the next page.
func (s *Store) listActivity(txn *badger.Txn, prefix, seek []byte, after bool, limit int) ([]Entry, string, error) {
	var out []Entry
	ring := newKeyRing(txn, string(prefix[len("act/"):len(prefix)-1]))
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true, PrefetchValues: true, PrefetchSize: limit + 1})
	defer it.Close()
	it.Seek(seek)
	if after && it.Valid() && bytes.Equal(it.Item().Key(), seek) {
		it.Next()
	}
	for ; it.Valid(); it.Next() {
		if len(out) == limit {
			return out, out[len(out)-1].ID, nil
		}
		var e Entry
		if err := it.Item().Value(func(b []byte) (err error) {
			e, err = s.entries.decode(string(it.Item().Key()), b)
			return err
		}); err != nil {
			return nil, "", err
		}
		if err := ring.read(&e); err != nil {
			return nil, "", err
		}
		out = append(out, e)
	}
	return out, "", nil
}

// RecentActivity is the newest n entries of clientID's history, as ListActivity lists them,
// for the dashboard, which shows them on every visit. A list costs an iterator (about ten
// point reads, measured); this reads two keys instead, the history's head and its pruning
// anchor, and lists again only when either moved since the last list. Every append moves the
// head and every pruning the anchor, so an answer from memory is never stale.
func (s *Store) RecentActivity(clientID string, n int) ([]Entry, error) {
	if !validID(clientID) {
		return nil, ErrNotFound
	}
	var out []Entry
	err := s.db.View(func(txn *badger.Txn) error {
		var stamp []byte
		for _, k := range []string{activityHeadKey(clientID), activityAnchorKey(clientID)} {
			item, err := txn.Get([]byte(k))
			if errors.Is(err, badger.ErrKeyNotFound) {
				stamp = append(stamp, 0)
				continue
			}
			if err != nil {
				return err
			}
			if err := item.Value(func(b []byte) error { stamp = append(append(stamp, b...), 0); return nil }); err != nil {
				return err
			}
		}
		if cached, ok := s.recent.get(clientID, n, stamp); ok {
			out = cached
			return nil
		}
		prefix := []byte(activityPrefix(clientID))
		entries, _, err := s.listActivity(txn, prefix, append(bytes.Clone(prefix), 0xFF), false, n)
		if err != nil {
			return err
		}
		s.recent.put(clientID, n, stamp, entries)
		out = slices.Clone(entries)
		return nil
	})
	return out, err
}

// ChainError names the first entry of a history that does not match its hash chain.
type ChainError struct {
	ClientID string
	EntryID  string
	Reason   string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("history of client %s: entry %s %s", e.ClientID, e.EntryID, e.Reason)
}

// VerifyActivity walks clientID's history from the oldest entry (or from the anchor left by
// PruneActivity) and returns a *ChainError naming the first entry whose content, link or
// position does not match, or nil and the number of entries checked.
func (s *Store) VerifyActivity(clientID string) (int, error) {
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(activityPrefix(clientID))})
		defer it.Close()
		// A history pruned by PruneActivity starts after its anchor: the last removed entry.
		var anchor activityHead
		if err := get(txn, activityAnchorKey(clientID), &anchor); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		prev, prevLegacy, lastID := anchor.Hash, "", anchor.ID
		ring := newKeyRing(txn, clientID)
		for it.Rewind(); it.Valid(); it.Next() {
			id := string(it.Item().Key()[len(activityPrefix(clientID)):])
			var e Entry
			if err := it.Item().Value(func(b []byte) error { return decode(b, &e) }); err != nil {
				return &ChainError{clientID, id, "cannot be read: " + err.Error()}
			}
			// A legacy entry written before its predecessor was sealed names the
			// predecessor's hash from before (schema 4's migration stopped halfway).
			follows := e.Prev == prev || (e.V == entryLegacy && prevLegacy != "" && e.Prev == prevLegacy)
			switch {
			case e.ID != id:
				return &ChainError{clientID, id, "is stored under another entry's key"}
			case id <= anchor.ID:
				return &ChainError{clientID, id, "is older than the history's pruning anchor"}
			case !follows:
				return &ChainError{clientID, id, "does not follow the entry before it"}
			case e.V != entryLegacy && e.V != entrySealed:
				return &ChainError{clientID, id, fmt.Sprintf("has an unknown hash formula %d", e.V)}
			case e.computeHash() != e.Hash:
				return &ChainError{clientID, id, "was altered after it was written"}
			case e.V == entryLegacy && (e.Digest != "" || len(e.Sealed) > 0):
				return &ChainError{clientID, id, "was altered after it was written"}
			}
			if err := ring.open(&e); errors.Is(err, errSealAltered) {
				return &ChainError{clientID, id, "has personal data altered after it was written"}
			} else if err != nil {
				return err
			}
			prev, prevLegacy, lastID = e.Hash, e.LegacyHash, e.ID
			n++
		}
		var head activityHead
		if err := get(txn, activityHeadKey(clientID), &head); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if head.ID != lastID || head.Hash != prev {
			return &ChainError{clientID, head.ID, "is the recorded newest entry, but the chain ends elsewhere (entries removed)"}
		}
		return nil
	})
	return n, err
}

// LastOfKind returns the newest entry of kind among the newest scan entries of clientID's
// history, or ErrNotFound.
func (s *Store) LastOfKind(clientID, kind string, scan int) (*Entry, error) {
	before := ""
	for scan > 0 {
		page, next, err := s.ListActivity(clientID, before, min(scan, 50))
		if err != nil {
			return nil, err
		}
		for i := range page {
			if page[i].Kind == kind {
				return &page[i], nil
			}
		}
		if next == "" {
			break
		}
		scan, before = scan-len(page), next
	}
	return nil, ErrNotFound
}
