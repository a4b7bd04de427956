package store

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/oklog/ulid/v2"
)

// ActorKinds lists the kinds of actor a history can be filtered by.
var ActorKinds = []string{ActorOwner, ActorContact, ActorStaff, ActorSystem}

// ErrBadCursor is returned when a page cursor is not the shape of an entry ID.
var ErrBadCursor = &Error{Code: "bad_cursor", MsgKey: "error.bad_cursor"}

// ActivityFilter narrows a listing of a history. Its zero value lets everything through.
type ActivityFilter struct {
	ActorKind string    // one of ActorKinds, or "" for anyone
	Kind      string    // an entry kind, or "" for any
	From      time.Time // entries at or after this instant; zero for no lower bound
	To        time.Time // entries before this instant; zero for no upper bound
}

// ActivityQuery asks for one page of a history.
type ActivityQuery struct {
	Filter ActivityFilter
	// Before is the cursor: the page starts just after (older than) the entry with this
	// ID. Empty starts at the newest entry.
	Before string
	// Limit is the most entries the page holds.
	Limit int
	// ScanLimit is the most entries read to fill the page, so that a filter matching few
	// entries costs a bounded amount of work per request. A value below Limit counts as
	// Limit, which is enough when nothing is filtered.
	ScanLimit int
}

// ActivityPage is one page of a history, newest first.
type ActivityPage struct {
	Entries []Entry
	// Next is the cursor of the following page, or "" when no older entry is in range.
	Next string
	// Stopped is true when the scan limit ran out before the page was full: Next then
	// continues the search where it stopped.
	Stopped bool
	// Scanned is how many entries were read.
	Scanned int
}

// fromGrace widens the key range of a From bound: an entry's ID is made a moment before
// its time is taken, so near the bound the ID alone cannot decide and the entry is read.
const fromGrace = time.Minute

// QueryActivity returns one page of clientID's history that passes q.Filter, newest first.
// Its cost is bounded by q.Limit and q.ScanLimit, never by the length of the history: the
// date bounds and the cursor are key ranges, and at most ScanLimit entries are read. A
// cursor that is not an ID is ErrBadCursor; an ID that is not in this history only marks a
// point in time, so a cursor can never reveal another client's entries.
func (s *Store) QueryActivity(clientID string, q ActivityQuery) (ActivityPage, error) {
	var page ActivityPage
	if !validID(clientID) {
		return page, ErrNotFound
	}
	if q.Before != "" && !validID(q.Before) {
		return page, ErrBadCursor
	}
	if q.Limit <= 0 {
		return page, nil
	}
	scanLimit := max(q.ScanLimit, q.Limit)
	f := q.Filter
	prefix := []byte(activityPrefix(clientID))
	seek := append(bytes.Clone(prefix), 0xFF)
	if q.Before != "" {
		seek = append(bytes.Clone(prefix), q.Before...)
	}
	if !f.To.IsZero() {
		if f.To.UnixMilli() <= 0 {
			return page, nil
		}
		if to := append(bytes.Clone(prefix), idAt(f.To)...); bytes.Compare(to, seek) < 0 {
			seek = to
		}
	}
	var stopMS uint64 // entries whose ID is older than this are before From
	if from := f.From.Add(-fromGrace); !f.From.IsZero() && from.UnixMilli() > 0 {
		stopMS = uint64(from.UnixMilli())
	}
	m := newMatcher(f)
	err := s.db.View(func(txn *badger.Txn) error {
		ring := newKeyRing(txn, clientID)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer it.Close()
		it.Seek(seek)
		if it.Valid() && bytes.Equal(it.Item().Key(), seek) {
			it.Next()
		}
		last := ""
		for ; it.Valid(); it.Next() {
			item := it.Item()
			id := string(item.Key()[len(prefix):])
			if stopMS > 0 && idMS(id) < stopMS {
				break
			}
			if len(page.Entries) == q.Limit {
				page.Next = page.Entries[len(page.Entries)-1].ID
				break
			}
			if page.Scanned == scanLimit {
				page.Next, page.Stopped = last, true
				break
			}
			page.Scanned++
			last = id
			var e Entry
			var ok bool
			err := item.Value(func(b []byte) error {
				if !m.mayMatch(b) {
					return nil
				}
				if err := decode(b, &e); err != nil {
					return err
				}
				ok = m.match(&e)
				return nil
			})
			if err != nil {
				return err
			}
			if ok {
				if err := ring.open(&e); err != nil {
					return err
				}
				page.Entries = append(page.Entries, e)
			}
		}
		return nil
	})
	if err != nil {
		return ActivityPage{}, err
	}
	return page, nil
}

// idAt is the smallest ID that could be made at t: every ID made before t sorts below it.
func idAt(t time.Time) string {
	var u ulid.ULID
	_ = u.SetTime(uint64(t.UnixMilli())) // only fails after the year 10889
	return u.String()
}

// idMS is the time, in Unix milliseconds, at which an ID was made.
func idMS(id string) uint64 {
	u, err := ulid.ParseStrict(id)
	if err != nil {
		return 0
	}
	return u.Time()
}

// matcher applies an ActivityFilter. mayMatch looks at an entry's stored bytes, so that
// most entries a filter rejects are never decoded; match decides on the decoded entry.
type matcher struct {
	f       ActivityFilter
	needles [][]byte
}

func newMatcher(f ActivityFilter) *matcher {
	m := &matcher{f: f}
	for _, v := range []string{f.Kind, f.ActorKind} {
		if v != "" {
			// A kind is plain ASCII, so its JSON form is itself in quotes.
			b, _ := json.Marshal(v)
			m.needles = append(m.needles, append([]byte(`"kind":`), b...))
		}
	}
	return m
}

func (m *matcher) mayMatch(b []byte) bool {
	for _, n := range m.needles {
		if !bytes.Contains(b, n) {
			return false
		}
	}
	return true
}

func (m *matcher) match(e *Entry) bool {
	f := m.f
	return (f.Kind == "" || e.Kind == f.Kind) &&
		(f.ActorKind == "" || e.Actor.Kind == f.ActorKind) &&
		(f.From.IsZero() || !e.At.Before(f.From)) &&
		(f.To.IsZero() || e.At.Before(f.To))
}

// KnownKind reports whether kind is one of Kinds.
func KnownKind(kind string) bool { return slices.Contains(Kinds, kind) }

// KnownActorKind reports whether kind is one of ActorKinds.
func KnownActorKind(kind string) bool { return slices.Contains(ActorKinds, kind) }
