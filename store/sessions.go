package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	badger3 "github.com/dgraph-io/badger/v3"
	fiberbadger "github.com/gofiber/storage/badger/v2"
)

// Sessions is the store behind Fiber's session, CSRF and rate-limit middleware: a Badger v3
// database at <data>/sessions, through Fiber's storage adapter. Its keys expire by TTL.
type Sessions struct {
	*fiberbadger.Storage
	// counting serialises the rate-limit counters' read-modify-write transactions: Zona is
	// the one process on this store, so the lock makes a burst of attempts count one after
	// another instead of failing on Badger's conflict detection.
	counting sync.Mutex
	disk     *DiskGuard
}

// SessionOptions returns the Badger v3 options for the sessions store in dir: sized like the
// domain store for a small VPS. Sessions are not synced on every write: after a crash a
// person may have to sign in again, which is an acceptable price for not paying an fsync on
// every session save.
func SessionOptions(dir string, log *slog.Logger) badger3.Options {
	return badger3.DefaultOptions(dir).
		WithLogger(badgerLogger{log}).
		WithMemTableSize(4 << 20).
		WithValueThreshold(64 << 10).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(1 << 20).
		WithBaseLevelSize(4 << 20).
		WithValueLogFileSize(32 << 20).
		WithBlockCacheSize(4 << 20).
		WithIndexCacheSize(2 << 20).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithMetricsEnabled(false)
}

// OpenSessions opens the sessions store under dataDir/sessions. The adapter panics when
// Badger cannot open (for example when another process holds the directory); that becomes an
// error here.
func OpenSessions(dataDir string, log *slog.Logger) (s *Sessions, err error) {
	if log == nil {
		log = slog.Default()
	}
	dir := filepath.Join(dataDir, "sessions")
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: open sessions %s: %v", dir, r)
		}
	}()
	st := fiberbadger.New(fiberbadger.Config{
		Database:      dir,
		GCInterval:    time.Minute,
		BadgerOptions: SessionOptions(dir, log),
	})
	return &Sessions{Storage: st}, nil
}

// GuardDisk makes every later Set and counter write ask g first, refused with ErrDiskFull
// while the data volume is low on space. Deletes go through: each is a tombstone of a few
// bytes that the guard's floor covers, and refusing one would keep alive a session that
// has to end. Call it before the store is shared.
func (s *Sessions) GuardDisk(g *DiskGuard) { s.disk = g }

// Set stores val under key for exp (forever when zero), unless the data volume is low on
// space (ErrDiskFull). Sessions write through it.
func (s *Sessions) Set(key string, val []byte, exp time.Duration) error {
	if err := s.disk.allowWrite(); err != nil {
		return err
	}
	return s.Storage.Set(key, val, exp)
}

// Attempt is one rate-limit counter that an action counts against: at most Max attempts
// at Key within Window from the first one. The keys are listed in doc.go.
type Attempt struct {
	Key    string
	Max    int
	Window time.Duration
}

// Reserve counts one attempt against every counter in one transaction, unless one of them
// has already reached its maximum: then it counts none and reports false, with the time
// until that counter resets. A limited check (a password, a PIN, a link) reserves its
// attempt before the slow work it guards, so a burst of concurrent guesses gets at most
// Max of them checked.
//
// While the data volume is low on space it returns ErrDiskFull and counts nothing: an
// attempt that cannot be counted is not made.
func (s *Sessions) Reserve(attempts ...Attempt) (ok bool, wait time.Duration, err error) {
	if err := s.disk.allowWrite(); err != nil {
		return false, 0, err
	}
	s.counting.Lock()
	defer s.counting.Unlock()
	err = s.Conn().Update(func(txn *badger3.Txn) error {
		counts := make([]counter, len(attempts))
		for i, a := range attempts {
			c, err := readCounter(txn, a.Key)
			if err != nil {
				return err
			}
			if c.n >= a.Max {
				wait = c.left
				return nil
			}
			counts[i] = c
		}
		ok = true
		for i, a := range attempts {
			if err := writeCounter(txn, a.Key, counts[i], a.Window); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, 0, err
	}
	return ok, wait, nil
}

// Forgive takes back one attempt counted at key: a reserved attempt that turned out
// right does not count against a shared limit (an office's address, for example).
func (s *Sessions) Forgive(key string) error {
	s.counting.Lock()
	defer s.counting.Unlock()
	return s.Conn().Update(func(txn *badger3.Txn) error {
		c, err := readCounter(txn, key)
		if err != nil || c.n == 0 {
			return err
		}
		if c.n == 1 {
			return txn.Delete([]byte(key))
		}
		return txn.SetEntry(badger3.NewEntry([]byte(key), binary.BigEndian.AppendUint32(nil, uint32(c.n-1))).WithTTL(c.left))
	})
}

// counter is a rate-limit counter as stored: its count and the time until it resets.
type counter struct {
	n    int
	left time.Duration
}

func readCounter(txn *badger3.Txn, key string) (counter, error) {
	item, err := txn.Get([]byte(key))
	if errors.Is(err, badger3.ErrKeyNotFound) {
		return counter{}, nil
	}
	if err != nil {
		return counter{}, err
	}
	var c counter
	if exp := item.ExpiresAt(); exp > 0 {
		c.left = time.Until(time.Unix(int64(exp), 0))
		if c.left <= 0 {
			return counter{}, nil
		}
	}
	err = item.Value(func(b []byte) error {
		if len(b) == 4 {
			c.n = int(binary.BigEndian.Uint32(b))
		}
		return nil
	})
	return c, err
}

// writeCounter stores c plus one; a counter that was not running starts its window now.
func writeCounter(txn *badger3.Txn, key string, c counter, window time.Duration) error {
	ttl := c.left
	if c.n == 0 || ttl <= 0 {
		c.n, ttl = 0, window
	}
	return txn.SetEntry(badger3.NewEntry([]byte(key), binary.BigEndian.AppendUint32(nil, uint32(c.n+1))).WithTTL(ttl))
}

// Hit counts one attempt at key whatever the count, and returns the new count. A counter
// lives for window from its first hit and then starts again from zero.
func (s *Sessions) Hit(key string, window time.Duration) (int, error) {
	if err := s.disk.allowWrite(); err != nil {
		return 0, err
	}
	s.counting.Lock()
	defer s.counting.Unlock()
	var n int
	err := s.Conn().Update(func(txn *badger3.Txn) error {
		c, err := readCounter(txn, key)
		if err != nil {
			return err
		}
		n = c.n + 1
		return writeCounter(txn, key, c, window)
	})
	return n, err
}

// Count returns the counter at key and how long until it resets.
func (s *Sessions) Count(key string) (int, time.Duration, error) {
	var c counter
	err := s.Conn().View(func(txn *badger3.Txn) error {
		var err error
		c, err = readCounter(txn, key)
		return err
	})
	return c.n, c.left, err
}
