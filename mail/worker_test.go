package mail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"zona/mail/mailtest"
	"zona/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func newClient(t *testing.T, st *store.Store, email string) *store.Client {
	t.Helper()
	c := &store.Client{Email: email, FirstName: "Ana", LastName: "López", PasswordHash: "x"}
	if err := st.CreateClient(c, store.Event{Kind: store.KindAccountCreated, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	return c
}

func configFor(srv *mailtest.Server, tlsMode string) Config {
	return Config{
		Host: srv.Host, Port: srv.Port, TLS: tlsMode, TLSConfig: srv.ClientTLS(),
		From: "Hosting de Prueba <avisos@hosting.test>", Timeout: 5 * time.Second,
		RetryFirst: 20 * time.Millisecond, RetryMax: 80 * time.Millisecond, Attempts: 200, Poll: 50 * time.Millisecond,
	}
}

// part is one MIME part of a received message.
type part struct {
	contentType string
	body        string
}

func parts(t *testing.T, raw []byte) (mail.Header, []part) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	var out []part
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p) // multipart decodes quoted-printable itself
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		out = append(out, part{ct, string(b)})
	}
	return msg.Header, out
}

func TestDeliverOverSMTP(t *testing.T) {
	modes := []struct {
		name string
		opts mailtest.Options
		tls  string
	}{
		{"plain", mailtest.Options{}, TLSNone},
		{"starttls with auth", mailtest.Options{StartTLS: true, Username: "zona", Password: "s3cret-pass"}, TLSStartTLS},
		{"implicit tls with auth", mailtest.Options{TLS: true, Username: "zona", Password: "s3cret-pass"}, TLSImplicit},
		{"opportunistic", mailtest.Options{StartTLS: true}, TLSOpportunistic},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv := mailtest.Start(t, m.opts)
			st := openStore(t, t.TempDir())
			defer st.Close()
			c := newClient(t, st, "ana@cliente.mx")
			cfg := configFor(srv, m.tls)
			cfg.Username, cfg.Password = m.opts.Username, m.opts.Password
			w := NewWorker(st, cfg, nil, quiet)
			mailer := NewMailer(st, cfg, w, quiet)
			mailer.People = func(string) ([]Recipient, error) {
				return []Recipient{
					{Kind: KindContact, ID: "c1", Email: "pagos@cliente.mx", Name: "Pagos", Permissions: map[string]bool{store.CategoryNotes: true}},
					{Kind: KindContact, ID: "c2", Email: "soporte@cliente.mx", Permissions: map[string]bool{store.CategorySupport: true}},
				}, nil
			}
			html := `<p>Su factura de <b>julio</b> está lista.</p><p><a href="https://hosting.test/f/1">Ver factura</a></p>`
			msg, err := mailer.Send(Outgoing{ClientID: c.ID, Category: store.CategoryNotes, Subject: "Factura de julio — ñandú", HTML: html})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := srv.WaitFor(2, 5*time.Second)
			if len(got) != 2 {
				t.Fatalf("got %d messages, want 2", len(got))
			}
			stored, err := st.MessageByID(c.ID, msg.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantTo := []string{"ana@cliente.mx", "pagos@cliente.mx"}
			for i, r := range got {
				if len(r.To) != 1 || r.To[0] != wantTo[i] {
					t.Errorf("message %d envelope to %v, want %s", i, r.To, wantTo[i])
				}
				if r.From != "avisos@hosting.test" {
					t.Errorf("envelope from %q", r.From)
				}
				h, ps := parts(t, r.Raw)
				dec := new(mime.WordDecoder)
				subj, _ := dec.DecodeHeader(h.Get("Subject"))
				if subj != "Factura de julio — ñandú" {
					t.Errorf("Subject %q", subj)
				}
				if !strings.Contains(h.Get("To"), wantTo[i]) || !strings.Contains(h.Get("From"), "avisos@hosting.test") {
					t.Errorf("To %q From %q", h.Get("To"), h.Get("From"))
				}
				if want := "<" + stored.Copies[i].MessageID + ">"; h.Get("Message-Id") != want {
					t.Errorf("Message-ID %q, want %q", h.Get("Message-Id"), want)
				}
				if !strings.HasSuffix(stored.Copies[i].MessageID, "@hosting.test") {
					t.Errorf("Message-ID domain: %q", stored.Copies[i].MessageID)
				}
				if d, err := h.Date(); err != nil || d.Unix() != stored.At.Unix() {
					t.Errorf("Date %v (%v), want %v", d, err, stored.At)
				}
				if h.Get("X-Zona-Category") != "notes" || h.Get("Auto-Submitted") != "auto-generated" {
					t.Errorf("headers %v", h)
				}
				if len(ps) != 2 || ps[0].contentType != "text/plain" || ps[1].contentType != "text/html" {
					t.Fatalf("parts %+v, want text/plain then text/html", ps)
				}
				if !strings.Contains(ps[0].body, "Su factura de julio está lista.") || !strings.Contains(ps[0].body, "Ver factura (https://hosting.test/f/1)") {
					t.Errorf("text part %q", ps[0].body)
				}
				if strings.TrimSpace(ps[1].body) != html {
					t.Errorf("html part %q", ps[1].body)
				}
			}
			for _, cp := range stored.Copies {
				if cp.Status != store.CopySent || cp.Attempts != 1 || cp.SentAt.IsZero() {
					t.Errorf("copy %+v, want sent after one attempt", cp)
				}
			}
			if stored.Status() != store.CopySent {
				t.Errorf("message status %s", stored.Status())
			}
			if out, _ := st.Outbox(); len(out) != 0 {
				t.Errorf("outbox keeps %d items", len(out))
			}
			e, err := st.LastOfKind(c.ID, store.KindEmailQueued, 10)
			if err != nil {
				t.Fatalf("history: %v", err)
			}
			if e.Detail["message_id"] != msg.ID || e.Detail["recipients"] != "2" || e.Detail["subject"] != msg.Subject {
				t.Errorf("history entry %+v", e)
			}
		})
	}
}

func TestWrongPasswordIsRetried(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{StartTLS: true, Username: "zona", Password: "right"})
	st := openStore(t, t.TempDir())
	defer st.Close()
	c := newClient(t, st, "ana@cliente.mx")
	cfg := configFor(srv, TLSStartTLS)
	cfg.Username, cfg.Password, cfg.RetryFirst, cfg.RetryMax = "zona", "wrong", time.Hour, 2*time.Hour
	w := NewWorker(st, cfg, nil, quiet)
	msg, err := NewMailer(st, cfg, w, quiet).Send(Outgoing{ClientID: c.ID, Category: store.CategoryGeneral, Subject: "Hola", HTML: "<p>Hola</p>"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, _ := st.MessageByID(c.ID, msg.ID)
	cp := m.Copies[0]
	if cp.Status != store.CopyQueued || cp.Attempts != 1 || cp.LastError == "" || time.Until(cp.NextAttempt) < 40*time.Minute {
		t.Errorf("copy %+v, want queued again about an hour later with the error", cp)
	}
	if len(srv.Received()) != 0 {
		t.Error("message delivered without authentication")
	}
}

func TestPermanentAndExhaustedFailures(t *testing.T) {
	var tries atomic.Int32
	srv := mailtest.Start(t, mailtest.Options{
		Rcpt: func(to string) error {
			if strings.HasPrefix(to, "nadie@") {
				return mailtest.ErrNoSuchUser
			}
			tries.Add(1)
			return mailtest.ErrTemporary
		},
	})
	st := openStore(t, t.TempDir())
	defer st.Close()
	c1 := newClient(t, st, "nadie@cliente.mx")
	c2 := newClient(t, st, "lleno@cliente.mx")
	cfg := configFor(srv, TLSNone)
	cfg.Attempts = 3
	w := NewWorker(st, cfg, nil, quiet)
	mailer := NewMailer(st, cfg, w, quiet)
	m1, err := mailer.Send(Outgoing{ClientID: c1.ID, Category: store.CategoryGeneral, Subject: "Uno", HTML: "<p>1</p>"})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := mailer.Send(Outgoing{ClientID: c2.ID, Category: store.CategoryGeneral, Subject: "Dos", HTML: "<p>2</p>"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if out, _ := st.Outbox(); len(out) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("outbox never emptied")
		}
		time.Sleep(10 * time.Millisecond)
	}
	got1, _ := st.MessageByID(c1.ID, m1.ID)
	if cp := got1.Copies[0]; cp.Status != store.CopyFailed || cp.Attempts != 1 || !strings.Contains(cp.LastError, "550") {
		t.Errorf("refused recipient: %+v, want failed at once with the 550", cp)
	}
	got2, _ := st.MessageByID(c2.ID, m2.ID)
	if cp := got2.Copies[0]; cp.Status != store.CopyFailed || cp.Attempts != 3 || !strings.Contains(cp.LastError, "451") {
		t.Errorf("temporary failures: %+v, want failed after 3 attempts with the 451", cp)
	}
	if tries.Load() != 3 {
		t.Errorf("%d attempts at the busy mailbox, want 3", tries.Load())
	}
	for _, c := range []*store.Client{c1, c2} {
		e, err := st.LastOfKind(c.ID, store.KindEmailFailed, 10)
		if err != nil || e.Detail["to"] != c.Email {
			t.Errorf("history of %s: %+v %v", c.Email, e, err)
		}
		if n, err := st.VerifyActivity(c.ID); err != nil || n != 3 {
			t.Errorf("history chain of %s: %d entries, %v", c.Email, n, err)
		}
	}
}

// receivedOnce checks that the server got every message exactly once.
func receivedOnce(t *testing.T, got []mailtest.Received, want int) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range got {
		seen[r.MessageID()]++
	}
	if len(got) != want || len(seen) != want {
		t.Errorf("server got %d messages with %d distinct Message-IDs, want %d of each", len(got), len(seen), want)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s arrived %d times", id, n)
		}
	}
}

func TestSMTPDownMidQueue(t *testing.T) {
	const total = 30
	var accepted atomic.Int32
	stopped := make(chan struct{})
	srv := mailtest.Start(t, mailtest.Options{Data: func(mailtest.Received) error {
		if accepted.Add(1) == 10 {
			close(stopped)
		}
		return nil
	}})
	st := openStore(t, t.TempDir())
	defer st.Close()
	c := newClient(t, st, "ana@cliente.mx")
	cfg := configFor(srv, TLSNone)
	w := NewWorker(st, cfg, nil, quiet)
	mailer := NewMailer(st, cfg, w, quiet)
	for i := range total {
		if _, err := mailer.Send(Outgoing{ClientID: c.ID, Category: store.CategoryGeneral, Subject: fmt.Sprintf("Aviso %d", i), HTML: "<p>Aviso</p>"}); err != nil {
			t.Fatal(err)
		}
	}
	w.Start()
	defer w.Stop()
	<-stopped
	srv.Stop()
	time.Sleep(300 * time.Millisecond) // several failed attempts while the server is down
	mid, _ := st.Outbox()
	if len(mid) == 0 {
		t.Fatal("every message was delivered before the server went down")
	}
	srv.Restart()
	srv.WaitFor(total, 20*time.Second)
	waitEmpty(t, st)
	receivedOnce(t, srv.Received(), total)
	retried := 0
	page, _, _ := st.ListMessages(c.ID, store.MessageQuery{Limit: total})
	for _, m := range page {
		if m.Status() != store.CopySent {
			t.Errorf("%s: %s", m.Subject, m.Status())
		}
		if m.Copies[0].Attempts > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Error("no copy needed a second attempt: the server was not down mid-queue")
	}
}

func waitEmpty(t *testing.T, st *store.Store) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := st.Outbox()
		if err != nil {
			t.Fatal(err)
		}
		if len(out) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox still holds %d copies", len(out))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAbandonedAttempt simulates a Zona that dies mid-send: the attempt is recorded as
// under way (ClaimCopy), the message reaches no server, and the store is closed without
// recording an outcome. Reopened, the worker leaves the copy alone until its lease is
// over, then delivers it once, with the same Message-ID. The SIGKILL of a real process is
// tested in package main (message_kill_test.go).
func TestAbandonedAttempt(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	dir := t.TempDir()
	st := openStore(t, dir)
	c := newClient(t, st, "ana@cliente.mx")
	cfg := configFor(srv, TLSNone)
	cfg.Lease = 400 * time.Millisecond
	msg, err := NewMailer(st, cfg, nil, quiet).Send(Outgoing{ClientID: c.ID, Category: store.CategoryGeneral, Subject: "Hola", HTML: "<p>Hola</p>"})
	if err != nil {
		t.Fatal(err)
	}
	claimed := time.Now()
	d, err := st.ClaimCopy(msg.Copies[0].ID, claimed, claimed.Add(cfg.Lease))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	st = openStore(t, dir)
	defer st.Close()
	m, _ := st.MessageByID(c.ID, msg.ID)
	if m.Copies[0].Status != store.CopySending {
		t.Fatalf("after the crash the copy is %s, want sending", m.Copies[0].Status)
	}
	w := NewWorker(st, cfg, nil, quiet)
	next, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Received()) != 0 {
		t.Fatal("copy sent again while its lease ran")
	}
	if !next.Equal(claimed.Add(cfg.Lease).UTC()) {
		t.Errorf("next attempt at %v, want the end of the lease %v", next, claimed.Add(cfg.Lease))
	}
	time.Sleep(time.Until(next))
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(1, 5*time.Second)
	receivedOnce(t, got, 1)
	if got[0].MessageID() != "<"+d.Copy.MessageID+">" {
		t.Errorf("Message-ID %s, want the one of the abandoned attempt %s", got[0].MessageID(), d.Copy.MessageID)
	}
	m, _ = st.MessageByID(c.ID, msg.ID)
	if cp := m.Copies[0]; cp.Status != store.CopySent || cp.Attempts != 2 {
		t.Errorf("copy %+v, want sent at the second attempt", cp)
	}
}

func TestNoSMTPConfigured(t *testing.T) {
	st := openStore(t, t.TempDir())
	defer st.Close()
	c := newClient(t, st, "ana@cliente.mx")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	msg, err := NewMailer(st, Config{}, nil, log).Send(Outgoing{ClientID: c.ID, Category: store.CategoryGeneral, Subject: "Hola", Text: "Hola"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "no SMTP server configured") {
		t.Errorf("log %q", logs.String())
	}
	page, _, err := st.ListMessages(c.ID, store.MessageQuery{})
	if err != nil || len(page) != 1 || page[0].ID != msg.ID || page[0].Status() != store.CopyQueued {
		t.Errorf("archive %+v %v", page, err)
	}
	if _, err := NewMailer(st, Config{}, nil, log).Send(Outgoing{ClientID: c.ID, Category: store.CategoryMarketing, Subject: "Oferta", Text: "x"}); err != store.ErrNoRecipients {
		t.Errorf("marketing to a client who did not opt in: %v, want ErrNoRecipients", err)
	}
	if _, err := NewMailer(st, Config{}, nil, log).Send(Outgoing{ClientID: store.NewID(), Category: store.CategoryGeneral, Subject: "x", Text: "x"}); err != store.ErrNotFound {
		t.Errorf("unknown client: %v", err)
	}
}

// While the data volume is low the worker pauses: nothing is sent, no attempt is counted,
// no copy fails; once space returns the same copy goes out.
func TestWorkerPausesWhileDiskLow(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	dir := t.TempDir()
	st := openStore(t, dir)
	defer st.Close()
	c := newClient(t, st, "ana@cliente.mx")
	cfg := configFor(srv, TLSNone)
	w := NewWorker(st, cfg, nil, quiet)
	msg, err := NewMailer(st, cfg, w, quiet).Send(Outgoing{ClientID: c.ID, Category: store.CategoryGeneral, Subject: "Hola", Text: "Hola"})
	if err != nil {
		t.Fatal(err)
	}

	st.GuardDisk(store.NewDiskGuard(dir, math.MaxUint64, quiet)) // no volume has that much free
	next, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("a paused round is no error: %v", err)
	}
	if wait := time.Until(next); wait <= 0 || wait > diskRecheck {
		t.Errorf("paused worker looks again in %v, want within %v", wait, diskRecheck)
	}
	m, _ := st.MessageByID(c.ID, msg.ID)
	if cp := m.Copies[0]; cp.Status != store.CopyQueued || cp.Attempts != 0 || cp.LastError != "" {
		t.Errorf("copy while the disk is low: %+v, want queued and untouched", cp)
	}
	if len(srv.Received()) != 0 {
		t.Fatal("a message was sent while its outcome could not be recorded")
	}

	st.GuardDisk(nil)
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, _ = st.MessageByID(c.ID, msg.ID)
	if cp := m.Copies[0]; cp.Status != store.CopySent || cp.Attempts != 1 {
		t.Errorf("copy after space returned: %+v, want sent on its first attempt", cp)
	}
	if len(srv.Received()) != 1 {
		t.Errorf("received %d messages, want 1", len(srv.Received()))
	}
}
