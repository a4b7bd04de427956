package store

import (
	"errors"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// appendAt appends ev to clientID's history as appendEntry does, but made at at.
func appendAt(t *testing.T, s *Store, clientID string, ev Event, at time.Time) {
	t.Helper()
	err := s.update(func(txn *badger.Txn) error {
		var head activityHead
		if err := get(txn, activityHeadKey(clientID), &head); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		e := Entry{ID: idAt(at)[:10] + NewID()[10:], ClientID: clientID, At: at, Kind: ev.Kind, Actor: ev.Actor, IP: ev.IP, Prev: head.Hash}
		key, err := historyKey(txn, clientID, at, true)
		if err != nil {
			return err
		}
		if err := e.seal(key); err != nil {
			return err
		}
		if err := put(txn, activityPrefix(clientID)+e.ID, &e); err != nil {
			return err
		}
		return put(txn, activityHeadKey(clientID), activityHead{ID: e.ID, Hash: e.Hash})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Activity retention shreds the keys of the months it emptied: the removed entries'
// personal data is unreadable from the files, the rest still verifies (the conformance
// suite checks what retention removes through the store's operations).
func TestActivityRetentionShredsEmptiedMonths(t *testing.T) {
	dir := t.TempDir()
	s := openAt(t, dir)
	c := &Client{Email: "reten@example.mx", FirstName: "Reten"}
	if err := s.CreateClient(c, sysEvent); err != nil {
		t.Fatal(err)
	}
	// The history is rebuilt from scratch with entries months apart.
	if err := s.update(func(txn *badger.Txn) error {
		if err := txn.Delete([]byte(activityHeadKey(c.ID))); err != nil {
			return err
		}
		return each(txn, activityPrefix(c.ID), func(k []byte, _ *Entry) error { return txn.Delete(append([]byte(nil), k...)) })
	}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	old := time.Date(now.Year()-1, now.Month(), 10, 12, 0, 0, 0, time.UTC)
	owner := Actor{Kind: ActorOwner, ID: c.ID, Name: "Reten"}
	appendAt(t, s, c.ID, Event{Kind: KindSignIn, Actor: owner, IP: "203.0.113.77"}, old)
	appendAt(t, s, c.ID, Event{Kind: KindSignIn, Actor: owner, IP: "203.0.113.78"}, old.AddDate(0, 1, 0))
	appendAt(t, s, c.ID, Event{Kind: KindSignIn, Actor: owner, IP: "198.51.100.1"}, now)
	oldKeys := historyKeys(t, s, c.ID)
	if len(oldKeys) != 3 {
		t.Fatalf("%d history keys, want one per month (3)", len(oldKeys))
	}
	cutoff := old.AddDate(0, 2, 0) // after both old months
	s.Close()
	for _, k := range oldKeys[:2] {
		if len(filesHolding(t, dir, k)) == 0 {
			t.Fatal("an old month's key is not in the files before retention: the test proves nothing")
		}
	}
	s = openAt(t, dir)
	if n, err := s.PruneAllActivity(cutoff); err != nil || n != 2 {
		t.Fatalf("PruneAllActivity: %d, %v; want 2", n, err)
	}
	if keys := historyKeys(t, s, c.ID); len(keys) != 1 {
		t.Errorf("%d history keys left, want the current month's", len(keys))
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 1 {
		t.Errorf("VerifyActivity: %d, %v", n, err)
	}
	s.Close()
	for _, k := range oldKeys[:2] {
		if files := filesHolding(t, dir, k); len(files) > 0 {
			t.Errorf("a shredded month's key is still in %v", files)
		}
	}
}

// Archive retention removes the messages older than its cutoff from the files too (the
// conformance suite checks which messages it removes through the store's operations).
func TestArchiveRetentionErasesFromTheFiles(t *testing.T) {
	dir := t.TempDir()
	s := openAt(t, dir)
	c := &Client{Email: "archivo@example.mx", FirstName: "Archivo"}
	if err := s.CreateClient(c, sysEvent); err != nil {
		t.Fatal(err)
	}
	queue := func(subject string, age time.Duration) { // archived, its copy sent
		t.Helper()
		m := &Message{ClientID: c.ID, Category: CategoryGeneral, Subject: subject, From: "zona@example.mx",
			Copies: []Copy{{Kind: "owner", PersonID: c.ID, To: c.Email}}}
		content := Content{Body: MessageBody{Text: "cuerpo " + subject},
			Attachments: []AttachmentData{{Attachment: Attachment{Name: "a.txt", Type: "text/plain", Size: 9}, Data: []byte("adjunto " + subject)}}}
		if err := s.QueueMessage(m, content, "example.mx", Event{Kind: KindEmailQueued, Actor: Actor{Kind: ActorSystem}}); err != nil {
			t.Fatal(err)
		}
		if err := s.update(func(txn *badger.Txn) error {
			var stored Message
			if err := get(txn, messageKey(c.ID, m.ID), &stored); err != nil {
				return err
			}
			stored.At = stored.At.Add(-age)
			stored.Copies[0].Status = CopySent
			return put(txn, messageKey(c.ID, m.ID), &stored)
		}); err != nil {
			t.Fatal(err)
		}
	}
	year := 365 * 24 * time.Hour
	queue("zqxviejoqz", 2*year)
	queue("reciente", 0)
	s.Close()
	if len(filesHolding(t, dir, []byte("zqxviejoqz"))) == 0 {
		t.Fatal("the old message is not in the files before retention: the test proves nothing")
	}
	s = openAt(t, dir)
	if n, err := s.PruneArchive(time.Now().Add(-year)); err != nil || n != 1 {
		t.Fatalf("PruneArchive: %d, %v; want 1", n, err)
	}
	s.Close()
	if files := filesHolding(t, dir, []byte("zqxviejoqz")); len(files) > 0 {
		t.Errorf("the removed message is still in %v", files)
	}
}
