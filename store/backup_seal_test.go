package store

import (
	"bytes"
	"testing"
)

// A backup carries the keys sealing the histories: restored, the personal fields read
// back and the chains verify; a closed account's stay erased.
func TestBackupCarriesHistoryKeys(t *testing.T) {
	s, _ := mustOpen(t)
	c := seedPersonal(t, s, "respaldo")
	closed := seedPersonal(t, s, marker)
	if _, err := s.CloseAccount(closed.ID, Actor{Kind: ActorStaff}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	r, _ := mustOpen(t)
	if err := r.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	list, _, err := r.ListActivity(c.ID, "", 100)
	if err != nil || len(list) < 5 {
		t.Fatalf("restored history: %d, %v", len(list), err)
	}
	named := 0
	for _, e := range list {
		if e.Erased {
			t.Errorf("entry %s erased by the restore", e.Kind)
		}
		if e.Actor.Name == "respaldo Pérez" {
			named++
		}
	}
	if named == 0 {
		t.Error("no restored entry reads its actor's name: the keys did not come along")
	}
	for _, id := range []string{c.ID, closed.ID} {
		if _, err := r.VerifyActivity(id); err != nil {
			t.Errorf("restored history of %s: %v", id, err)
		}
	}
	if cl, err := r.ClientByID(closed.ID); err != nil || !cl.Closed() || cl.Email != "" {
		t.Errorf("restored closed account: %+v, %v", cl, err)
	}
}
