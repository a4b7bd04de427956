package store

import (
	"context"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"zona/secure"
)

// Failures older than PINFailureWindow no longer count: a locked PIN opens again by itself.
// (The lock itself, and its history, are the conformance suite's PINLocksAfterFiveFailures.)
func TestPINFailuresLeaveTheWindow(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "pin@example.mx")
	ctx := context.Background()
	ev := Event{Actor: Actor{Kind: ActorStaff, ID: "s1", Name: "Soporte"}, IP: "203.0.113.7"}
	hash, err := secure.Hash(ctx, "402917")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetPIN(c.ID, hash, Event{Actor: Actor{Kind: ActorOwner, ID: c.ID}}); err != nil {
		t.Fatal(err)
	}
	for range MaxPINFailures {
		s.VerifyPIN(ctx, c.ID, "000001", ev)
	}
	if r, _, _ := s.VerifyPIN(ctx, c.ID, "402917", ev); r != PINLocked {
		t.Fatalf("after %d failures the right PIN gives %v, want locked", MaxPINFailures, r)
	}
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
