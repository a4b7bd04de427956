package store_test

import (
	"errors"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"zona/store"
	"zona/store/conformance"
)

// openBadger opens Zona's Badger stores, the domain's and the sessions', in a new
// directory for the conformance suite.
func openBadger(t conformance.T) conformance.Subject {
	dir, log := t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := store.Open(dir, log)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	kv, err := store.OpenSessions(dir, log)
	if err != nil {
		t.Fatalf("store.OpenSessions: %v", err)
	}
	t.Cleanup(func() { kv.Close() })
	return conformance.Subject{Records: s, Tamper: s.TamperEntry, Limits: kv}
}

// The Badger store passes the conformance suite.
func TestConformance(t *testing.T) {
	conformance.Run(conformance.Testing(t), openBadger)
}

// doubleClaim is a Badger store whose outbox hands a leased copy out again: a claim that
// finds the copy under another claimer's lease gets that claimer's delivery anyway, as a
// store without a lease (or whose lease check races) would.
type doubleClaim struct {
	store.Records
	mu      sync.Mutex
	claimed map[string]*store.Delivery
}

func (d *doubleClaim) ClaimCopy(copyID string, now, leaseUntil time.Time) (*store.Delivery, error) {
	got, err := d.Records.ClaimCopy(copyID, now, leaseUntil)
	d.mu.Lock()
	defer d.mu.Unlock()
	if errors.Is(err, store.ErrNotDue) && d.claimed[copyID] != nil {
		return d.claimed[copyID], nil
	}
	if err == nil {
		d.claimed[copyID] = got
	}
	return got, err
}

// sloppyCursor is a Badger store whose archive pages start at their cursor instead of
// just after it, an off-by-one that repeats the last message of every page.
type sloppyCursor struct{ store.Records }

func (s sloppyCursor) ListMessages(clientID string, q store.MessageQuery) ([]store.Message, string, error) {
	if q.Before == "" {
		return s.Records.ListMessages(clientID, q)
	}
	cursor, err := s.Records.MessageByID(clientID, q.Before)
	if err != nil {
		return nil, "", err
	}
	q.Limit--
	page, next, err := s.Records.ListMessages(clientID, q)
	return append([]store.Message{*cursor}, page...), next, err
}

// trustingVerify is a Badger store whose verification counts the entries without checking
// their hashes, as a store that trusts its storage would.
type trustingVerify struct{ store.Records }

func (s trustingVerify) VerifyActivity(clientID string) (int, error) {
	n, err := s.Records.VerifyActivity(clientID)
	if ce := (*store.ChainError)(nil); errors.As(err, &ce) {
		entries, _, err := s.Records.ListActivity(clientID, "", 1<<20)
		return len(entries), err
	}
	return n, err
}

// resolveAgain is a Badger store that resolves a request again instead of refusing, as a
// store that writes the resolution without looking at the request's state would.
type resolveAgain struct{ store.Records }

func (s resolveAgain) ResolveRequest(id string, approve bool, note string, ev store.Event) (*store.Request, error) {
	r, err := s.Records.ResolveRequest(id, approve, note, ev)
	if errors.Is(err, store.ErrRequestResolved) {
		r.State, r.Note, r.ResolvedBy = store.RequestRejected, note, ev.Actor
		if approve {
			r.State = store.RequestApproved
		}
		return r, nil
	}
	return r, err
}

// checkThenCount is a sessions store whose reservation reads the counters, then counts:
// the check-then-count that a concurrent burst slips through.
type checkThenCount struct{ store.Limits }

func (c checkThenCount) Reserve(attempts ...store.Attempt) (bool, time.Duration, error) {
	for _, a := range attempts {
		n, left, err := c.Count(a.Key)
		if err != nil || n >= a.Max {
			return false, left, err
		}
	}
	runtime.Gosched() // the slow work a limit guards (an argon2 hash) sits here
	for _, a := range attempts {
		if _, err := c.Hit(a.Key, a.Window); err != nil {
			return false, 0, err
		}
	}
	return true, 0, nil
}

// The suite catches broken implementations: each fails the tests aimed at what it
// breaks, with a message that says what went wrong.
func TestConformanceFailsBrokenStores(t *testing.T) {
	for _, tc := range []struct {
		name     string
		wrap     func(conformance.Subject) conformance.Subject
		failing  string // a test of the suite that must fail
		message  string // in one of its failures
		unbroken string // a test that must still pass: the suite is precise
	}{
		{"outbox hands a copy out twice", func(s conformance.Subject) conformance.Subject {
			s.Records = &doubleClaim{Records: s.Records, claimed: map[string]*store.Delivery{}}
			return s
		}, "OutboxDeliversEachCopyExactlyOnce", "sent twice", "HistoryPagesAtDepth"},
		{"archive pages repeat their cursor", func(s conformance.Subject) conformance.Subject {
			s.Records = sloppyCursor{s.Records}
			return s
		}, "ArchivePagesAtDepth", "twice", "OutboxDeliversEachCopyExactlyOnce"},
		{"verification trusts the stored entries", func(s conformance.Subject) conformance.Subject {
			s.Records = trustingVerify{s.Records}
			return s
		}, "VerifyActivityFindsTampering", "tampered entry", "ArchivePagesAtDepth"},
		{"a request is resolved twice", func(s conformance.Subject) conformance.Subject {
			s.Records = resolveAgain{s.Records}
			return s
		}, "RequestIsResolvedOnce", "resolving twice", "PersonRequestsStayWithTheirPerson"},
		{"a rate limit checks, then counts", func(s conformance.Subject) conformance.Subject {
			s.Limits = checkThenCount{s.Limits}
			return s
		}, "RateLimitHoldsUnderConcurrency", "concurrent reservations passed", "PINLimitHoldsUnderConcurrency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := conformance.Record(func(t conformance.T) {
				conformance.Run(t, func(t conformance.T) conformance.Subject { return tc.wrap(openBadger(t)) })
			})
			if !rec.Failed() {
				t.Fatal("the suite passed a broken store")
			}
			failed := rec.FailedTests()
			if !slices.Contains(failed, tc.failing) {
				t.Fatalf("failed tests %v, want %s among them", failed, tc.failing)
			}
			if slices.Contains(failed, tc.unbroken) {
				t.Errorf("%s failed too, on a part the wrapper leaves alone: %v", tc.unbroken, rec.Failures())
			}
			said := false
			for _, f := range rec.Failures() {
				said = said || strings.HasPrefix(f, tc.failing+": ") && strings.Contains(f, tc.message)
			}
			if !said {
				t.Errorf("no failure of %s says %q: %v", tc.failing, tc.message, rec.Failures())
			}
			t.Logf("failed: %v", failed)
		})
	}
}
