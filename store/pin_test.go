package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"zona/secure"
)

func TestVerifyPINLocksAfterFiveFailures(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "pin@example.mx")
	ctx := context.Background()
	ev := Event{Actor: Actor{Kind: ActorStaff, ID: "s1", Name: "Soporte"}, IP: "203.0.113.7"}
	if r, _, err := s.VerifyPIN(ctx, c.ID, "402917", ev); err != nil || r != PINNotSet {
		t.Fatalf("no PIN yet: %v %v", r, err)
	}
	hash, err := secure.Hash(ctx, "402917")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetPIN(c.ID, hash, Event{Actor: Actor{Kind: ActorOwner, ID: c.ID}}); err != nil {
		t.Fatal(err)
	}
	if r, _, _ := s.VerifyPIN(ctx, c.ID, "402917", ev); r != PINMatch {
		t.Fatalf("right PIN: %v", r)
	}
	for i := range MaxPINFailures {
		if r, _, _ := s.VerifyPIN(ctx, c.ID, "000001", ev); r != PINNoMatch {
			t.Fatalf("wrong PIN %d: %v", i, r)
		}
	}
	r, wait, err := s.VerifyPIN(ctx, c.ID, "402917", ev)
	if err != nil || r != PINLocked || wait <= 0 || wait > PINFailureWindow {
		t.Fatalf("after %d failures the right PIN gives %v (wait %v, %v), want locked", MaxPINFailures, r, wait, err)
	}
	entries, _, _ := s.ListActivity(c.ID, "", 20)
	counts := map[string]int{}
	for _, e := range entries {
		counts[e.Kind]++
		if e.Kind == KindPINMismatched && (e.Actor.Name != "Soporte" || e.IP != "203.0.113.7" || e.Detail["result"] != "no_match") {
			t.Errorf("check recorded as %+v", e)
		}
	}
	if counts[KindPINMatched] != 1 || counts[KindPINMismatched] != MaxPINFailures || counts[KindPINLocked] != 1 || counts[KindPINChanged] != 1 {
		t.Errorf("history counts %v", counts)
	}
	// Old failures leave the window.
	err = s.update(func(txn *badger.Txn) error {
		old := time.Now().Add(-PINFailureWindow - time.Minute)
		return put(txn, pinFailKey(c.ID), &pinFailures{At: []time.Time{old, old, old, old, old}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, _, _ := s.VerifyPIN(ctx, c.ID, "402917", ev); r != PINMatch {
		t.Errorf("after the window the right PIN gives %v", r)
	}
}

func TestEmailChangeByLinkOnly(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "old@example.mx")
	mustClient(t, s, "taken@example.mx")
	ev := Event{Kind: KindEmailChangeRequested, Actor: Actor{Kind: ActorOwner, ID: c.ID}}
	if err := s.RequestEmailChange(c.ID, "taken@example.mx", secure.TokenHash("t0"), time.Hour, ev); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("taken address: %v", err)
	}
	if err := s.RequestEmailChange(c.ID, "new@example.mx", secure.TokenHash("t1"), time.Hour, ev); err != nil {
		t.Fatal(err)
	}
	if err := s.RequestEmailChange(c.ID, "newer@example.mx", secure.TokenHash("t2"), time.Hour, ev); err != nil {
		t.Fatal(err)
	}
	if p, err := s.PendingEmailChange(c.ID); err != nil || p.NewEmail != "newer@example.mx" {
		t.Fatalf("pending %+v %v", p, err)
	}
	if got, _ := s.ClientByID(c.ID); got.Email != "old@example.mx" {
		t.Fatal("the email changed before the link was followed")
	}
	if _, err := s.ConfirmEmailChange(secure.TokenHash("t1"), Event{Actor: Actor{Kind: ActorOwner}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a replaced link still works: %v", err)
	}
	got, err := s.ConfirmEmailChange(secure.TokenHash("t2"), Event{Actor: Actor{Kind: ActorOwner}})
	if err != nil || got.Email != "newer@example.mx" {
		t.Fatalf("confirm: %+v %v", got, err)
	}
	if _, err := s.ClientByEmail("old@example.mx"); !errors.Is(err, ErrNotFound) {
		t.Error("the old address still signs in")
	}
	if _, err := s.ClientByEmail("NEWER@example.mx"); err != nil {
		t.Error("the new address does not sign in")
	}
	if _, err := s.ConfirmEmailChange(secure.TokenHash("t2"), Event{Actor: Actor{Kind: ActorOwner}}); !errors.Is(err, ErrNotFound) {
		t.Error("the link works twice")
	}
	if _, err := s.PendingEmailChange(c.ID); !errors.Is(err, ErrNotFound) {
		t.Error("still pending after confirmation")
	}
}
