// Command capacity measures what one Zona node holds: it fills a data directory through
// the store's own API with a small hosting company (at -scale 1: 50,000 clients with three
// contacts each, 1,000,000 archived payment notes, 5,000,000 history entries), then reports
// bytes on disk per client, per message and per history entry (after Badger's compaction
// and value-log GC), the memory of `zona serve` on that data idle and under load, the
// latency of the pages that grow with the data, and the time and size of `zona backup` and
// `zona restore`, as a markdown table:
//
//	go run ./scripts/capacity -data /var/tmp/cap -scale 0.01                    # a quick run
//	nohup go run ./scripts/capacity -data /var/tmp/cap -scale 1 -max-duration 3h -max-disk 90GB >cap.log 2>&1 &
//	go run ./scripts/capacity -data /var/tmp/cap -measure   # serve and measure that data again
//
// The data directory must be empty or absent (but with -measure). The run is bounded: the fill stops at 60% of
// -max-duration, or when the data directory passes a third of -max-disk (the backup and the
// restored copy take about as much again each), and the report then says how far it got;
// every figure is measured on what was written. The fill opens the store with
// store.OpenForLoad (writes not synced one by one), which is how a bulk load runs; the
// server then opens it as always.
//
// Sizes per record are the growth of the directory during the phase that wrote them, after
// compaction: a client's includes its three contacts, their sign-in and search index entries
// and their history entries; a message's its body, its attachment (one in ten), its
// delivery record and its history entry.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dustin/go-humanize"

	"zona/secure"
	"zona/store"
)

func main() {
	data := flag.String("data", "", "data directory to fill (empty or absent; required)")
	scale := flag.Float64("scale", 1, "fraction of the full host to write (0.01 for a quick run)")
	maxDuration := flag.Duration("max-duration", 2*time.Hour, "time bound: the fill stops at 60% of it (measuring, backup and restore then take what their size needs)")
	maxDisk := flag.String("max-disk", "40GB", "bound on disk: the fill stops when the data directory passes a third of it")
	zona := flag.String("zona", "", "zona binary to serve with (default: built from this module)")
	requests := flag.Int("n", 200, "requests per measured page (sequential, one connection)")
	loadFor := flag.Duration("load", 20*time.Second, "duration of the concurrent load for the RSS under load")
	workers := flag.Int("c", 8, "concurrent connections of that load")
	out := flag.String("out", "", "also write the report to this file")
	keep := flag.Bool("keep", false, "keep the backup file and the restored directory")
	dropSource := flag.Bool("drop-after-backup", false, "remove the filled directory once it is measured and backed up, before the restore: the peak on disk is then the data and its backup, not also the restored copy")
	measureOnly := flag.Bool("measure", false, "serve and measure a directory an earlier run filled (no fill, sizes, backup or restore)")
	flag.Parse()
	diskBytes, err := humanize.ParseBytes(*maxDisk)
	if *data == "" || *scale <= 0 || *scale > 1 || err != nil {
		fmt.Fprintln(os.Stderr, "capacity: need -data DIR, 0 < -scale <= 1 and a size for -max-disk")
		os.Exit(2)
	}
	r := &run{dir: *data, scale: *scale, maxDisk: int64(diskBytes), requests: *requests, loadFor: *loadFor, workers: *workers,
		keep: *keep, dropSource: *dropSource, measureOnly: *measureOnly, start: time.Now(), deadline: time.Now().Add(*maxDuration)}
	report, err := r.all(*zona)
	if report != "" {
		fmt.Print(report)
		if *out != "" {
			if werr := os.WriteFile(*out, []byte(report), 0o644); werr != nil {
				fmt.Fprintln(os.Stderr, "capacity:", werr)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "capacity:", err)
		os.Exit(1)
	}
}

type run struct {
	dir              string
	scale            float64
	maxDisk          int64
	requests         int
	loadFor          time.Duration
	workers          int
	keep             bool
	dropSource       bool
	measureOnly      bool
	start, deadline  time.Time
	log              *slog.Logger
	host             host
	filled           filled
	sizes            [3]int64 // data directory after compaction: people, + messages, + history
	fillTime         [3]time.Duration
	payload          int64 // bytes of message bodies and attachments handed to the store
	verify           time.Duration
	compact          time.Duration
	serve            serveFigures
	backupTime       time.Duration
	backupSize       int64
	restoreTime      time.Duration
	restoreSize      int64
	restoredEntries  string
	compactedEntries int
}

func (r *run) progress(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s capacity: %s\n", time.Since(r.start).Round(time.Second), fmt.Sprintf(format, a...))
}

func (r *run) all(zona string) (string, error) {
	r.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	r.host = fullHost(r.scale)
	if r.measureOnly {
		if err := r.locate(); err != nil {
			return "", err
		}
	} else {
		if entries, err := os.ReadDir(r.dir); err == nil && len(entries) > 0 {
			return "", fmt.Errorf("%s is not empty: a capacity run fills a new directory (-measure measures a filled one)", r.dir)
		}
		if err := os.MkdirAll(r.dir, 0o700); err != nil {
			return "", err
		}
		if err := r.fill(); err != nil {
			return "", err
		}
	}
	work, err := os.MkdirTemp(filepath.Dir(filepath.Clean(r.dir)), "capacity-work-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	if zona == "" {
		zona = filepath.Join(work, "zona")
		r.progress("building zona")
		build := exec.Command("go", "build", "-trimpath", "-o", zona, ".")
		// The toolchain that built this program builds zona too (go.mod asks for it; a machine
		// whose default is older and GOTOOLCHAIN=local would refuse).
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN="+runtime.Version())
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return "", fmt.Errorf("go build: %w", err)
		}
	}
	r.progress("serving and measuring")
	if r.serve, err = measure(zona, r.dir, work, r.filled, r.requests, r.loadFor, r.workers); err != nil {
		return "", err
	}
	if !r.measureOnly {
		if err := r.backupRestore(zona, work); err != nil {
			return "", err
		}
	}
	return r.report(), nil
}

// fill writes the host in three phases, compacting and measuring the directory after each.
func (r *run) fill() error {
	ctx, cancel := context.WithDeadline(context.Background(), r.start.Add(time.Until(r.deadline)*6/10))
	defer cancel()
	hash, err := secure.Hash(ctx, heavyPassword)
	if err != nil {
		return err
	}
	f := &filler{rnd: mrand.New(mrand.NewPCG(2026, 18)), hash: hash, out: &r.filled}
	f.budget = func() error {
		if n := diskUsage(r.dir); n > r.maxDisk/3 {
			return fmt.Errorf("disk %w (%s in the data directory)", errBound, humanize.IBytes(uint64(n)))
		}
		return nil
	}
	var ids []string
	phases := []struct {
		name string
		fn   func() error
	}{
		{"clients and contacts", func() error { return f.people(ctx, r.host) }},
		{"messages", func() error { return f.messages(ctx, r.host, ids) }},
		{"history", func() error { return f.history(ctx, r.host, ids) }},
	}
	for i, p := range phases {
		t0 := time.Now()
		if r.filled.stopped == "" {
			if f.st, err = store.OpenForLoad(r.dir, r.log); err != nil {
				return err
			}
			r.progress("filling %s", p.name)
			err = p.fn()
			if errors.Is(err, errBound) {
				r.filled.stopped, err = fmt.Sprintf("%s, during the %s", err, p.name), nil
			}
			if i == 0 && err == nil {
				ids, err = f.st.ClientIDs()
			}
			if err != nil {
				f.st.Close()
				return fmt.Errorf("%s: %w", p.name, err)
			}
			if err := f.st.Close(); err != nil {
				return err
			}
		}
		r.fillTime[i] = time.Since(t0)
		t1 := time.Now()
		if r.sizes[i], err = compact(r.dir, r.log); err != nil {
			return err
		}
		r.compact += time.Since(t1)
		r.progress("%s: %s on disk after compaction", p.name, humanize.IBytes(uint64(r.sizes[i])))
	}
	r.payload = f.payload
	return r.verifyAll(ids)
}

// verifyAll checks every history chain (what `zona audit verify` does), counts the entries
// and finds the heavy client's deep history cursor.
func (r *run) verifyAll(ids []string) error {
	st, err := store.Open(r.dir, r.log)
	if err != nil {
		return err
	}
	defer st.Close()
	t0 := time.Now()
	total, heavy := 0, 0
	for _, id := range ids {
		n, err := st.VerifyActivity(id)
		if err != nil {
			return fmt.Errorf("history of %s: %w", id, err)
		}
		total += n
		if id == r.filled.heavyID {
			heavy = n
		}
	}
	r.verify = time.Since(t0)
	r.compactedEntries = total
	r.filled.deepEntry, err = deepEntry(st, r.filled.heavyID, heavy)
	return err
}

// locate finds, in a directory an earlier run filled, what measure needs: the heavy client,
// the cursors 90% down its archive and its history, and the folio of one of its messages.
func (r *run) locate() error {
	st, err := store.Open(r.dir, r.log)
	if err != nil {
		return err
	}
	defer st.Close()
	heavy, err := st.ClientByEmail(heavyEmail)
	if err != nil {
		return fmt.Errorf("%s holds no capacity run (%s: %w)", r.dir, heavyEmail, err)
	}
	var ids []string // newest first
	var subject string
	for before := ""; ; {
		page, next, err := st.ListMessages(heavy.ID, store.MessageQuery{Before: before, Limit: 1000})
		if err != nil {
			return err
		}
		for _, m := range page {
			ids = append(ids, m.ID)
			subject = m.Subject
		}
		if before = next; next == "" {
			break
		}
	}
	entries, err := st.VerifyActivity(heavy.ID)
	if err != nil {
		return err
	}
	words := strings.Fields(subject) // "Nota de pago <folio> · <service>"
	if len(ids) == 0 || len(words) < 4 {
		return fmt.Errorf("%s: the heavy client has no archive", r.dir)
	}
	r.filled.heavyID, r.filled.deepMessage, r.filled.heavyFolio = heavy.ID, ids[len(ids)*9/10], words[3]
	r.filled.deepEntry, err = deepEntry(st, heavy.ID, entries)
	return err
}

// compact opens the domain database alone, flattens its LSM tree and runs value-log GC
// until nothing is left to collect, and returns the size of the data directory.
func compact(dir string, log *slog.Logger) (int64, error) {
	db, err := badger.Open(store.Options(filepath.Join(dir, "db"), log))
	if err != nil {
		return 0, err
	}
	if err := db.Flatten(runtime.NumCPU()); err != nil {
		db.Close()
		return 0, err
	}
	for db.RunValueLogGC(0.5) == nil {
	}
	if err := db.Close(); err != nil {
		return 0, err
	}
	return diskUsage(dir), nil
}

// diskUsage is the space the files under dir take on disk (du), sparse parts excluded.
func diskUsage(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512
			}
		}
		return nil
	})
	return n
}

// backupRestore times `zona backup` of the filled directory and `zona restore` of that
// backup into a new directory (which verifies every history chain).
func (r *run) backupRestore(zona, work string) error {
	file := filepath.Join(work, "zona.backup")
	restored := filepath.Join(work, "restored")
	r.progress("zona backup")
	t0 := time.Now()
	if out, err := exec.Command(zona, "backup", "--data", r.dir, file).CombinedOutput(); err != nil {
		return fmt.Errorf("zona backup: %w: %s", err, out)
	}
	r.backupTime = time.Since(t0)
	if info, err := os.Stat(file); err == nil {
		r.backupSize = info.Size()
	}
	if r.dropSource {
		if err := os.RemoveAll(r.dir); err != nil {
			return err
		}
	}
	r.progress("zona restore")
	t0 = time.Now()
	out, err := exec.Command(zona, "restore", "--data", restored, file).CombinedOutput()
	if err != nil {
		return fmt.Errorf("zona restore: %w: %s", err, out)
	}
	r.restoreTime = time.Since(t0)
	r.restoredEntries = strings.TrimSpace(string(out))
	r.restoreSize = diskUsage(restored)
	if r.keep {
		for _, p := range []string{file, restored} {
			kept := filepath.Join(filepath.Dir(filepath.Clean(r.dir)), "capacity-"+filepath.Base(p))
			if err := os.Rename(p, kept); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *run) report() string {
	var b strings.Builder
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	mem := func(m memory) string {
		return fmt.Sprintf("%s (%s anonymous)", humanize.IBytes(uint64(m.total)), humanize.IBytes(uint64(m.anon)))
	}
	fmt.Fprintf(&b, "\n## Capacity run, scale %g\n\n", r.scale)
	if r.filled.stopped != "" {
		fmt.Fprintf(&b, "The fill stopped before its target: %s.\n\n", r.filled.stopped)
	}
	fmt.Fprintf(&b, "| what | figure |\n|---|---|\n")
	if !r.measureOnly {
		r.reportFill(&b)
	}
	s := r.serve
	fmt.Fprintf(&b, "| zona serve: open to /healthz | %s |\n", s.startup.Round(time.Millisecond))
	fmt.Fprintf(&b, "| RSS idle after the start | %s |\n", mem(s.idle))
	fmt.Fprintf(&b, "| RSS under load (peak; %d connections, %s, the pages below but the archive searches) | %s; %.0f req/s |\n", r.workers, r.loadFor, mem(s.peak), s.rate)
	fmt.Fprintf(&b, "| RSS idle after the load | %s |\n", mem(s.idleAfter))
	for _, p := range s.pages {
		fmt.Fprintf(&b, "| %s p50 · p99 | %s · %s |\n", p.name, ms(p.p50), ms(p.p99))
	}
	if !r.measureOnly {
		fmt.Fprintf(&b, "| zona backup: time · size | %s · %s |\n", r.backupTime.Round(100*time.Millisecond), humanize.IBytes(uint64(r.backupSize)))
		fmt.Fprintf(&b, "| zona restore (with chain verification): time · size | %s · %s |\n", r.restoreTime.Round(100*time.Millisecond), humanize.IBytes(uint64(r.restoreSize)))
	}
	fmt.Fprintf(&b, "\nRun %s on %s; %d requests a page, sequential on one connection.\n",
		time.Since(r.start).Round(time.Second), machine(r.dir), r.requests)
	if r.restoredEntries != "" {
		fmt.Fprintf(&b, "`zona restore` said: %s\n", strings.ReplaceAll(r.restoredEntries, "\n", " "))
	}
	return b.String()
}

// reportFill writes the rows of what the fill wrote and what it takes on disk.
func (r *run) reportFill(b *strings.Builder) {
	f, h := r.filled, r.host
	per := func(size int64, n int) string {
		if n == 0 {
			return "–"
		}
		return humanize.IBytes(uint64(size / int64(n)))
	}
	fmt.Fprintf(b, "| clients (3 contacts each) | %d of %d, %d contacts |\n", f.clients, h.clients, f.contacts)
	fmt.Fprintf(b, "| archived messages | %d of %d, %d with a PDF; %s of bodies and attachments |\n", f.messages, h.messages, f.attachments, humanize.IBytes(uint64(r.payload)))
	fmt.Fprintf(b, "| history entries | %d (target %d), every chain verified in %s |\n", r.compactedEntries, h.history, r.verify.Round(time.Second))
	fmt.Fprintf(b, "| fill time (clients · messages · history) | %s · %s · %s, then %s compacting |\n",
		r.fillTime[0].Round(time.Second), r.fillTime[1].Round(time.Second), r.fillTime[2].Round(time.Second), r.compact.Round(time.Second))
	fmt.Fprintf(b, "| data directory after compaction | %s |\n", humanize.IBytes(uint64(r.sizes[2])))
	fmt.Fprintf(b, "| on disk per client (with its contacts) | %s |\n", per(r.sizes[0], f.clients))
	fmt.Fprintf(b, "| on disk per message | %s |\n", per(r.sizes[1]-r.sizes[0], f.messages))
	fmt.Fprintf(b, "| on disk per history entry | %s |\n", per(r.sizes[2]-r.sizes[1], f.records-f.clients-f.contacts-f.messages))
}

// machine describes where the run ran: cores, memory, the data directory's file system.
func machine(dir string) string {
	mem := "?"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb uint64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = humanize.IBytes(kb << 10)
		}
	}
	disk := "?"
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err == nil {
		disk = fmt.Sprintf("%s disk, %s free", humanize.IBytes(st.Blocks*uint64(st.Bsize)), humanize.IBytes(st.Bavail*uint64(st.Bsize)))
	}
	return fmt.Sprintf("%d cores, %s RAM, %s, %s", runtime.NumCPU(), mem, disk, runtime.Version())
}
