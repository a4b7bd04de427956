package mail

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"zona/locales"
	"zona/mail/mailtest"
	"zona/store"
)

// TestSecretLinkIsDeliveredButNeverKept sends a password reset whose first attempt is
// refused for a while: the link waits in the outbox item only, goes out by SMTP, and once
// the copy is delivered no record of the store holds it; the archive has the note.
func TestSecretLinkIsDeliveredButNeverKept(t *testing.T) {
	var refused atomic.Bool
	srv := mailtest.Start(t, mailtest.Options{Rcpt: func(string) error {
		if refused.CompareAndSwap(false, true) {
			return mailtest.ErrTemporary
		}
		return nil
	}})
	st := openStore(t, t.TempDir())
	defer st.Close()
	c := newClient(t, st, "ana@cliente.mx")
	cfg := configFor(srv, TLSNone)
	w := NewWorker(st, cfg, nil, quiet)
	mailer := NewMailer(st, cfg, w, quiet)
	const token = "Zk3_secret-token-0123456789abcdefghijklmno"
	r, err := Render(TplPasswordReset, "es", "Hosting de Prueba", time.UTC,
		TemplateData{Name: "Ana", Link: "https://zona.test/password/reset/" + token, Valid: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	who := Owner(c)
	msg, err := mailer.Send(Outgoing{ClientID: c.ID, Category: store.CategoryAccount, Subject: r.Subject,
		HTML: r.HTML, Text: r.Text, Secret: r.Secret, Concerns: &who})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out, _ := st.Outbox(); len(out) != 1 || out[0].Secret == nil || !strings.Contains(out[0].Secret.Text, token) {
		t.Fatalf("after a refused attempt the outbox holds %+v, want the copy with its link", out)
	}
	w.Start()
	waitEmpty(t, st)
	w.Stop()
	got := srv.WaitFor(1, 5*time.Second)
	if len(got) != 1 || !strings.Contains(got[0].Part("text/plain"), token) || !strings.Contains(got[0].Part("text/html"), token) {
		t.Fatalf("the delivered mail lacks its link: %d received", len(got))
	}
	body, err := st.MessageBodyByID(c.ID, msg.ID)
	if err != nil {
		t.Fatal(err)
	}
	note := locales.For("es").T("mail.link_redacted")
	if !strings.Contains(body.HTML, note) || !strings.Contains(body.Text, note) {
		t.Errorf("the archived copy lacks the note:\n%s", body.Text)
	}
	var all bytes.Buffer
	if err := st.Backup(&all); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(all.Bytes(), []byte(note)) {
		t.Fatal("the backup does not show the archived values: the scan below would prove nothing")
	}
	if bytes.Contains(all.Bytes(), []byte(token)) {
		t.Error("the store still holds the one-time link after delivery")
	}
}
