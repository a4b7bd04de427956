package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

// SchemaVersion is the version of the key layout and records this release writes.
const SchemaVersion uint32 = 4

// migrations[v] upgrades data from schema v to v+1. Open runs every step between the stored
// version and SchemaVersion and records the new version once a step has finished. A step
// writes in as many transactions as it needs (one transaction holds only about a megabyte
// of writes here), so it must be safe to run again after a process died halfway through.
var migrations = map[uint32]func(s *Store) error{1: redactArchivedLinks, 2: consoleIndexes, 3: sealHistories}

// Store is Zona's domain database.
type Store struct {
	db  *badger.DB
	log *slog.Logger
	// clients and entries skip decoding records whose bytes did not change since the last
	// read: the dashboard reads the same client and newest entries on every request.
	clients *decodeCache[Client]
	entries *decodeCache[Entry]
	// recent keeps the dashboard's newest entries of each history (RecentActivity).
	recent *recentCache
	// writing makes read-write transactions take turns (update).
	writing sync.Mutex
	// disk refuses writes while the data volume is low on space (nil: never).
	disk *DiskGuard
}

// Options returns the Badger options Zona uses for its domain database in dir: writes are
// synced to disk before they are acknowledged, and the memory budget suits a small VPS
// (a few MB of tables in memory instead of Badger's default of several hundred).
func Options(dir string, log *slog.Logger) badger.Options {
	return badger.DefaultOptions(dir).
		WithSyncWrites(true).
		WithLogger(badgerLogger{log}).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(2 << 20).
		WithBaseLevelSize(8 << 20).
		WithValueLogFileSize(64 << 20).
		WithValueThreshold(ValueThreshold).
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(4 << 20).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithMetricsEnabled(false)
}

// ValueThreshold is the size from which a value is kept in Badger's value log, the LSM tree
// holding only its key and a pointer: attachments and long bodies stay out of the tree,
// whose compactions then rewrite small records only, and a message's write transaction
// stays far below Badger's batch limit whatever its attachments weigh (README "Storage").
const ValueThreshold = 16 << 10

// Open opens (creating when needed) the domain database under dataDir/db and brings its
// schema up to date.
func Open(dataDir string, log *slog.Logger) (*Store, error) {
	return open(dataDir, log, true)
}

// OpenForLoad is Open for filling a store in bulk (scripts/capacity, an import): writes
// are not synced to disk one by one, which makes a transaction tens of times cheaper,
// and a crash before Close may lose the last of them, so a load interrupted that way is
// started again in an empty directory. Close writes everything to disk; serve the data
// with a store from Open.
func OpenForLoad(dataDir string, log *slog.Logger) (*Store, error) {
	return open(dataDir, log, false)
}

func open(dataDir string, log *slog.Logger, sync bool) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	db, err := badger.Open(Options(filepath.Join(dataDir, "db"), log).WithSyncWrites(sync))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dataDir, err)
	}
	s := &Store{db: db, log: log, clients: newDecodeCache[Client](4096), entries: newDecodeCache[Entry](16384),
		recent: newRecentCache(4096)}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.finishClosings(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: finish closing accounts: %w", err)
	}
	return s, nil
}

// GuardDisk makes every later write ask g first, refused with ErrDiskFull while the data
// volume is low on space. Call it before the store is shared.
func (s *Store) GuardDisk(g *DiskGuard) { s.disk = g }

// Disk is the store's free-space guard (nil when it has none).
func (s *Store) Disk() *DiskGuard { return s.disk }

// Close flushes and closes the database.
func (s *Store) Close() error { return s.db.Close() }

var keySchema = []byte("meta/schema")

func (s *Store) schemaVersion() (uint32, error) {
	var v uint32
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(keySchema)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error {
			if len(b) != 4 {
				return fmt.Errorf("store: bad schema version %x", b)
			}
			v = binary.BigEndian.Uint32(b)
			return nil
		})
	})
	return v, err
}

func (s *Store) migrate() error {
	v, err := s.schemaVersion()
	if err != nil {
		return err
	}
	if v > SchemaVersion {
		return fmt.Errorf("store: this data is in format %d, written by a newer Zona; this release reads up to format %d and will not touch it: run the newer release, or restore a backup this release made into an empty data dir", v, SchemaVersion)
	}
	if v == 0 {
		return s.setSchema(SchemaVersion, nil)
	}
	for ; v < SchemaVersion; v++ {
		step, ok := migrations[v]
		if !ok {
			return fmt.Errorf("store: no migration from schema %d", v)
		}
		if err := s.setSchema(v+1, step); err != nil {
			return fmt.Errorf("store: migrate %d→%d: %w", v, v+1, err)
		}
		s.log.Info("store migrated", "schema", v+1)
	}
	return nil
}

func (s *Store) setSchema(v uint32, step func(*Store) error) error {
	if step != nil {
		if err := step(s); err != nil {
			return err
		}
	}
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(keySchema, binary.BigEndian.AppendUint32(nil, v))
	})
}

// update runs fn in a read-write transaction, one at a time. Zona is the only process on
// its store, so taking turns here means two writers never meet in Badger's conflict
// detection: a burst of writes to one client's history, or of PIN checks, queues instead of
// failing, and a check-then-count inside fn (a limit) is atomic. A revision check inside fn
// still reports ErrConflict where a person's edit really collided with another.
//
// While the data volume is low on space it returns ErrDiskFull without starting a transaction.
func (s *Store) update(fn func(txn *badger.Txn) error) error {
	if err := s.disk.allowWrite(); err != nil {
		return err
	}
	s.writing.Lock()
	defer s.writing.Unlock()
	err := s.db.Update(fn)
	if errors.Is(err, badger.ErrConflict) {
		return ErrConflict
	}
	return err
}

func get(txn *badger.Txn, key string, v any) error {
	item, err := txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return item.Value(func(b []byte) error { return decode(b, v) })
}

func put(txn *badger.Txn, key string, v any) error {
	b, err := encode(v)
	if err != nil {
		return err
	}
	return txn.Set([]byte(key), b)
}

func getRaw(txn *badger.Txn, key string) ([]byte, error) {
	item, err := txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

// badgerLogger sends Badger's chatter to slog; its info lines are debug level here.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) Errorf(f string, a ...any)   { l.log.Error(fmt.Sprintf(f, a...), "db", "badger") }
func (l badgerLogger) Warningf(f string, a ...any) { l.log.Warn(fmt.Sprintf(f, a...), "db", "badger") }
func (l badgerLogger) Infof(f string, a ...any)    { l.log.Debug(fmt.Sprintf(f, a...), "db", "badger") }
func (l badgerLogger) Debugf(f string, a ...any)   { l.log.Debug(fmt.Sprintf(f, a...), "db", "badger") }
