package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// day0 is midnight UTC of the first day of the synthetic histories below.
var day0 = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// hourly replaces c's history with n entries, one an hour from day0: the account's creation
// first, then sign-ins by the owner, with every 10th a failed sign-in and every 25th a
// language change by staff. The IP of entry i is 10.0.<i/250>.<i%250>.
func hourly(t testing.TB, s *Store, c *Client, n int) []string {
	t.Helper()
	ids, err := fillActivity(s, c.ID, n, day0, time.Hour, func(i int) Event {
		ev := Event{Kind: KindSignIn, Actor: Actor{Kind: ActorOwner, ID: c.ID, Name: "Ana López"},
			IP: fmt.Sprintf("10.0.%d.%d", i/250, i%250), UserAgent: "Mozilla/5.0"}
		switch {
		case i == 0:
			ev = Event{Kind: KindAccountCreated, Actor: Actor{Kind: ActorSystem}}
		case i%25 == 0:
			ev.Kind, ev.Actor = KindLanguage, Actor{Kind: ActorStaff, ID: "S1", Name: "Luis"}
			ev.Changes = []Change{{Field: "lang", Old: "es", New: "en"}}
		case i%10 == 0:
			ev.Kind = KindSignInFailed
		}
		return ev
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func entryIDs(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// newestFirst returns ids[lo:hi] reversed.
func newestFirst(ids []string, lo, hi int) []string {
	out := slices.Clone(ids[lo:hi])
	slices.Reverse(out)
	return out
}

func TestFillActivityMakesAValidChain(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "ana@example.mx")
	hourly(t, s, c, 300)
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 300 {
		t.Fatalf("VerifyActivity = %d, %v; want 300, nil", n, err)
	}
	// Entries appended afterwards continue the chain.
	if err := s.Record(c.ID, Event{Kind: KindSignOut, Actor: Actor{Kind: ActorOwner}}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 301 {
		t.Fatalf("after Record: VerifyActivity = %d, %v; want 301, nil", n, err)
	}
}

func TestQueryActivity(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "ana@example.mx")
	ids := hourly(t, s, c, 300) // 300 hours: day0 to day0+12d12h
	var failed, staff []string
	for i := 1; i < 300; i++ {
		switch {
		case i%25 == 0:
			staff = append(staff, ids[i])
		case i%10 == 0:
			failed = append(failed, ids[i])
		}
	}
	slices.Reverse(failed)
	slices.Reverse(staff)
	day := func(d int) time.Time { return day0.AddDate(0, 0, d) }

	tests := []struct {
		name        string
		q           ActivityQuery
		want        []string
		wantNext    string
		wantStopped bool
	}{
		{"first page", ActivityQuery{Limit: 20}, newestFirst(ids, 280, 300), ids[280], false},
		{"next page", ActivityQuery{Before: ids[280], Limit: 20}, newestFirst(ids, 260, 280), ids[260], false},
		{"last page", ActivityQuery{Before: ids[20], Limit: 20}, newestFirst(ids, 0, 20), "", false},
		{"exactly the rest", ActivityQuery{Before: ids[20], Limit: 21}, newestFirst(ids, 0, 20), "", false},
		{"by kind", ActivityQuery{Filter: ActivityFilter{Kind: KindSignInFailed}, Limit: 100, ScanLimit: 1000}, failed, "", false},
		{"by actor", ActivityQuery{Filter: ActivityFilter{ActorKind: ActorStaff}, Limit: 100, ScanLimit: 1000}, staff, "", false},
		{"by actor, none", ActivityQuery{Filter: ActivityFilter{ActorKind: ActorContact}, Limit: 100, ScanLimit: 1000}, nil, "", false},
		{"system", ActivityQuery{Filter: ActivityFilter{ActorKind: ActorSystem}, Limit: 10, ScanLimit: 1000}, ids[:1], "", false},
		{"kind and actor", ActivityQuery{Filter: ActivityFilter{Kind: KindLanguage, ActorKind: ActorOwner}, Limit: 10, ScanLimit: 1000}, nil, "", false},
		{"one day", ActivityQuery{Filter: ActivityFilter{From: day(2), To: day(3)}, Limit: 100}, newestFirst(ids, 48, 72), "", false},
		{"from a day on", ActivityQuery{Filter: ActivityFilter{From: day(12)}, Limit: 100}, newestFirst(ids, 288, 300), "", false},
		{"until a day", ActivityQuery{Filter: ActivityFilter{To: day(1)}, Limit: 100}, newestFirst(ids, 0, 24), "", false},
		{"until a day, paged", ActivityQuery{Filter: ActivityFilter{To: day(1)}, Limit: 10}, newestFirst(ids, 14, 24), ids[14], false},
		{"cursor after the range", ActivityQuery{Filter: ActivityFilter{To: day(1)}, Before: ids[200], Limit: 5}, newestFirst(ids, 19, 24), ids[19], false},
		{"cursor inside the range", ActivityQuery{Filter: ActivityFilter{To: day(1)}, Before: ids[10], Limit: 5}, newestFirst(ids, 5, 10), ids[5], false},
		{"range before the history", ActivityQuery{Filter: ActivityFilter{To: day(-1)}, Limit: 10}, nil, "", false},
		{"range before 1970", ActivityQuery{Filter: ActivityFilter{To: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)}, Limit: 10}, nil, "", false},
		{"from before 1970", ActivityQuery{Filter: ActivityFilter{From: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)}, Limit: 3}, newestFirst(ids, 297, 300), ids[297], false},
		{"range after the history", ActivityQuery{Filter: ActivityFilter{From: day(30)}, Limit: 10}, nil, "", false},
		// Failed sign-ins are every 10th entry, minus the language changes: a scan of 25
		// entries from the newest finds those at 290 and 280 only.
		{"scan limit stops the search", ActivityQuery{Filter: ActivityFilter{Kind: KindSignInFailed}, Limit: 10, ScanLimit: 25}, []string{ids[290], ids[280]}, ids[275], true},
		{"and it continues", ActivityQuery{Filter: ActivityFilter{Kind: KindSignInFailed}, Before: ids[275], Limit: 10, ScanLimit: 25}, []string{ids[270], ids[260]}, ids[250], true},
		{"full page before the scan limit", ActivityQuery{Filter: ActivityFilter{Kind: KindSignInFailed}, Limit: 2, ScanLimit: 2000}, []string{ids[290], ids[280]}, ids[280], false},
		{"zero limit", ActivityQuery{}, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.QueryActivity(c.ID, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := entryIDs(page.Entries); !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("entries:\n got %v\nwant %v", got, tt.want)
			}
			if page.Next != tt.wantNext || page.Stopped != tt.wantStopped {
				t.Errorf("next %q stopped %v; want %q %v", page.Next, page.Stopped, tt.wantNext, tt.wantStopped)
			}
			if tt.q.ScanLimit > 0 && page.Scanned > max(tt.q.ScanLimit, tt.q.Limit) {
				t.Errorf("scanned %d entries, over the limit of %d", page.Scanned, tt.q.ScanLimit)
			}
		})
	}
}

func TestPruneActivityKeepsTheChainVerifiable(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "ana@example.mx")
	other := mustClient(t, s, "beto@example.mx")
	ids := hourly(t, s, c, 2500)

	if n, err := s.PruneActivity(c.ID, time.Time{}); err != nil || n != 0 {
		t.Fatalf("prune before the zero time: %d, %v", n, err)
	}
	// Entry i is at day0 + i hours: everything before hour 2100 goes, in three batches.
	n, err := s.PruneActivity(c.ID, day0.Add(2100*time.Hour))
	if err != nil || n != 2100 {
		t.Fatalf("PruneActivity = %d, %v; want 2100", n, err)
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 400 {
		t.Fatalf("after pruning: VerifyActivity = %d, %v; want 400, nil", n, err)
	}
	page, err := s.QueryActivity(c.ID, ActivityQuery{Limit: 1000})
	if err != nil || len(page.Entries) != 400 || page.Entries[399].ID != ids[2100] {
		t.Fatalf("after pruning: %d entries, oldest %v, %v", len(page.Entries), page.Entries[len(page.Entries)-1].ID, err)
	}
	// Pruning again at the same time removes nothing; new entries still chain on.
	if n, err := s.PruneActivity(c.ID, day0.Add(2100*time.Hour)); err != nil || n != 0 {
		t.Fatalf("second prune: %d, %v", n, err)
	}
	if err := s.Record(c.ID, Event{Kind: KindSignOut, Actor: Actor{Kind: ActorOwner}}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 401 {
		t.Fatalf("after a new entry: VerifyActivity = %d, %v; want 401", n, err)
	}
	// Removing the oldest entry left behind Zona's back is still caught: it no longer
	// follows the anchor.
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Delete([]byte(activityPrefix(c.ID) + ids[2100]))
	}); err != nil {
		t.Fatal(err)
	}
	var ce *ChainError
	if _, err := s.VerifyActivity(c.ID); !errors.As(err, &ce) || ce.EntryID != ids[2101] {
		t.Fatalf("after deleting the oldest entry: %v; want a ChainError naming %s", err, ids[2101])
	}

	// Pruning a whole history, the newest entry included, leaves an empty, valid one.
	total, err := s.PruneAllActivity(time.Now().Add(time.Hour))
	if err != nil || total != 399+1+1 { // c's 399 entries and its sign-out, other's creation
		t.Fatalf("PruneAllActivity = %d, %v", total, err)
	}
	for _, id := range []string{c.ID, other.ID} {
		if n, err := s.VerifyActivity(id); err != nil || n != 0 {
			t.Fatalf("emptied history: VerifyActivity = %d, %v", n, err)
		}
		if err := s.Record(id, Event{Kind: KindSignIn, Actor: Actor{Kind: ActorOwner}}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.VerifyActivity(id); err != nil || n != 1 {
			t.Fatalf("emptied history, then one entry: VerifyActivity = %d, %v", n, err)
		}
	}
}

func TestKindsAndActorKinds(t *testing.T) {
	for _, k := range []string{KindAccountCreated, KindSignIn, KindSignInFailed, KindSignOut, KindLanguage, KindPasswordChanged} {
		if !KnownKind(k) {
			t.Errorf("kind %q is not listed in Kinds", k)
		}
	}
	if KnownKind("auth.nope") || KnownActorKind("robot") || !KnownActorKind(ActorStaff) {
		t.Error("KnownKind/KnownActorKind accept what they should not, or refuse what they should")
	}
}
