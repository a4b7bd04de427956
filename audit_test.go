package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"zona/store"
)

// auditHistory makes a data dir holding two clients, created by the CLI, and gives Ana five
// sign-ins from 10.0.0.0 to 10.0.0.4. It returns the dir, Ana's ID and the IDs of her
// entries, oldest first (the account's creation, then the sign-ins).
func auditHistory(t *testing.T) (data, clientID string, ids []string) {
	t.Helper()
	data = t.TempDir()
	for _, email := range []string{"ana@example.mx", "beto@example.mx"} {
		if out, err := runCLI(t, "Clave-Segura-2026!\n", "client", "create", "--data", data, "--email", email, "--name", "Ana López", "--password-stdin"); err != nil {
			t.Fatalf("client create: %v\n%s", err, out)
		}
	}
	st, err := store.Open(data, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.ClientByEmail("ana@example.mx")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		ev := store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorOwner, ID: c.ID, Name: c.Name()},
			IP: fmt.Sprintf("10.0.0.%d", i), UserAgent: "Mozilla/5.0"}
		if err := st.Record(c.ID, ev); err != nil {
			t.Fatal(err)
		}
	}
	page, err := st.QueryActivity(c.ID, store.ActivityQuery{Limit: 100})
	if err != nil || len(page.Entries) != 6 {
		t.Fatalf("Ana's history: %d entries, %v", len(page.Entries), err)
	}
	for i := len(page.Entries) - 1; i >= 0; i-- {
		ids = append(ids, page.Entries[i].ID)
	}
	return data, c.ID, ids
}

// behindZonasBack opens the Badger database of data directly, as someone with access to
// the disk could, and runs fn on it.
func behindZonasBack(t *testing.T, data string, fn func(txn *badger.Txn) error) {
	t.Helper()
	db, err := badger.Open(store.Options(filepath.Join(data, "db"), slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		db.Close()
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAuditVerifyNamesTheTamperedEntry(t *testing.T) {
	entryKey := func(clientID, id string) []byte { return []byte("act/" + clientID + "/" + id) }
	tests := []struct {
		name   string
		tamper func(clientID string, ids []string) func(*badger.Txn) error
		// blamed is the index in ids of the entry the audit must name, and why.
		blamed int
		reason string
	}{
		{
			name: "an entry's kind edited in place",
			tamper: func(clientID string, ids []string) func(*badger.Txn) error {
				return func(txn *badger.Txn) error {
					item, err := txn.Get(entryKey(clientID, ids[3]))
					if err != nil {
						return err
					}
					val, err := item.ValueCopy(nil)
					if err != nil {
						return err
					}
					edited := bytes.Replace(val, []byte(`"kind":"auth.signin"`), []byte(`"kind":"auth.signout"`), 1)
					if bytes.Equal(edited, val) || edited[0] != val[0] {
						return fmt.Errorf("the kind of entry 3 is not where expected: %q", val)
					}
					return txn.Set(entryKey(clientID, ids[3]), edited)
				}
			},
			blamed: 3, reason: "altered",
		},
		{
			name: "an entry in the middle deleted",
			tamper: func(clientID string, ids []string) func(*badger.Txn) error {
				return func(txn *badger.Txn) error { return txn.Delete(entryKey(clientID, ids[2])) }
			},
			blamed: 3, reason: "does not follow",
		},
		{
			name: "the newest entry deleted",
			tamper: func(clientID string, ids []string) func(*badger.Txn) error {
				return func(txn *badger.Txn) error { return txn.Delete(entryKey(clientID, ids[5])) }
			},
			blamed: 5, reason: "entries removed",
		},
		{
			name: "the oldest entry deleted",
			tamper: func(clientID string, ids []string) func(*badger.Txn) error {
				return func(txn *badger.Txn) error { return txn.Delete(entryKey(clientID, ids[0])) }
			},
			blamed: 1, reason: "does not follow",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, clientID, ids := auditHistory(t)
			out, err := runCLI(t, "", "audit", "verify", "--data", data)
			if err != nil || !strings.Contains(out, "audit ok: 7 entries in 2 histories") {
				t.Fatalf("untouched store: %v\n%s", err, out)
			}
			behindZonasBack(t, data, tt.tamper(clientID, ids))

			_, err = runCLI(t, "", "audit", "verify", "--data", data)
			if err == nil {
				t.Fatal("audit verify passed a tampered history")
			}
			if msg := err.Error(); !strings.Contains(msg, "entry "+ids[tt.blamed]+" ") || !strings.Contains(msg, tt.reason) {
				t.Fatalf("audit verify said %q; want it to name entry %s (%s)", msg, ids[tt.blamed], tt.reason)
			}
			if _, err := runCLI(t, "", "audit", "verify", "--data", data, "--client", "ana@example.mx"); err == nil || !strings.Contains(err.Error(), ids[tt.blamed]) {
				t.Fatalf("--client ana: %v", err)
			}
			if out, err := runCLI(t, "", "audit", "verify", "--data", data, "--client", "beto@example.mx"); err != nil || !strings.Contains(out, "audit ok: 1 entries in 1 histories") {
				t.Fatalf("--client beto, whose history is untouched: %v\n%s", err, out)
			}
		})
	}
}
