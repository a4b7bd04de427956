package store

import (
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

// TestExportKeptSevenDays: an export's record and its pieces expire in Badger with
// ExportValid (the conformance suite checks the rest of an export's behaviour).
func TestExportKeptSevenDays(t *testing.T) {
	st, _ := mustOpen(t)
	c := mustClient(t, st, "ana@example.mx")
	ev := Event{Actor: Actor{Kind: ActorOwner, ID: c.ID}, IP: "192.0.2.1"}
	e, err := st.StartExport(c.ID, "", ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.WriteExportChunk(e, 0, []byte("PK\x03\x04")); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishExport(c.ID, e.ID, 4, 1, false, ev); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{exportKey(c.ID, e.ID), exportChunkKey(c.ID, e.ID, 0)} {
		if left := time.Until(expiresAt(t, st, key)); left < ExportValid-time.Minute || left > ExportValid {
			t.Errorf("%s expires in %s, want %s", key, left, ExportValid)
		}
	}
}
