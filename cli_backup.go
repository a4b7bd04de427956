package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"zona/store"
)

// auditVerify checks the hash chains of the histories and names the first entry that does
// not match.
func auditVerify(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	const use = "usage: zona audit verify [--client EMAIL]"
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	email := fs.String("client", "", "check only this client's history")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if !slices.Equal(pos, []string{"verify"}) {
		return errors.New(use)
	}
	return opAuditVerify.do(ctx, *data, auditReq{Client: *email}, stdout, stderr)
}

type auditReq struct{ Client string }

var opAuditVerify = operation[auditReq]{"audit-verify", func(_ context.Context, st store.Records, r auditReq, stdout, _ io.Writer) error {
	return verifyHistories(st, r.Client, stdout)
}}

// verifyHistories checks the history chain of the client signing in with email, or of every
// client when email is empty, and prints how many entries it checked.
func verifyHistories(st store.Records, email string, stdout io.Writer) error {
	var ids []string
	if email != "" {
		c, err := st.ClientByEmail(email)
		if err != nil {
			return fmt.Errorf("client %s: %w", email, err)
		}
		ids = []string{c.ID}
	} else {
		var err error
		if ids, err = st.ClientIDs(); err != nil {
			return err
		}
	}
	total := 0
	for _, id := range ids {
		n, err := st.VerifyActivity(id)
		if err != nil {
			return fmt.Errorf("audit FAILED: %w", err)
		}
		total += n
	}
	fmt.Fprintf(stdout, "audit ok: %d entries in %d histories verified\n", total, len(ids))
	return nil
}

// backup writes a consistent backup of the domain store to FILE, online through the
// server when one runs. FILE appears complete or not at all.
func backup(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("usage: zona backup FILE")
	}
	err = writeFileAtomically(pos[0], func(f io.Writer) error {
		return opBackup.do(ctx, *data, struct{}{}, f, stderr)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", pos[0])
	return nil
}

// opBackup streams the backup to stdout: the command (or the schedule) puts it in a file.
var opBackup = operation[struct{}]{"backup", func(_ context.Context, st store.Records, _ struct{}, stdout, _ io.Writer) error {
	return st.Backup(stdout)
}}

// writeFileAtomically writes name through write without ever leaving a partial file under
// that name: it writes name.tmp-XXXX beside it, syncs it, links it to name (which fails,
// and changes nothing, when name exists), removes the temporary name and syncs the
// directory, so a crash at any point leaves at most a .tmp- file behind.
func writeFileAtomically(name string, write func(io.Writer) error) error {
	if _, err := os.Lstat(name); err == nil {
		return fmt.Errorf("%s exists already", name)
	}
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, filepath.Base(name)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp, name); err != nil {
		return err
	}
	if err := os.Remove(tmp); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// restore loads a backup into an empty data dir and verifies every history chain before it
// reports success. It never goes through a server: a server's store is not empty.
func restore(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("usage: zona restore FILE")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	return withStore(*data, stderr, func(st store.Records) error {
		if err := st.Restore(f); err != nil {
			return err
		}
		if err := verifyHistories(st, "", stdout); err != nil {
			return fmt.Errorf("restored %s into %s, but its history does not verify: %w", pos[0], *data, err)
		}
		fmt.Fprintf(stdout, "restored %s into %s\n", pos[0], *data)
		return nil
	})
}

// backupSchedule is serve's --backup-dir, --backup-every and --backup-keep.
type backupSchedule struct {
	dir   string
	every time.Duration
	keep  int
}

// backupPrefix and backupSuffix frame the names of scheduled backups; the UTC time in
// between, to the millisecond, sorts them oldest first.
const backupPrefix, backupSuffix, backupStamp = "zona-", ".bak", "20060102T150405.000Z"

// run backs st up into b.dir every b.every, keeping the newest b.keep backups, until ctx
// ends. The first backup is taken one period after the start.
func (b backupSchedule) run(ctx context.Context, st store.Records, log *slog.Logger) {
	tick := time.NewTicker(b.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		name, err := b.take(st, time.Now())
		if err != nil {
			log.Error("scheduled backup", "err", err)
			continue
		}
		log.Info("scheduled backup written", "file", name)
	}
}

// take writes one backup named for now and removes the oldest beyond b.keep.
func (b backupSchedule) take(st store.Records, now time.Time) (string, error) {
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return "", err
	}
	name := filepath.Join(b.dir, backupPrefix+now.UTC().Format(backupStamp)+backupSuffix)
	if err := writeFileAtomically(name, st.Backup); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return name, err
	}
	var backups []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), backupPrefix) && strings.HasSuffix(e.Name(), backupSuffix) {
			backups = append(backups, e.Name())
		}
	}
	for len(backups) > b.keep { // ReadDir sorts by name, so by time
		if err := os.Remove(filepath.Join(b.dir, backups[0])); err != nil {
			return name, err
		}
		backups = backups[1:]
	}
	return name, nil
}
