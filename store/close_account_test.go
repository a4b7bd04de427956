package store

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// openAt opens the store in dir; the caller closes it.
func openAt(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// filesHolding lists the files under dir that hold needle: in their bytes, or, for a
// Badger table (.sst), in any key or value of any version it stores, read through its
// block compression (a compressed block can hide a string from a byte search). Logs, the
// value log and the manifest are searched as bytes: Badger writes them uncompressed.
func filesHolding(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		found := bytes.Contains(b, needle)
		if !found && strings.HasSuffix(path, ".sst") {
			found = tableHolds(t, path, needle)
		}
		if found {
			out = append(out, filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tableHolds reports whether some key or value in the Badger table file path holds needle,
// every version and tombstone included.
func tableHolds(t *testing.T, path string, needle []byte) bool {
	t.Helper()
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	opts := Options("", slog.New(slog.NewTextHandler(io.Discard, nil)))
	tbl, err := table.OpenTable(mf, table.Options{ReadOnly: true, BlockSize: opts.BlockSize,
		BloomFalsePositive: opts.BloomFalsePositive, Compression: opts.Compression, ChkMode: options.OnTableAndBlockRead})
	if err != nil {
		mf.Close(-1)
		t.Fatalf("%s: %v", path, err)
	}
	defer tbl.DecrRef()
	it := tbl.NewIterator(0)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if bytes.Contains(it.Key(), needle) || bytes.Contains(it.Value().Value, needle) {
			return true
		}
	}
	return false
}

// versionsHolding lists the keys of which some version, in s's LSM tree, has needle in
// its key or value. It sees through the tables' block compression, which can hide a
// string from filesHolding.
func versionsHolding(t *testing.T, s *Store, needle string) []string {
	t.Helper()
	var out []string
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{AllVersions: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if bytes.Contains(v, []byte(needle)) || bytes.Contains(it.Item().Key(), []byte(needle)) {
				out = append(out, string(it.Item().Key()))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// historyKeys returns the raw keys sealing clientID's history.
func historyKeys(t *testing.T, s *Store, clientID string) [][]byte {
	t.Helper()
	var keys [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(actKeyPrefix(clientID))})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			keys = append(keys, v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// marker is written into every personal field of the account closed in these tests, and
// kept is written into another account's, which must survive.
const (
	marker = "zqxmarkerqz"
	kept   = "zqxkeptqz"
)

// seedPersonal gives a new client, named and reached through word, personal data of
// every kind: a contact, a session, history entries with personal fields, an archived
// message with an attachment (delivered), a pending email change. Its razón social, which
// closing keeps, holds word in upper case: the scans for word look for what must go.
func seedPersonal(t *testing.T, s *Store, word string) *Client {
	t.Helper()
	c := &Client{Email: word + "@example.mx", FirstName: word, LastName: "Pérez", Company: word + " SA",
		Address: Address{Phone: "+525512345678", Street: "Calle " + word}, Fiscal: Fiscal{RFC: "PEGA850101AB1", RazonSocial: "Razón " + strings.ToUpper(word)}}
	if err := s.CreateClient(c, sysEvent); err != nil {
		t.Fatal(err)
	}
	owner := Actor{Kind: ActorOwner, ID: c.ID, Name: word + " Pérez"}
	ct := &Contact{ClientID: c.ID, FirstName: word + "contacto", Email: "contacto." + word + "@example.mx", Access: true}
	if _, err := s.CreateContact(ct, 0, []byte(strings.Repeat("i", 22)+word), Event{Kind: KindContactCreated, Actor: owner, IP: "10.1.2.3", UserAgent: word + "-browser"}); err != nil {
		t.Fatal(err)
	}
	d := &Device{Hash: strings.Repeat("a", 64), Started: time.Now(), LastSeen: time.Now(), Expires: time.Now().Add(time.Hour),
		IP: "10.1.2.3", UserAgent: word + "-browser"}
	if err := s.StartDevice(c.ID, d, Event{Kind: KindSignIn, Actor: owner, IP: "10.1.2.3", UserAgent: word + "-browser"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateClient(c.ID, c.Rev, func(c *Client) error { c.City = "Ciudad " + word; return nil },
		Event{Kind: KindAccountUpdated, Actor: owner, Changes: []Change{{Field: "city", New: "Ciudad " + word}}}); err != nil {
		t.Fatal(err)
	}
	m := &Message{ClientID: c.ID, Category: CategoryGeneral, Subject: "Asunto " + word, From: "zona@example.mx",
		Copies: []Copy{{Kind: "owner", PersonID: c.ID, To: c.Email, Name: word}}}
	content := Content{Body: MessageBody{Text: "Hola " + word, HTML: "<p>Hola " + word + "</p>"},
		Attachments: []AttachmentData{{Attachment: Attachment{Name: word + ".txt", Type: "text/plain", Size: int64(len(word))}, Data: []byte("adjunto " + word)}}}
	if err := s.QueueMessage(m, content, "example.mx", Event{Kind: KindEmailQueued, Actor: Actor{Kind: ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CopySentAt(m.Copies[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.RequestEmailChange(c.ID, "nuevo."+word+"@example.mx", []byte(strings.Repeat("t", 32)+word), time.Hour,
		Event{Kind: KindEmailChangeRequested, Actor: owner, Detail: map[string]string{"to": "nuevo." + word + "@example.mx"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateReset(c, nil, []byte(strings.Repeat("r", 22)+word), time.Now().Add(time.Hour),
		Event{Kind: KindResetRequested, Actor: owner, IP: "10.1.2.3"}); err != nil {
		t.Fatal(err)
	}
	return c
}

// Closing an account erases its personal data from Badger's files and shreds the keys that
// sealed its history, which still verifies once the store is reopened (the conformance
// suite checks what the closing does through the store's operations).
func TestCloseAccountErasesPersonalDataAndKeepsTheChain(t *testing.T) {
	dir := t.TempDir()
	s := openAt(t, dir)
	c := seedPersonal(t, s, marker)
	seedPersonal(t, s, kept)
	keys := historyKeys(t, s, c.ID)
	if len(keys) == 0 {
		t.Fatal("no key seals the history")
	}
	s.Close()
	// Before: the marker and the history's key are in the files, so the scans below can fail.
	if len(filesHolding(t, dir, []byte(marker))) == 0 {
		t.Fatal("the marker is nowhere in the data dir before closing: the test proves nothing")
	}
	for _, k := range keys {
		if len(filesHolding(t, dir, k)) == 0 {
			t.Fatal("a history key is nowhere in the data dir before closing")
		}
	}

	s = openAt(t, dir)
	if _, err := s.CloseAccount(c.ID, Actor{Kind: ActorStaff, ID: "01JSTAFF00000000000000000A", Name: "Eva Staff"}); err != nil {
		t.Fatal(err)
	}
	// Nothing names the account any more: links, outbox, any prefix personalKeys lists.
	if err := s.db.View(func(txn *badger.Txn) error {
		prefixes, _, err := personalKeys(txn, &Client{ID: c.ID})
		for _, p := range prefixes {
			if bytes.Equal(p, []byte(clientKey(c.ID))) {
				continue
			}
			it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
			for it.Rewind(); it.Valid(); it.Next() {
				t.Errorf("left after closing: %s", it.Item().Key())
			}
			it.Close()
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// After: nothing of it is left in any file of the data dir, and the key is gone too, so
	// the sealed entries cannot be opened by anyone holding the files.
	if files := filesHolding(t, dir, []byte(marker)); len(files) > 0 {
		t.Errorf("the erased marker is still in %v", files)
	}
	for _, k := range keys {
		if files := filesHolding(t, dir, k); len(files) > 0 {
			t.Errorf("a shredded history key is still in %v", files)
		}
	}
	if len(filesHolding(t, dir, []byte(kept))) == 0 {
		t.Error("the other account's data is gone from the files")
	}
	s = openAt(t, dir)
	defer s.Close()
	if _, err := s.VerifyActivity(c.ID); err != nil {
		t.Errorf("VerifyActivity after reopening: %v", err)
	}
}

// A closing interrupted after its first step (the FiscalKept record and the last entry
// written, nothing erased yet) is finished by the next Open.
func TestOpenFinishesAnInterruptedClosing(t *testing.T) {
	dir := t.TempDir()
	s := openAt(t, dir)
	c := seedPersonal(t, s, marker)
	err := s.update(func(txn *badger.Txn) error {
		k := FiscalKept{ClientID: c.ID, Reason: fiscalKeptReason, CreatedAt: c.CreatedAt, ClosedAt: time.Now().UTC(), ClosedBy: Actor{Kind: ActorStaff}}
		if err := put(txn, closedKey(c.ID), &k); err != nil {
			return err
		}
		return appendEntry(txn, c.ID, Event{Kind: KindAccountClosed, Actor: k.ClosedBy})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openAt(t, dir)
	defer s.Close()
	cl, err := s.ClientByID(c.ID)
	if err != nil || !cl.Closed() || cl.Email != "" {
		t.Fatalf("client after reopening: %+v, %v", cl, err)
	}
	if _, err := s.ClientByEmail(marker + "@example.mx"); !errors.Is(err, ErrNotFound) {
		t.Errorf("login index left: %v", err)
	}
	if _, err := s.VerifyActivity(c.ID); err != nil {
		t.Error(err)
	}
}

// queueNotice queues to c's owner an account mail naming word, as the handler tells the
// person that the request to close the account was approved, and returns it.
func queueNotice(t *testing.T, s *Store, c *Client, word string) *Message {
	t.Helper()
	m := &Message{ClientID: c.ID, Category: CategoryAccount, Subject: "Solicitud ARCO resuelta", From: "zona@example.mx",
		Copies: []Copy{{Kind: "owner", PersonID: c.ID, To: c.Email, Name: word}}}
	content := Content{Body: MessageBody{Text: "Cerramos su cuenta, " + word, HTML: "<p>Cerramos su cuenta, " + word + "</p>"}}
	if err := s.QueueMessage(m, content, "example.mx", Event{Kind: KindEmailQueued, Actor: Actor{Kind: ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	return m
}

// The notice queued just before the closing is kept by Open, which finishes closings, until
// its copy is sent or given up; then it is erased from the files too, with its failed-copy
// note, and the history still verifies after reopening (the conformance suite checks the
// notice's way through the outbox).
func TestCloseAccountKeepsAWaitingNoticeUntilItsCopyIsDone(t *testing.T) {
	for _, finish := range []struct {
		name string
		done func(s *Store, copyID string) error
	}{
		{"sent", func(s *Store, copyID string) error { return s.CopySentAt(copyID, time.Now()) }},
		{"given up", func(s *Store, copyID string) error { return s.CopyFailedFinal(copyID, "550 no such user "+marker) }},
	} {
		t.Run(finish.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openAt(t, dir)
			c := seedPersonal(t, s, marker)
			notice := queueNotice(t, s, c, marker)
			if _, err := s.CloseAccount(c.ID, Actor{Kind: ActorStaff, ID: "01JSTAFF00000000000000000A"}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			// Open finishes closings, but leaves a notice still waiting.
			s = openAt(t, dir)
			defer func() { s.Close() }()
			items, err := s.Outbox()
			if err != nil || len(items) != 1 || items[0].CopyID != notice.Copies[0].ID {
				t.Fatalf("outbox after closing: %+v %v", items, err)
			}
			d, err := s.ClaimCopy(notice.Copies[0].ID, time.Now(), time.Now().Add(time.Minute))
			if err != nil || d.Copy.To != marker+"@example.mx" || !strings.Contains(d.Body.Text, "Cerramos su cuenta") {
				t.Fatalf("delivering the notice: %+v %v", d, err)
			}
			// The claim rewrote the notice's record, which names the person, into the
			// memtable's log: the marker is in the files, so the scan below can fail.
			if len(filesHolding(t, dir, []byte(marker))) == 0 || len(versionsHolding(t, s, marker)) == 0 {
				t.Fatal("the waiting notice is nowhere in the data dir")
			}
			if err := finish.done(s, notice.Copies[0].ID); err != nil {
				t.Fatal(err)
			}
			if failed, err := listAll[failedRef](s, failedPrefix); err != nil || len(failed) != 0 {
				t.Errorf("failed-copy notes left: %+v %v", failed, err)
			}
			if keys := versionsHolding(t, s, marker); len(keys) > 0 {
				t.Errorf("the marker is still in %q", keys)
			}
			s.Close()
			if files := filesHolding(t, dir, []byte(marker)); len(files) > 0 {
				t.Errorf("the erased marker is still in %v", files)
			}
			s = openAt(t, dir)
			if _, err := s.VerifyActivity(c.ID); err != nil {
				t.Errorf("VerifyActivity after reopening: %v", err)
			}
		})
	}
}

// A crash after the notice's copy was recorded sent and before the purge that follows:
// the next Open removes the notice.
func TestOpenErasesANoticeDeliveredAfterClosing(t *testing.T) {
	dir := t.TempDir()
	s := openAt(t, dir)
	c := seedPersonal(t, s, marker)
	notice := queueNotice(t, s, c, marker)
	if _, err := s.CloseAccount(c.ID, Actor{Kind: ActorStaff}); err != nil {
		t.Fatal(err)
	}
	// What finishCopy commits before it runs the closing again.
	err := s.update(func(txn *badger.Txn) error {
		var m Message
		if err := get(txn, messageKey(c.ID, notice.ID), &m); err != nil {
			return err
		}
		m.Copies[0].Status, m.Copies[0].SentAt = CopySent, time.Now().UTC()
		if err := put(txn, messageKey(c.ID, notice.ID), &m); err != nil {
			return err
		}
		return txn.Delete([]byte(outboxKey(notice.Copies[0].ID)))
	})
	if err != nil {
		t.Fatal(err)
	}
	// That record names the person, and is in the memtable's log.
	if len(filesHolding(t, dir, []byte(marker))) == 0 {
		t.Fatal("the delivered notice is nowhere in the data dir")
	}
	s.Close()
	s = openAt(t, dir)
	if _, err := s.MessageByID(c.ID, notice.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the delivered notice after reopening: %v", err)
	}
	if keys := versionsHolding(t, s, marker); len(keys) > 0 {
		t.Errorf("the marker is still in %q", keys)
	}
	s.Close()
	if files := filesHolding(t, dir, []byte(marker)); len(files) > 0 {
		t.Errorf("the erased marker is still in %v", files)
	}
}
