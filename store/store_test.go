package store

import (
	"io"
	"log/slog"
	"strings"
	"testing"
)

func mustOpen(t testing.TB) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

var sysEvent = Event{Kind: KindAccountCreated, Actor: Actor{Kind: ActorSystem}}

func mustClient(t testing.TB, s *Store, email string) *Client {
	t.Helper()
	c := &Client{Email: email, FirstName: "Ana", LastName: "López", PasswordHash: "x"}
	if err := s.CreateClient(c, sysEvent); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSchemaVersion(t *testing.T) {
	s, dir := mustOpen(t)
	if v, err := s.schemaVersion(); err != nil || v != SchemaVersion {
		t.Fatalf("new store schema %d, %v", v, err)
	}
	if err := s.setSchema(SchemaVersion+1, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir, nil); err == nil || !strings.Contains(err.Error(), "written by a newer Zona") {
		t.Fatalf("opened data written by a newer release, or said so unclearly: %v", err)
	}
}

func TestSessionsStoreKeepsTunedOptions(t *testing.T) {
	dir := t.TempDir()
	kv, err := OpenSessions(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer kv.Close()
	if got := kv.Conn().Opts().MemTableSize; got != 4<<20 {
		t.Fatalf("sessions MemTableSize %d: the adapter dropped Zona's options", got)
	}
	if _, err := OpenSessions(dir, nil); err == nil {
		t.Fatal("a second open of a locked sessions dir did not fail")
	}
}

// A store filled through OpenForLoad holds everything once closed, for Open to serve.
func TestOpenForLoadKeepsItsWrites(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenForLoad(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.db.Opts().SyncWrites {
		t.Fatal("OpenForLoad syncs every write")
	}
	c := mustClient(t, s, "ana@example.mx")
	for range 100 {
		if err := s.Record(c.ID, Event{Kind: KindSignIn, Actor: Actor{Kind: ActorOwner, ID: c.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.db.Opts().SyncWrites {
		t.Fatal("Open does not sync every write")
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 101 {
		t.Fatalf("after reopening: %d entries, %v; want 101", n, err)
	}
}
