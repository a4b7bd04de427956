package store

import (
	"errors"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// expiresAt is when key's TTL ends.
func expiresAt(t *testing.T, s *Store, key string) time.Time {
	t.Helper()
	var at uint64
	if err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(key))
		if err == nil {
			at = item.ExpiresAt()
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return time.Unix(int64(at), 0)
}

// TestExportKeptSevenDays: an export's record and its pieces expire with ExportValid, and
// a person has one running export at a time.
func TestExportKeptSevenDays(t *testing.T) {
	st, _ := mustOpen(t)
	c := mustClient(t, st, "ana@example.mx")
	ev := Event{Actor: Actor{Kind: ActorOwner, ID: c.ID}, IP: "192.0.2.1"}
	e, err := st.StartExport(c.ID, "", ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.StartExport(c.ID, "", ev); !errors.Is(err, ErrExportRunning) {
		t.Fatalf("a second running export: %v", err)
	}
	if err := st.WriteExportChunk(e, 0, []byte("PK\x03\x04")); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishExport(c.ID, e.ID, 4, 1, false, ev); err != nil {
		t.Fatal(err)
	}
	got, err := st.ExportByID(c.ID, e.ID)
	if err != nil || got.State != ExportReady || got.Chunks != 1 {
		t.Fatalf("export %+v %v", got, err)
	}
	if d := got.Expires.Sub(got.Created); d != ExportValid {
		t.Fatalf("kept for %s", d)
	}
	for _, key := range []string{"export/" + c.ID + "/" + e.ID, "exportzip/" + c.ID + "/" + e.ID + "/0"} {
		if left := time.Until(expiresAt(t, st, key)); left < ExportValid-time.Minute || left > ExportValid {
			t.Errorf("%s expires in %s, want %s", key, left, ExportValid)
		}
	}
	if _, err := st.StartExport(c.ID, "", ev); err != nil {
		t.Fatalf("a new export once the last is ready: %v", err)
	}
}

// TestRequestResolvedOnce: a request is due ARCODays business days after it was filed, is
// found by its ID alone, and is resolved once.
func TestRequestResolvedOnce(t *testing.T) {
	st, _ := mustOpen(t)
	c := mustClient(t, st, "ana@example.mx")
	mx, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	r := &Request{ClientID: c.ID, Name: "Ana López", Kind: RequestCancel, Reason: "Borrar mi teléfono"}
	if err := st.FileRequest(r, mx, Event{Actor: Actor{Kind: ActorOwner, ID: c.ID}}); err != nil {
		t.Fatal(err)
	}
	if want := AddBusinessDays(r.Filed.In(mx), ARCODays); !r.Due.Equal(want) || r.Due.Location() != mx {
		t.Fatalf("due %s, want %s", r.Due, want)
	}
	staff := Event{Actor: Actor{Kind: ActorStaff, ID: NewID(), Name: "Luis"}}
	got, err := st.ResolveRequest(r.ID, false, "No procede", staff)
	if err != nil || got.State != RequestRejected || got.ResolvedBy.Name != "Luis" {
		t.Fatalf("resolved %+v %v", got, err)
	}
	if _, err := st.ResolveRequest(r.ID, true, "Sí procede", staff); !errors.Is(err, ErrRequestResolved) {
		t.Fatalf("resolving twice: %v", err)
	}
	if got, err := st.RequestByID(r.ID); err != nil || got.State != RequestRejected || got.Note != "No procede" {
		t.Fatalf("stored %+v %v", got, err)
	}
	if mine, err := st.PersonRequests(c.ID, NewID()); err != nil || len(mine) != 0 {
		t.Fatalf("another person's requests: %v %v", mine, err)
	}
}
