package store

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dustin/go-humanize"
)

// ErrDiskFull is returned by every write of the domain and sessions stores while the data
// volume has less free space than the guard's floor. The write is refused before Badger
// sees it: Badger writes its memtable and value log through mmap, and a page it cannot
// back on a full disk kills the process with SIGBUS instead of returning an error.
var ErrDiskFull = &Error{Code: "disk_full", MsgKey: "error.disk_full"}

// freshFor is how old a free-space reading may be when a write asks whether it may go on;
// an older one is taken again first. A burst of writes thus costs at most one statfs call
// per freshFor, and a write never trusts a reading older than that.
const freshFor = 100 * time.Millisecond

// DiskGuard watches the free space of the volume that holds the data directory, and says
// "low" while it is under a floor. Both stores ask it before every write; /healthz and
// /metrics report it. A nil *DiskGuard never says low, so stores opened without one (the
// command-line tools, most tests) write as before.
type DiskGuard struct {
	dir    string
	floor  uint64
	log    *slog.Logger
	statfs func(dir string) (free uint64, err error)

	mu   sync.Mutex // serialises readings, so state changes are logged once and in order
	free atomic.Uint64
	low  atomic.Bool
	at   atomic.Int64 // unix nanoseconds of the last reading
}

// NewDiskGuard returns a guard of the volume holding dir that reports low under floor free
// bytes. It takes a first reading at once.
func NewDiskGuard(dir string, floor uint64, log *slog.Logger) *DiskGuard {
	return newDiskGuard(dir, floor, log, freeBytes)
}

func newDiskGuard(dir string, floor uint64, log *slog.Logger, statfs func(string) (uint64, error)) *DiskGuard {
	if log == nil {
		log = slog.Default()
	}
	g := &DiskGuard{dir: dir, floor: floor, log: log, statfs: statfs}
	g.Check()
	return g
}

// freeBytes is the space on dir's volume that an unprivileged writer may still use.
func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}

// Run takes a reading every interval until ctx ends, so the state recovers by itself when
// space is freed, and background readers (/healthz, /metrics) see it change with no write.
func (g *DiskGuard) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.Check()
		}
	}
}

// Check takes a reading now and updates the state. A volume that cannot be read counts as
// low: writing blind is what the guard exists to prevent.
func (g *DiskGuard) Check() {
	g.mu.Lock()
	defer g.mu.Unlock()
	free, err := g.statfs(g.dir)
	low := err != nil || free < g.floor
	g.free.Store(free)
	g.at.Store(time.Now().UnixNano())
	if g.low.Swap(low) == low {
		return
	}
	switch {
	case err != nil:
		g.log.Error("cannot read the free space of the data volume: refusing writes", "dir", g.dir, "err", err)
	case low:
		g.log.Error("data volume low on space: refusing writes until space is freed", "dir", g.dir,
			"free", humanize.IBytes(free), "floor", humanize.IBytes(g.floor))
	default:
		g.log.Info("data volume has space again: accepting writes", "dir", g.dir, "free", humanize.IBytes(free))
	}
}

// Low reports whether writes are refused now.
func (g *DiskGuard) Low() bool { return g != nil && g.low.Load() }

// Free is the free space of the last reading, in bytes.
func (g *DiskGuard) Free() uint64 {
	if g == nil {
		return 0
	}
	return g.free.Load()
}

// Floor is the free space under which writes are refused, in bytes.
func (g *DiskGuard) Floor() uint64 {
	if g == nil {
		return 0
	}
	return g.floor
}

// allowWrite is the check before a write: ErrDiskFull while low, after a fresh reading if
// the last one is stale.
func (g *DiskGuard) allowWrite() error {
	if g == nil {
		return nil
	}
	if time.Since(time.Unix(0, g.at.Load())) > freshFor {
		g.Check()
	}
	if g.low.Load() {
		return ErrDiskFull
	}
	return nil
}

// headroom is what one Badger database may still write after Zona stops sending it writes:
// the rest of the memtable's write-ahead log (mapped at twice the memtable size), every
// memtable flushed to a level-0 table, the rest of the value log file (mapped at twice its
// size), and the largest compaction, which rewrites all of level 0 at its stall count and
// level 1 before deleting the old tables.
func headroom(memTable int64, memTables, l0Stall int, baseLevel, vlogFile int64) uint64 {
	wal := 2 * memTable
	flush := int64(memTables) * memTable
	vlog := 2 * vlogFile
	compaction := int64(l0Stall)*memTable + baseLevel
	return uint64(wal + flush + vlog + compaction)
}

// DefaultMinFreeSpace is the floor sized from the options both stores open with: the
// headroom of the domain store and of the sessions store, plus 16 MiB for the manifests,
// key registries and the rest of the volume's small writers.
func DefaultMinFreeSpace() uint64 {
	d := Options("", slog.Default())
	s := SessionOptions("", slog.Default())
	return headroom(d.MemTableSize, d.NumMemtables, d.NumLevelZeroTablesStall, d.BaseLevelSize, d.ValueLogFileSize) +
		headroom(s.MemTableSize, s.NumMemtables, s.NumLevelZeroTablesStall, s.BaseLevelSize, s.ValueLogFileSize) +
		16<<20
}
