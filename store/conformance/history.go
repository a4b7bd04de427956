package conformance

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"zona/store"
)

func entryIDs(es []store.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func testActivityPages(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	other := mustClient(t, s, "otro@example.mx")
	for i := range 25 {
		if err := s.Record(c.ID, store.Event{Kind: store.KindSignIn, IP: fmt.Sprint("10.0.0.", i)}); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	var all []store.Entry
	before := ""
	for pages := 0; ; pages++ {
		page, next, err := s.ListActivity(c.ID, before, 10)
		if err != nil {
			t.Fatalf("ListActivity: %v", err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		before = next
	}
	if len(all) != 26 {
		t.Fatalf("%d entries over the pages, want 26", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Fatalf("entry %d not older than the one before", i)
		}
		if all[i].ClientID != c.ID {
			t.Fatal("another client's entry in the list")
		}
	}
	if all[0].IP != "10.0.0.24" || all[len(all)-1].Kind != store.KindAccountCreated {
		t.Fatalf("order: first %+v last %+v", all[0], all[len(all)-1])
	}
	// A cursor from another client's history shows nothing of it.
	page, _, err := s.ListActivity(other.ID, all[5].ID, 10)
	if err != nil || len(page) != 1 || page[0].ClientID != other.ID {
		t.Fatalf("other client with a foreign cursor: %v %v", page, err)
	}
}

func testQueryActivityStays(t T, open Open) {
	s := open(t)
	ana := mustClient(t, s, "ana@example.mx")
	beto := mustClient(t, s, "beto@example.mx")
	for i := range 5 {
		if err := s.Record(beto.ID, store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorOwner, Name: "Beto"}, IP: fmt.Sprint("192.0.2.", i)}); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	if err := s.Record(ana.ID, store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorOwner, Name: "Ana"}}); err != nil {
		t.Fatalf("Record: %v", err)
	}
	betoPage, err := s.QueryActivity(beto.ID, store.ActivityQuery{Limit: 10})
	if err != nil || len(betoPage.Entries) != 6 {
		t.Fatalf("beto's history: %d entries, %v", len(betoPage.Entries), err)
	}
	// Every cursor taken from Beto's history, used in Ana's, lists Ana's entries only.
	for _, e := range append(betoPage.Entries, store.Entry{ID: store.NewID()}) {
		page, err := s.QueryActivity(ana.ID, store.ActivityQuery{Before: e.ID, Limit: 10})
		if err != nil {
			t.Fatalf("QueryActivity: %v", err)
		}
		for _, got := range page.Entries {
			if got.ClientID != ana.ID {
				t.Fatalf("cursor %s: an entry of client %s in Ana's history", e.ID, got.ClientID)
			}
		}
	}
	for _, bad := range []string{"x", "../" + beto.ID, beto.ID + "/", "01ARZ3NDEKTSV4RRFFQ69G5FA"} {
		if _, err := s.QueryActivity(ana.ID, store.ActivityQuery{Before: bad, Limit: 10}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("cursor %q: err %v, want ErrBadCursor", bad, err)
		}
	}
	if _, err := s.QueryActivity("../"+ana.ID, store.ActivityQuery{Limit: 10}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a client ID that is not an ID: err %v, want ErrNotFound", err)
	}
}

// The dashboard's newest entries are always what a fresh list says: after appends, and
// after retention removed them all.
func testRecentNeverStale(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	check := func(when string) {
		t.Helper()
		for range 2 { // an implementation may answer the second from memory
			got, err := s.RecentActivity(c.ID, 5)
			if err != nil {
				t.Fatalf("RecentActivity: %v", err)
			}
			want, _, err := s.ListActivity(c.ID, "", 5)
			if err != nil {
				t.Fatalf("ListActivity: %v", err)
			}
			if !slices.Equal(entryIDs(got), entryIDs(want)) {
				t.Fatalf("%s: recent %v, list %v", when, entryIDs(got), entryIDs(want))
			}
		}
	}
	check("new account")
	for i := range 7 {
		if err := s.Record(c.ID, store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
			t.Fatalf("Record: %v", err)
		}
		check(fmt.Sprint("after append ", i+1))
	}
	if n, err := s.PruneAllActivity(time.Now().Add(time.Hour)); err != nil || n != 8 {
		t.Fatalf("PruneAllActivity: %d, %v; want 8", n, err)
	}
	check("after pruning everything")
	if got, _ := s.RecentActivity(c.ID, 5); len(got) != 0 {
		t.Fatalf("%d entries shown after pruning everything", len(got))
	}
	// The chain goes on from what retention removed.
	if err := s.Record(c.ID, store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatalf("Record: %v", err)
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 1 {
		t.Fatalf("after pruning and one more entry: %d, %v", n, err)
	}
}

// Writers racing on one client's history leave one unbroken chain holding every entry.
func testChainConcurrent(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	const writers, each = 8, 25
	errs := make(chan error, writers*each)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				errs <- s.Record(c.ID, store.Event{Kind: store.KindSignIn, IP: fmt.Sprintf("10.0.%d.%d", w, i)})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	n, err := s.VerifyActivity(c.ID)
	if err != nil || n != writers*each+1 {
		t.Fatalf("VerifyActivity: %d, %v; want %d entries in one chain", n, err, writers*each+1)
	}
	page, _, err := s.ListActivity(c.ID, "", writers*each+10)
	if err != nil || len(page) != writers*each+1 {
		t.Fatalf("ListActivity: %d, %v", len(page), err)
	}
	seen := map[string]bool{}
	for _, e := range page {
		seen[e.IP] = true
	}
	if len(seen) != writers*each+1 { // the creation's entry has no IP
		t.Fatalf("%d distinct entries, want %d", len(seen), writers*each+1)
	}
}

// An entry changed behind the store's back breaks the chain where it was changed, and
// VerifyActivity names it; so does an entry cut from the one before it.
func testTampering(t T, open Open) {
	s := open(t)
	if s.Tamper == nil {
		t.Fatal("the Subject has no Tamper: tampering cannot be tested")
	}
	c := mustClient(t, s, "ana@example.mx")
	for range 5 {
		if err := s.Record(c.ID, store.Event{Kind: store.KindSignIn, IP: "192.0.2.1"}); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 6 {
		t.Fatalf("clean chain: %d, %v", n, err)
	}
	entries, _, _ := s.ListActivity(c.ID, "", 10)
	victim := entries[2]
	if err := s.Tamper(c.ID, victim.ID, func(e *store.Entry) { e.IP = "203.0.113.9" }); err != nil {
		t.Fatalf("Tamper: %v", err)
	}
	_, err := s.VerifyActivity(c.ID)
	var ce *store.ChainError
	if !errors.As(err, &ce) || ce.EntryID != victim.ID {
		t.Fatalf("tampered entry %s: got %v", victim.ID, err)
	}
	other := mustClient(t, s, "beto@example.mx")
	for range 3 {
		if err := s.Record(other.ID, store.Event{Kind: store.KindSignIn, IP: "192.0.2.2"}); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	entries, _, _ = s.ListActivity(other.ID, "", 10)
	if err := s.Tamper(other.ID, entries[2].ID, func(e *store.Entry) { e.Prev = "" }); err != nil {
		t.Fatalf("Tamper: %v", err)
	}
	if _, err := s.VerifyActivity(other.ID); !errors.As(err, &ce) {
		t.Fatalf("an entry cut from its predecessor: got %v", err)
	}
}
