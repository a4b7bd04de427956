package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// appendLegacy appends ev to clientID's history as releases before schema 4 did: the
// personal fields in clear, the hash over the whole entry.
func appendLegacy(txn *badger.Txn, clientID string, ev Event, at time.Time) (Entry, error) {
	var head activityHead
	if err := get(txn, activityHeadKey(clientID), &head); err != nil && !errors.Is(err, ErrNotFound) {
		return Entry{}, err
	}
	e := Entry{ID: NewID(), ClientID: clientID, At: at, Kind: ev.Kind, Actor: ev.Actor, IP: ev.IP,
		UserAgent: ev.UserAgent, Changes: ev.Changes, Detail: ev.Detail, Prev: head.Hash}
	e.Hash = e.computeHash()
	if err := put(txn, activityPrefix(clientID)+e.ID, &e); err != nil {
		return Entry{}, err
	}
	return e, put(txn, activityHeadKey(clientID), activityHead{ID: e.ID, Hash: e.Hash})
}

// legacyStore makes a data dir at schema 3 holding clients whose histories were written in
// the legacy form: n entries each, spread over the months before now. It returns the dir,
// the clients and their entries as written.
func legacyStore(t *testing.T, clients, n int) (string, []*Client, map[string][]Entry) {
	t.Helper()
	dir := t.TempDir()
	s := openAt(t, dir)
	var out []*Client
	written := map[string][]Entry{}
	for i := range clients {
		c := &Client{Email: fmt.Sprintf("legado%d@example.mx", i), FirstName: "Legado", Fiscal: Fiscal{RFC: "LEGA850101AB1"}}
		// CreateClient writes a sealed entry; the legacy data had none, so start afresh.
		if err := s.CreateClient(c, sysEvent); err != nil {
			t.Fatal(err)
		}
		err := s.update(func(txn *badger.Txn) error {
			if err := txn.Delete([]byte(activityHeadKey(c.ID))); err != nil {
				return err
			}
			return each(txn, activityPrefix(c.ID), func(k []byte, _ *Entry) error { return txn.Delete(append([]byte(nil), k...)) })
		})
		if err != nil {
			t.Fatal(err)
		}
		for j := range n {
			err := s.update(func(txn *badger.Txn) error {
				at := time.Now().UTC().AddDate(0, -n+j, 0)
				e, err := appendLegacy(txn, c.ID, Event{Kind: KindSignIn, Actor: Actor{Kind: ActorOwner, ID: c.ID, Name: "Legado Pérez"},
					IP: fmt.Sprintf("10.0.0.%d", j), UserAgent: "legacy-browser", Detail: map[string]string{"method": "password"}}, at)
				written[c.ID] = append(written[c.ID], e)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, c)
	}
	if err := s.update(func(txn *badger.Txn) error {
		return txn.Set(keySchema, binary.BigEndian.AppendUint32(nil, 3))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return dir, out, written
}

func TestSealHistoriesMigration(t *testing.T) {
	dir, clients, written := legacyStore(t, 2, 5)
	// Someone altered the second client's history behind Zona's back: it stays legacy, and
	// verify keeps reporting it.
	tampered := clients[1]
	{
		s := openAtSchema(t, dir)
		err := s.db.Update(func(txn *badger.Txn) error {
			e := written[tampered.ID][2]
			e.IP = "192.0.2.66"
			return put(txn, activityPrefix(tampered.ID)+e.ID, &e)
		})
		if err != nil {
			t.Fatal(err)
		}
		s.db.Close()
	}

	s := openAt(t, dir)
	defer s.Close()
	if v, _ := s.schemaVersion(); v != SchemaVersion {
		t.Fatalf("schema %d after opening, want %d", v, SchemaVersion)
	}
	c := clients[0]
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 5 {
		t.Fatalf("migrated history: %d entries, %v", n, err)
	}
	list, _, err := s.ListActivity(c.ID, "", 10)
	if err != nil || len(list) != 5 {
		t.Fatalf("list: %d, %v", len(list), err)
	}
	for i, e := range list {
		old := written[c.ID][4-i]
		if e.V != entrySealed || e.LegacyHash != old.Hash || e.Digest == "" {
			t.Errorf("entry %d not sealed: v %d, legacy hash %q (want %q)", i, e.V, e.LegacyHash, old.Hash)
		}
		if e.IP != old.IP || e.Actor.Name != old.Actor.Name || e.UserAgent != old.UserAgent || e.Detail["method"] != "password" {
			t.Errorf("entry %d reads back %+v, want the personal fields of %+v", i, e, old)
		}
	}
	var ce *ChainError
	if _, err := s.VerifyActivity(tampered.ID); !errors.As(err, &ce) || ce.EntryID != written[tampered.ID][2].ID {
		t.Errorf("tampered legacy history: %v, want a ChainError at its third entry", err)
	}
	// A migrated history's personal fields can be erased, and it still verifies.
	if _, err := s.CloseAccount(c.ID, Actor{Kind: ActorStaff, ID: "01JSTAFF00000000000000000A"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 6 {
		t.Errorf("after closing: %d entries, %v", n, err)
	}
}

// A migration that stopped after some batches leaves sealed entries followed by legacy
// ones: that history verifies, and the next run seals the rest.
func TestSealHistoriesResumes(t *testing.T) {
	dir, clients, _ := legacyStore(t, 1, 5)
	c := clients[0]
	s := openAtSchema(t, dir)
	// Seal the two oldest entries only, as a first batch would.
	err := s.update(func(txn *badger.Txn) error {
		prev, k := "", 0
		return each(txn, activityPrefix(c.ID), func(_ []byte, e *Entry) error {
			if k == 2 {
				return errStop
			}
			k++
			e.LegacyHash, e.Prev = e.Hash, prev
			key, err := historyKey(txn, c.ID, e.At, true)
			if err == nil {
				err = e.seal(key)
			}
			if err == nil {
				err = put(txn, activityPrefix(c.ID)+e.ID, e)
			}
			prev = e.Hash
			return err
		})
	})
	if err != nil && !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 5 {
		t.Fatalf("half-sealed history: %d entries, %v", n, err)
	}
	if err := sealHistories(s); err != nil {
		t.Fatal(err)
	}
	list, _, err := s.ListActivity(c.ID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.V != entrySealed {
			t.Errorf("entry %s left legacy", e.ID)
		}
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 5 {
		t.Errorf("resumed: %d entries, %v", n, err)
	}
	s.db.Close()
}

// openAtSchema opens dir's store without migrating it.
func openAtSchema(t *testing.T, dir string) *Store {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := badger.Open(Options(filepath.Join(dir, "db"), log))
	if err != nil {
		t.Fatal(err)
	}
	return &Store{db: db, log: log, clients: newDecodeCache[Client](16), entries: newDecodeCache[Entry](16), recent: newRecentCache(16)}
}
