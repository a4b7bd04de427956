package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	badger3 "github.com/dgraph-io/badger/v3"
	fiberbadger "github.com/gofiber/storage/badger/v2"
)

// Sessions is the store behind Fiber's session, CSRF and rate-limit middleware: a Badger v3
// database at <data>/sessions, through Fiber's storage adapter. Its keys expire by TTL.
type Sessions struct {
	*fiberbadger.Storage
	disk *DiskGuard
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

// GuardDisk makes every later Set and Hit ask g first, refused with ErrDiskFull while the
// data volume is low on space. Deletes go through: each is a tombstone of a few bytes that
// the guard's floor covers, and refusing one would keep alive a session that has to end.
// Call it before the store is shared.
func (s *Sessions) GuardDisk(g *DiskGuard) { s.disk = g }

// Set stores val under key for exp (forever when zero), unless the data volume is low on
// space (ErrDiskFull). Fiber's session, CSRF and limiter middleware write through it.
func (s *Sessions) Set(key string, val []byte, exp time.Duration) error {
	if err := s.disk.allowWrite(); err != nil {
		return err
	}
	return s.Storage.Set(key, val, exp)
}

// Hit adds one to the counter at key and returns its new value. A counter lives for window
// from its first hit and then starts again from zero.
//
// While the data volume is low on space it returns ErrDiskFull and counts nothing: an
// attempt that cannot be counted is not made.
func (s *Sessions) Hit(key string, window time.Duration) (int, error) {
	if err := s.disk.allowWrite(); err != nil {
		return 0, err
	}
	var n uint32
	for range 8 {
		err := s.Conn().Update(func(txn *badger3.Txn) error {
			n = 0
			ttl := window
			item, err := txn.Get([]byte(key))
			switch {
			case err == nil:
				if err := item.Value(func(b []byte) error {
					if len(b) == 4 {
						n = binary.BigEndian.Uint32(b)
					}
					return nil
				}); err != nil {
					return err
				}
				if exp := item.ExpiresAt(); exp > 0 {
					ttl = time.Until(time.Unix(int64(exp), 0))
				}
			case !errors.Is(err, badger3.ErrKeyNotFound):
				return err
			}
			n++
			if ttl <= 0 {
				n, ttl = 1, window
			}
			return txn.SetEntry(badger3.NewEntry([]byte(key), binary.BigEndian.AppendUint32(nil, n)).WithTTL(ttl))
		})
		if !errors.Is(err, badger3.ErrConflict) {
			return int(n), err
		}
	}
	return 0, ErrConflict
}

// Count returns the counter at key and how long until it resets.
func (s *Sessions) Count(key string) (int, time.Duration, error) {
	var n uint32
	var left time.Duration
	err := s.Conn().View(func(txn *badger3.Txn) error {
		item, err := txn.Get([]byte(key))
		if errors.Is(err, badger3.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if exp := item.ExpiresAt(); exp > 0 {
			left = time.Until(time.Unix(int64(exp), 0))
		}
		return item.Value(func(b []byte) error {
			if len(b) == 4 {
				n = binary.BigEndian.Uint32(b)
			}
			return nil
		})
	})
	return int(n), left, err
}
