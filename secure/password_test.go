package secure

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

// An unknown email's check works even when the first one happens during a flood that
// leaves no hashing slot free: nothing about it is computed once and kept.
func TestVerifyNothingSurvivesABusyStart(t *testing.T) {
	SetConcurrency(1)
	defer SetConcurrency(runtime.GOMAXPROCS(0))
	release, err := acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	if err := VerifyNothing(ctx, "x"); !errors.Is(err, ErrBusy) {
		t.Fatalf("with no free slot: %v, want ErrBusy", err)
	}
	cancel()
	release()
	if err := VerifyNothing(context.Background(), "x"); err != nil {
		t.Fatalf("after the flood: %v", err)
	}
}
