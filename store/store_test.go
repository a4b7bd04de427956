package store

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
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

func TestLoginEmailIsUniqueWhateverTheCase(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "Ana@Example.mx")
	if err := s.CreateClient(&Client{Email: " ana@EXAMPLE.MX "}, sysEvent); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("duplicate email: %v", err)
	}
	got, err := s.ClientByEmail("ANA@example.MX")
	if err != nil || got.ID != c.ID {
		t.Fatalf("lookup by other case: %v %v", got, err)
	}
	if _, err := s.ClientByEmail("nadie@example.mx"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown email: %v", err)
	}
}

func TestEmailChangeMovesTheIndex(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "ana@example.mx")
	mustClient(t, s, "otro@example.mx")
	ev := Event{Kind: "account.updated"}
	if _, err := s.UpdateClient(c.ID, c.Rev, func(c *Client) error { c.Email = "OTRO@example.mx"; return nil }, ev); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("taking another's email: %v", err)
	}
	c2, err := s.UpdateClient(c.ID, c.Rev, func(c *Client) error { c.Email = "nueva@example.mx"; return nil }, ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClientByEmail("ana@example.mx"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old email still signs in: %v", err)
	}
	if got, err := s.ClientByEmail("nueva@example.mx"); err != nil || got.ID != c.ID || got.Rev != c2.Rev {
		t.Fatalf("new email: %v %v", got, err)
	}
}

func TestConcurrentUpdateIsAConflictNeverALoss(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "ana@example.mx")
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = s.UpdateClient(c.ID, c.Rev, func(c *Client) error {
				c.Company = fmt.Sprint("Compañía ", i)
				return nil
			}, Event{Kind: "account.updated"})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrConflict):
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d saves from the same revision succeeded, want exactly 1", ok)
	}
	got, _ := s.ClientByID(c.ID)
	if got.Rev != c.Rev+1 {
		t.Fatalf("revision %d, want %d", got.Rev, c.Rev+1)
	}
	// Every successful save is in the history, and the chain holds.
	n, err := s.VerifyActivity(c.ID)
	if err != nil || n != 2 {
		t.Fatalf("history: %d entries, %v", n, err)
	}
}

func TestActivityPagesNewestFirst(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "ana@example.mx")
	other := mustClient(t, s, "otro@example.mx")
	for i := range 25 {
		if err := s.Record(c.ID, Event{Kind: KindSignIn, IP: fmt.Sprint("10.0.0.", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var all []Entry
	before := ""
	for pages := 0; ; pages++ {
		page, next, err := s.ListActivity(c.ID, before, 10)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		before = next
	}
	if len(all) != 26 {
		t.Fatalf("%d entries over the pages, want 26", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Fatalf("entry %d not older than the one before", i)
		}
		if all[i].ClientID != c.ID {
			t.Fatal("another client's entry in the list")
		}
	}
	if all[0].IP != "10.0.0.24" || all[len(all)-1].Kind != KindAccountCreated {
		t.Fatalf("order: first %+v last %+v", all[0], all[len(all)-1])
	}
	// A cursor from another client's history shows nothing of it.
	page, _, err := s.ListActivity(other.ID, all[5].ID, 10)
	if err != nil || len(page) != 1 || page[0].ClientID != other.ID {
		t.Fatalf("other client with a foreign cursor: %v %v", page, err)
	}
}

func TestVerifyActivityFindsTampering(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "ana@example.mx")
	for range 5 {
		if err := s.Record(c.ID, Event{Kind: KindSignIn, IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 6 {
		t.Fatalf("clean chain: %d, %v", n, err)
	}
	entries, _, _ := s.ListActivity(c.ID, "", 10)
	victim := entries[2]
	victim.IP = "203.0.113.9"
	if err := s.db.Update(func(txn *badger.Txn) error { return put(txn, activityPrefix(c.ID)+victim.ID, &victim) }); err != nil {
		t.Fatal(err)
	}
	_, err := s.VerifyActivity(c.ID)
	var ce *ChainError
	if !errors.As(err, &ce) || ce.EntryID != victim.ID {
		t.Fatalf("tampered entry %s: got %v", victim.ID, err)
	}
}

func TestIDsFromURLsStayInTheirPrefix(t *testing.T) {
	s, _ := mustOpen(t)
	mustClient(t, s, "ana@example.mx")
	for _, id := range []string{"", "../staff", "x/../../meta", "01JAAAAAAAAAAAAAAAAAAAAAAA/../x"} {
		if _, err := s.ClientByID(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("ClientByID(%q): %v", id, err)
		}
	}
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

func TestSetupTokenWorksOnce(t *testing.T) {
	s, _ := mustOpen(t)
	hash := []byte("0123456789abcdef0123456789abcdef")
	if err := s.SetSetupToken(hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !s.SetupTokenValid(hash) || s.SetupTokenValid([]byte("wrong")) {
		t.Fatal("token validity")
	}
	if err := s.CreateFirstStaff(hash, &Staff{Email: "ops@example.mx", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateFirstStaff(hash, &Staff{Email: "other@example.mx", PasswordHash: "x"}); !errors.Is(err, ErrSetupToken) {
		t.Fatalf("second use: %v", err)
	}
	if has, _ := s.HasStaff(); !has {
		t.Fatal("no staff after setup")
	}
	if err := s.SetSetupToken(hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s.SetupTokenValid(hash) {
		t.Fatal("a setup token is valid while staff exists")
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

func TestCounter(t *testing.T) {
	kv, err := OpenSessions(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer kv.Close()
	for i := 1; i <= 3; i++ {
		if n, err := kv.Hit("k", time.Hour); err != nil || n != i {
			t.Fatalf("hit %d: %d, %v", i, n, err)
		}
	}
	n, left, err := kv.Count("k")
	if err != nil || n != 3 || left <= 59*time.Minute {
		t.Fatalf("count %d, left %v, %v", n, left, err)
	}
	if n, _, _ := kv.Count("absent"); n != 0 {
		t.Fatalf("absent counter %d", n)
	}
}
