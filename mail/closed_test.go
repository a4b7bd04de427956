package mail

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"zona/mail/mailtest"
	"zona/store"
)

// TestNoticeToAClosedAccountIsDeliveredThenErased: the account mail queued just before
// the account is closed (the answer to the request to close it) is still delivered over
// SMTP, and once it is sent nothing of the person is left in the data dir.
func TestNoticeToAClosedAccountIsDeliveredThenErased(t *testing.T) {
	const email = "zqxcierreqz@cliente.mx"
	srv := mailtest.Start(t, mailtest.Options{})
	dir := t.TempDir()
	st := openStore(t, dir)
	defer st.Close()
	c := newClient(t, st, email)
	cfg := configFor(srv, TLSNone)
	w := NewWorker(st, cfg, nil, quiet)
	owner := Owner(c)
	msg, err := NewMailer(st, cfg, w, quiet).Send(Outgoing{ClientID: c.ID, Category: store.CategoryAccount,
		Subject: "Solicitud ARCO resuelta", Text: "Cerramos su cuenta.", Concerns: &owner,
		Event: store.Event{Actor: store.Actor{Kind: store.ActorStaff, ID: "01JSTAFF00000000000000000A"}}})
	if err != nil {
		t.Fatal(err)
	}
	closed, err := st.CloseAccount(c.ID, store.Actor{Kind: store.ActorStaff, ID: "01JSTAFF00000000000000000A"})
	if err != nil || closed.Waiting != 1 {
		t.Fatalf("closing: %+v %v, want the notice kept", closed, err)
	}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(1, 5*time.Second)
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != email || !bytes.Contains(got[0].Raw, []byte("Cerramos su cuenta.")) {
		t.Fatalf("received %+v, want the notice to %s", got, email)
	}
	if _, err := st.MessageByID(c.ID, msg.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the notice once sent: %v, want it erased", err)
	}
	if items, err := st.Outbox(); err != nil || len(items) != 0 {
		t.Errorf("outbox after delivery: %+v %v", items, err)
	}
	// Read while the store is open: a record written since the last purge would still be
	// in the memtable's log, uncompressed.
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte("zqxcierreqz")) {
			t.Errorf("the closed account's email is still in %s", d.Name())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
