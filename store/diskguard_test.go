package store

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// fakeVolume is a statfs stand-in whose free space (or failure) a test sets.
type fakeVolume struct {
	free atomic.Uint64
	fail atomic.Bool
}

func (v *fakeVolume) statfs(string) (uint64, error) {
	if v.fail.Load() {
		return 0, errors.New("statfs: input/output error")
	}
	return v.free.Load(), nil
}

func newFakeGuard(t *testing.T, free, floor uint64) (*DiskGuard, *fakeVolume) {
	t.Helper()
	v := &fakeVolume{}
	v.free.Store(free)
	return newDiskGuard(t.TempDir(), floor, slog.New(slog.NewTextHandler(io.Discard, nil)), v.statfs), v
}

func TestDiskGuardStates(t *testing.T) {
	const floor = 100 << 20
	g, v := newFakeGuard(t, 1<<30, floor)
	if g.Low() || g.allowWrite() != nil || g.Free() != 1<<30 || g.Floor() != floor {
		t.Fatalf("plenty of space: low %v, allow %v, free %d, floor %d", g.Low(), g.allowWrite(), g.Free(), g.Floor())
	}
	steps := []struct {
		name string
		free uint64
		fail bool
		low  bool
	}{
		{"one byte under the floor", floor - 1, false, true},
		{"exactly the floor", floor, false, false},
		{"empty volume", 0, false, true},
		{"space freed", 2 * floor, false, false},
		{"unreadable volume", 1 << 30, true, true},
		{"readable again", 1 << 30, false, false},
	}
	for _, s := range steps {
		v.free.Store(s.free)
		v.fail.Store(s.fail)
		g.Check()
		if g.Low() != s.low {
			t.Errorf("%s: low = %v, want %v", s.name, g.Low(), s.low)
		}
		if err := g.allowWrite(); (err != nil) != s.low || (err != nil && !errors.Is(err, ErrDiskFull)) {
			t.Errorf("%s: allowWrite = %v", s.name, err)
		}
	}
}

// A write takes a fresh reading when the last one is stale: the disk filled since the
// last poll is noticed by the next write, not a second later.
func TestDiskGuardWriteTakesFreshReading(t *testing.T) {
	g, v := newFakeGuard(t, 1<<30, 1<<20)
	v.free.Store(0)
	g.at.Store(time.Now().Add(-time.Second).UnixNano())
	if err := g.allowWrite(); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("write after the disk filled: %v, want ErrDiskFull", err)
	}
}

// The watcher flips back by itself when space returns, with no write asking.
func TestDiskGuardRecoversByItself(t *testing.T) {
	g, v := newFakeGuard(t, 0, 1<<20)
	if !g.Low() {
		t.Fatal("an empty volume is not low")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go g.Run(ctx, 5*time.Millisecond)
	v.free.Store(1 << 30)
	deadline := time.Now().Add(2 * time.Second)
	for g.Low() {
		if time.Now().After(deadline) {
			t.Fatal("the guard did not recover after space was freed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNilDiskGuardNeverLow(t *testing.T) {
	var g *DiskGuard
	if g.Low() || g.allowWrite() != nil || g.Free() != 0 || g.Floor() != 0 {
		t.Fatal("a nil guard refuses writes")
	}
}

// Both stores refuse writes while low, before Badger sees them (nothing is stored), keep
// answering reads, and write again once space returns.
func TestStoresRefuseWritesWhileLow(t *testing.T) {
	st, dir := mustOpen(t)
	kv, err := OpenSessions(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	known := mustClient(t, st, "antes@example.mx")
	if err := kv.Set("k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}

	g, v := newFakeGuard(t, 0, 1<<20)
	st.GuardDisk(g)
	kv.GuardDisk(g)
	if st.Disk() != g {
		t.Fatal("the store does not report its guard")
	}
	c := &Client{Email: "durante@example.mx", FirstName: "Eva", LastName: "Ruiz", PasswordHash: "x"}
	if err := st.CreateClient(c, sysEvent); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("CreateClient while low: %v, want ErrDiskFull", err)
	}
	if _, err := st.ClientByEmail("durante@example.mx"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused client was stored: %v", err)
	}
	if err := kv.Set("k", []byte("nuevo"), time.Hour); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("Sessions.Set while low: %v, want ErrDiskFull", err)
	}
	if n, err := kv.Hit("rl:x", time.Minute); !errors.Is(err, ErrDiskFull) || n != 0 {
		t.Fatalf("Sessions.Hit while low: %d, %v", n, err)
	}
	if n, _, _ := kv.Count("rl:x"); n != 0 {
		t.Fatalf("a refused hit was counted: %d", n)
	}
	if got, err := kv.Get("k"); err != nil || string(got) != "v" {
		t.Fatalf("Sessions.Get while low: %q, %v", got, err)
	}
	if got, err := st.ClientByID(known.ID); err != nil || got.Email != known.Email {
		t.Fatalf("ClientByID while low: %v", err)
	}

	v.free.Store(1 << 30)
	g.Check()
	if err := st.CreateClient(c, sysEvent); err != nil {
		t.Fatalf("CreateClient after space returned: %v", err)
	}
	if err := kv.Set("k", []byte("nuevo"), time.Hour); err != nil {
		t.Fatalf("Sessions.Set after space returned: %v", err)
	}
}

// The default floor covers what both stores may still write once writes stop, computed
// from their options; changing an option changes the floor.
func TestDefaultMinFreeSpaceFromOptions(t *testing.T) {
	const mib = 1 << 20
	// Domain: WAL 2×8 + flush 2×8 + vlog 2×64 + compaction 8×8+8 = 232 MiB; sessions:
	// 2×4 + 2×4 + 2×32 + 8×4+4 = 116 MiB; plus 16 MiB.
	if got, want := DefaultMinFreeSpace(), uint64(364*mib); got != want {
		t.Fatalf("DefaultMinFreeSpace = %d MiB, want %d MiB", got/mib, want/mib)
	}
	if a, b := headroom(8*mib, 2, 8, 8*mib, 64*mib), headroom(8*mib, 2, 8, 8*mib, 128*mib); b-a != 128*mib {
		t.Fatalf("a value log twice as large adds %d MiB of headroom, want 128", (b-a)/mib)
	}
}
