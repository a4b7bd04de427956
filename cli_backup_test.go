package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"google.golang.org/protobuf/proto"

	"zona/store"
)

// TestOnlineBackupUnderWriteLoad takes backups through a running server while two writers
// queue messages through it (each message, its body, its outbox copies and its history
// entry one transaction), restores each into an empty data dir, and requires: the restore
// verified every history chain; the restored store holds exactly the keys and values of
// the backup; and every message has its body, which a backup mixing two moments would miss.
func TestOnlineBackupUnderWriteLoad(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	for _, email := range []string{"ana@example.mx", "beto@example.mx"} {
		if out, err := runCLI(t, "Clave-Segura-2026!\n", "client", "create", "--data", data, "--email", email, "--name", "Cliente Prueba", "--password-stdin"); err != nil {
			t.Fatal(err, out)
		}
	}
	html := filepath.Join(dir, "m.html")
	if err := os.WriteFile(html, []byte("<p>Hola.</p>"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stop := serveForTest(t, data)

	var sent atomic.Int64
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for _, email := range []string{"ana@example.mx", "beto@example.mx"} {
		wg.Go(func() {
			for {
				select {
				case <-quit:
					return
				default:
				}
				if out, err := runCLI(t, "", "message", "send", "--data", data, "--client", email, "--category", "general", "--subject", "Carga", "--html-file", html); err != nil {
					t.Errorf("message send while backing up: %v %s", err, out)
					return
				}
				sent.Add(1)
			}
		})
	}
	var files []string
	for i := range 3 {
		for n := sent.Load(); sent.Load() < n+20; {
			time.Sleep(5 * time.Millisecond)
		}
		file := filepath.Join(dir, fmt.Sprintf("zona-%d.bak", i))
		if out, err := runCLI(t, "", "backup", file, "--data", data); err != nil {
			t.Fatalf("backup under load: %v %s", err, out)
		}
		files = append(files, file)
	}
	close(quit)
	wg.Wait()
	stop()
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	for _, file := range files {
		want := backupContents(t, file)
		restored := t.TempDir()
		out, err := runCLI(t, "", "restore", "--data", restored, file)
		if err != nil || !strings.Contains(out, "audit ok") {
			t.Fatalf("restore %s: %v\n%s", file, err, out)
		}
		got := storeContents(t, restored)
		for k, v := range want {
			if g, ok := got[k]; !ok || !bytes.Equal(g, v) {
				t.Errorf("%s: key %q restored as %q, backed up as %q", file, k, g, v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: key %q restored but not in the backup", file, k)
			}
		}
		msgs := 0
		for k := range got {
			if rest, ok := strings.CutPrefix(k, "msg/"); ok {
				msgs++
				if _, ok := got["msgbody/"+rest]; !ok {
					t.Errorf("%s: message %s without its body", file, rest)
				}
			}
		}
		if msgs == 0 {
			t.Errorf("%s: no message in the backup", file)
		}
	}
}

// backupContents decodes a backup file (Badger's format: a little-endian uint64 length and
// a protobuf KVList, repeated) into its keys and their newest values, leaving out keys whose
// newest version is a deletion.
func backupContents(t *testing.T, file string) map[string][]byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	out, seen := map[string][]byte{}, map[string]bool{}
	for {
		var n uint64
		if err := binary.Read(r, binary.LittleEndian, &n); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatal(err)
		}
		var list pb.KVList
		if err := proto.Unmarshal(buf, &list); err != nil {
			t.Fatal(err)
		}
		for _, kv := range list.Kv { // a key's versions come newest first
			k := string(kv.Key)
			if seen[k] {
				continue
			}
			seen[k] = true
			const bitDelete = 1 // Badger's tombstone bit of Meta
			if len(kv.Meta) > 0 && kv.Meta[0]&bitDelete != 0 {
				continue
			}
			if kv.ExpiresAt != 0 && kv.ExpiresAt <= uint64(time.Now().Unix()) {
				continue
			}
			out[k] = kv.Value
		}
	}
}

// storeContents reads every key and value of data's domain store.
func storeContents(t *testing.T, data string) map[string][]byte {
	t.Helper()
	db, err := badger.Open(store.Options(filepath.Join(data, "db"), slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]byte{}
	err = db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out[string(it.Item().KeyCopy(nil))] = v
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRestoreVerifiesTheHistory: a backup of a history edited behind Zona's back restores,
// but the restore reports the broken chain instead of success.
func TestRestoreVerifiesTheHistory(t *testing.T) {
	data, clientID, ids := auditHistory(t)
	behindZonasBack(t, data, func(txn *badger.Txn) error { return txn.Delete([]byte("act/" + clientID + "/" + ids[2])) })
	file := filepath.Join(t.TempDir(), "zona.bak")
	if out, err := runCLI(t, "", "backup", file, "--data", data); err != nil {
		t.Fatal(err, out)
	}
	out, err := runCLI(t, "", "restore", file, "--data", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "does not verify") || !strings.Contains(err.Error(), ids[3]) || strings.Contains(out, "restored") {
		t.Fatalf("restore of a broken history: %v\n%s", err, out)
	}
}

// TestScheduledBackups runs a server that backs up every 150 ms keeping two, and finds the
// newest two backups, each restorable.
func TestScheduledBackups(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	if out, err := runCLI(t, "Clave-Segura-2026!\n", "client", "create", "--data", data, "--email", "ana@example.mx", "--name", "Ana López", "--password-stdin"); err != nil {
		t.Fatal(err, out)
	}
	_, stop := serveForTest(t, data, "--backup-dir", dir, "--backup-every", "150ms", "--backup-keep", "2")
	time.Sleep(time.Second) // five or six backups
	stop()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) != 2 {
		t.Fatalf("backups kept: %v %v", files, err)
	}
	for _, f := range files {
		if !strings.HasPrefix(filepath.Base(f), backupPrefix) || !strings.HasSuffix(f, backupSuffix) {
			t.Errorf("a backup named %s", f)
		}
		if out, err := runCLI(t, "", "restore", f, "--data", t.TempDir()); err != nil || !strings.Contains(out, "audit ok: 1 entries") {
			t.Errorf("restore %s: %v %s", f, err, out)
		}
	}
}
