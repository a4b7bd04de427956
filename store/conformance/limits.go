package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"zona/secure"
	"zona/store"
)

var deskEvent = store.Event{Actor: store.Actor{Kind: store.ActorStaff, ID: "s1", Name: "Soporte"}, IP: "203.0.113.7"}

// clientWithPIN stores a client whose security PIN is pin.
func clientWithPIN(t T, s Subject, pin string) *store.Client {
	t.Helper()
	c := mustClient(t, s, "pin@example.mx")
	ctx := context.Background()
	if r, _, err := s.VerifyPIN(ctx, c.ID, pin, deskEvent); err != nil || r != store.PINNotSet {
		t.Fatalf("no PIN yet: %v %v", r, err)
	}
	hash, err := secure.Hash(ctx, pin)
	if err != nil {
		t.Fatalf("hash: %v", err)
	}
	if _, err := s.SetPIN(c.ID, hash, store.Event{Actor: store.Actor{Kind: store.ActorOwner, ID: c.ID}}); err != nil {
		t.Fatalf("SetPIN: %v", err)
	}
	return c
}

func testPINLocks(t T, open Open) {
	s := open(t)
	c := clientWithPIN(t, s, "402917")
	ctx := context.Background()
	if r, _, _ := s.VerifyPIN(ctx, c.ID, "402917", deskEvent); r != store.PINMatch {
		t.Fatalf("right PIN: %v", r)
	}
	for i := range store.MaxPINFailures {
		if r, _, _ := s.VerifyPIN(ctx, c.ID, "000001", deskEvent); r != store.PINNoMatch {
			t.Fatalf("wrong PIN %d: %v", i, r)
		}
	}
	r, wait, err := s.VerifyPIN(ctx, c.ID, "402917", deskEvent)
	if err != nil || r != store.PINLocked || wait <= 0 || wait > store.PINFailureWindow {
		t.Fatalf("after %d failures the right PIN gives %v (wait %v, %v), want locked", store.MaxPINFailures, r, wait, err)
	}
	entries, _, _ := s.ListActivity(c.ID, "", 20)
	counts := map[string]int{}
	for _, e := range entries {
		counts[e.Kind]++
		if e.Kind == store.KindPINMismatched && (e.Actor.Name != "Soporte" || e.IP != "203.0.113.7" || e.Detail["result"] != "no_match") {
			t.Errorf("check recorded as %+v", e)
		}
	}
	if counts[store.KindPINMatched] != 1 || counts[store.KindPINMismatched] != store.MaxPINFailures || counts[store.KindPINLocked] != 1 || counts[store.KindPINChanged] != 1 {
		t.Errorf("history counts %v", counts)
	}
}

// A burst of 50 wrong PINs at once: exactly MaxPINFailures are checked, the others are
// refused as locked, and the history records each.
func testPINConcurrent(t T, open Open) {
	s := open(t)
	c := clientWithPIN(t, s, "402917")
	const burst = 50
	results := make([]store.PINResult, burst)
	errs := make([]error, burst)
	var wg sync.WaitGroup
	for i := range burst {
		wg.Go(func() {
			results[i], _, errs[i] = s.VerifyPIN(context.Background(), c.ID, fmt.Sprintf("%06d", i), deskEvent)
		})
	}
	wg.Wait()
	counts := map[store.PINResult]int{}
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("check %d: %v", i, errs[i])
		}
		counts[r]++
	}
	if counts[store.PINNoMatch] != store.MaxPINFailures || counts[store.PINLocked] != burst-store.MaxPINFailures {
		t.Fatalf("a burst of %d wrong PINs: %v; want exactly %d checked, the rest locked", burst, counts, store.MaxPINFailures)
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 2+burst {
		t.Fatalf("history: %d entries, %v; want %d", n, err, 2+burst)
	}
}

// 50 contacts created at once on an account allowed 10: exactly 10 are made.
func testContactLimitConcurrent(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	const burst, limit = 50, 10
	errs := make([]error, burst)
	var wg sync.WaitGroup
	for i := range burst {
		wg.Go(func() {
			ct := &store.Contact{ClientID: c.ID, FirstName: "Contacto", LastName: fmt.Sprint(i), Email: fmt.Sprintf("c%d@example.mx", i)}
			_, errs[i] = s.CreateContact(ct, limit, nil, sysEvent)
		})
	}
	wg.Wait()
	made := 0
	for i, err := range errs {
		switch {
		case err == nil:
			made++
		case !errors.Is(err, store.ErrTooManyContacts):
			t.Errorf("create %d: %v", i, err)
		}
	}
	if list, _ := s.ListContacts(c.ID); made != limit || len(list) != limit {
		t.Fatalf("%d creates succeeded and %d contacts stored, want exactly %d", made, len(list), limit)
	}
}

// 50 reservations at once against a counter of 5: exactly 5 pass. A reservation over
// several counters counts on none of them when one is full; Forgive gives one back.
func testRateLimitConcurrent(t T, open Open) {
	s := open(t)
	if s.Limits == nil {
		t.Fatal("the Subject has no Limits: rate limits cannot be tested")
	}
	const burst = 50
	limit := store.Attempt{Key: "rl:signin:acct:ana@example.mx", Max: 5, Window: time.Minute}
	passed := make([]bool, burst)
	errs := make([]error, burst)
	var wg sync.WaitGroup
	for i := range burst {
		wg.Go(func() { passed[i], _, errs[i] = s.Limits.Reserve(limit) })
	}
	wg.Wait()
	n := 0
	for i, ok := range passed {
		if errs[i] != nil {
			t.Fatalf("reservation %d: %v", i, errs[i])
		}
		if ok {
			n++
		}
	}
	if n != limit.Max {
		t.Fatalf("%d of %d concurrent reservations passed a limit of %d", n, burst, limit.Max)
	}
	if count, wait, err := s.Limits.Count(limit.Key); err != nil || count != limit.Max || wait <= 0 || wait > limit.Window {
		t.Fatalf("Count: %d, wait %v, %v", count, wait, err)
	}
	ip := store.Attempt{Key: "rl:signin:ip:192.0.2.1", Max: 10, Window: time.Minute}
	if ok, wait, err := s.Limits.Reserve(ip, limit); err != nil || ok || wait <= 0 {
		t.Fatalf("a reservation with one full counter: ok %v wait %v %v", ok, wait, err)
	}
	if count, _, _ := s.Limits.Count(ip.Key); count != 0 {
		t.Fatalf("a refused reservation counted %d on its other counter", count)
	}
	if err := s.Limits.Forgive(limit.Key); err != nil {
		t.Fatalf("Forgive: %v", err)
	}
	if ok, _, err := s.Limits.Reserve(ip, limit); err != nil || !ok {
		t.Fatalf("after one attempt forgiven: ok %v %v", ok, err)
	}
	// Hit counts whatever the count, in a window that starts at the first hit.
	for i := 1; i <= 3; i++ {
		if n, err := s.Limits.Hit("rl:api:ip:192.0.2.1", time.Hour); err != nil || n != i {
			t.Fatalf("hit %d: %d, %v", i, n, err)
		}
	}
	if n, left, err := s.Limits.Count("rl:api:ip:192.0.2.1"); err != nil || n != 3 || left <= 59*time.Minute || left > time.Hour {
		t.Fatalf("count %d, left %v, %v", n, left, err)
	}
	if n, _, err := s.Limits.Count("rl:api:ip:198.51.100.1"); err != nil || n != 0 {
		t.Fatalf("a counter never hit: %d, %v", n, err)
	}
}
