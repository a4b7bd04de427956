package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"zona/handlers"
	"zona/mail"
	"zona/mail/mailtest"
	"zona/secure"
	"zona/store"
	"zona/store/storetest"
)

// mailEnv is an env whose mail goes over SMTP to a real server in the test (started with
// opts when given).
type mailEnv struct {
	*env
	smtp   *mailtest.Server
	worker *mail.Worker
}

func newMailEnv(t *testing.T, opts ...mailtest.Options) *mailEnv {
	t.Helper()
	srv := mailtest.Start(t, append(opts, mailtest.Options{})[0])
	st, kv := storetest.MustOpen(t)
	mcfg := mail.Config{Host: srv.Host, Port: srv.Port, TLS: mail.TLSNone, From: "Hosting de Prueba <avisos@hosting.test>",
		Timeout: 5 * time.Second}
	w := mail.NewWorker(st, mcfg, nil, nil)
	cfg := storetest.Config()
	cfg.BaseURL = "http://zona.test"
	cfg.NotifyNewDevice = true
	cfg.Mailer = mail.NewMailer(st, mcfg, w, cfg.Logger)
	c := storetest.MustCreateClient(t, st, testEmail, "Ana", "López", testPassword)
	return &mailEnv{env: &env{t: t, app: handlers.New(cfg, st, kv), st: st, kv: kv, client: c}, smtp: srv, worker: w}
}

// deliver sends what the outbox holds until the SMTP server has received want messages
// (or 5 s passed), and returns everything it received. Some mail is queued after the
// request that causes it was answered (a password reset's), so the outbox is read again
// until then.
func (m *mailEnv) deliver(want int) []mailtest.Received {
	m.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := m.worker.RunOnce(context.Background()); err != nil {
			m.t.Fatal(err)
		}
		if got := m.smtp.Received(); len(got) >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// drain waits for the work the server does after answering a request (a password
// reset's): the shutdown hook that waits for it runs even though app.Test serves without
// a listener. The app is not used after it.
func (e *env) drain() {
	e.t.Helper()
	if err := e.app.ShutdownWithTimeout(5 * time.Second); err != nil && !strings.Contains(err.Error(), "not running") {
		e.t.Fatal(err)
	}
}

// waitQueued waits until clientID's archive holds n messages, queued by work done after a
// request was answered.
func waitQueued(t testing.TB, st *store.Store, clientID string, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		msgs, _, err := st.ListMessages(clientID, store.MessageQuery{Limit: n})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages queued, want %d", len(msgs), n)
		}
	}
}

func resetLink(t *testing.T, r mailtest.Received) string {
	t.Helper()
	for _, l := range r.Links() {
		if strings.Contains(l, "/password/reset/") {
			return strings.TrimPrefix(l, "http://zona.test")
		}
	}
	t.Fatalf("no reset link in:\n%s", r.Part("text/plain"))
	return ""
}

func TestPasswordResetEndToEnd(t *testing.T) {
	m := newMailEnv(t)
	signedIn := m.agent()
	signedIn.mustSignIn()

	a := m.agent()
	a.get("/password/forgot")
	known := a.post("/password/forgot", url.Values{"email": {"ANA@example.mx"}})
	unknown := m.agent()
	unknown.get("/password/forgot")
	other := unknown.post("/password/forgot", url.Values{"email": {"nadie@example.mx"}})
	if known.StatusCode != http.StatusOK || known.text(`[data-testid="notice"]`) != other.text(`[data-testid="notice"]`) {
		t.Fatalf("answers differ: %d %q / %q", known.StatusCode, known.text(`[data-testid="notice"]`), other.text(`[data-testid="notice"]`))
	}
	got := m.deliver(1)
	if len(got) != 1 || got[0].To[0] != testEmail {
		t.Fatalf("received %d messages: %+v", len(got), got)
	}
	link := resetLink(t, got[0])

	if res := a.get(link); res.StatusCode != http.StatusOK || res.doc.Find("#new").Length() != 1 {
		t.Fatalf("reset form: %d", res.StatusCode)
	}
	res := a.post(link, url.Values{"new": {"Password12!"}, "confirm": {"Password12!"}})
	if msg := res.text("#new-error"); !strings.Contains(msg, "adivinar") {
		t.Fatalf("weak password through the link: %q", msg)
	}
	res = a.post(link, url.Values{"new": {newPassword}, "confirm": {newPassword}})
	if res.StatusCode != http.StatusOK || res.doc.Find(`[data-testid="reset-signin"]`).Length() != 1 {
		t.Fatalf("reset: %d %.300s", res.StatusCode, res.body)
	}
	if res := signedIn.get("/zona"); res.StatusCode != http.StatusSeeOther {
		t.Fatal("a session survived the reset")
	}
	if res := m.agent().signIn(testEmail, newPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with the new password: %d", res.StatusCode)
	}
	if res := a.get(link); res.StatusCode != http.StatusGone {
		t.Fatalf("second use of the link: %d, want 410", res.StatusCode)
	}
	if res := a.post(link, url.Values{"new": {newPassword + "2"}, "confirm": {newPassword + "2"}}); res.StatusCode != http.StatusGone {
		t.Fatalf("second post through the link: %d, want 410", res.StatusCode)
	}
	got = m.deliver(2)
	if len(got) != 2 || !strings.Contains(got[1].Part("text/plain"), "contraseña") || got[1].To[0] != testEmail {
		t.Fatalf("no password-changed notice: %d messages", len(got))
	}
	entries, _, _ := m.st.ListActivity(m.client.ID, "", 30)
	var kinds []string
	for _, e := range entries {
		kinds = append(kinds, e.Kind)
	}
	if !strings.Contains(strings.Join(kinds, ","), store.KindPasswordReset) || !strings.Contains(strings.Join(kinds, ","), store.KindResetRequested) {
		t.Fatalf("history %v", kinds)
	}
}

func TestResetLinkExpiresAfterAnHour(t *testing.T) {
	m := newMailEnv(t)
	token := secure.Token()
	if err := m.st.CreateReset(m.client, nil, secure.TokenHash(token), time.Now().Add(-time.Second), store.Event{Kind: store.KindResetRequested}); err != nil {
		t.Fatal(err)
	}
	if res := m.agent().get("/password/reset/" + token); res.StatusCode != http.StatusGone || !strings.Contains(res.body, "caducó") {
		t.Fatalf("expired link: %d", res.StatusCode)
	}
	if res := m.agent().get("/password/reset/not-a-token"); res.StatusCode != http.StatusGone {
		t.Fatalf("unknown link: %d", res.StatusCode)
	}
}

func TestPasswordChangeVoidsResetLinks(t *testing.T) {
	m := newMailEnv(t)
	a := m.agent()
	a.get("/password/forgot")
	a.post("/password/forgot", url.Values{"email": {testEmail}})
	link := resetLink(t, m.deliver(1)[0])
	b := m.agent()
	b.mustSignIn()
	b.get("/password")
	if res := b.post("/password", url.Values{"current": {testPassword}, "new": {newPassword}, "confirm": {newPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", res.StatusCode)
	}
	if res := a.get(link); res.StatusCode != http.StatusGone {
		t.Fatalf("link after a password change: %d, want 410", res.StatusCode)
	}
	got := m.deliver(2)
	if !strings.Contains(got[1].Part("text/plain"), "127.0.0.1") && !strings.Contains(got[1].Part("text/plain"), "0.0.0.0") {
		t.Errorf("the password-changed notice does not say from where:\n%s", got[1].Part("text/plain"))
	}
}

func TestResetRequestsAreLimitedPerEmail(t *testing.T) {
	m := newMailEnv(t)
	for i := range 5 {
		a := m.agent()
		a.get("/password/forgot")
		if res := a.post("/password/forgot", url.Values{"email": {testEmail}}); res.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, res.StatusCode)
		}
	}
	m.drain()
	m.deliver(3)
	if _, err := m.worker.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(m.smtp.Received()); n != 3 {
		t.Fatalf("%d reset emails for 5 requests, want 3", n)
	}
}

func TestResetBadInput(t *testing.T) {
	m := newMailEnv(t)
	a := m.agent()
	a.get("/password/forgot")
	res := a.postRaw("/password/forgot", "email=%FF%FE&_csrf="+url.QueryEscape(a.csrf))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.text("#email-error"), "caracteres") {
		t.Fatalf("invalid UTF-8: %d %q", res.StatusCode, res.text("#email-error"))
	}
	res = a.post("/password/forgot", url.Values{"email": {""}})
	if !strings.Contains(res.text("#email-error"), "Escriba") {
		t.Fatalf("empty: %q", res.text("#email-error"))
	}
}

func TestContactResetsItsOwnPassword(t *testing.T) {
	m := newMailEnv(t)
	hash, err := secure.Hash(context.Background(), contactPassword)
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := mustContact(t, m.st, m.client.ID, contactSpec{first: "Luis", email: "luis@example.mx", access: true,
		signIn: true, passwordHash: hash, areas: []string{"emails"}})
	owner := m.agent()
	owner.mustSignIn()
	contact := m.agent()
	if res := contact.signIn(ct.Email, contactPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("contact sign-in: %d", res.StatusCode)
	}
	a := m.agent()
	a.get("/password/forgot")
	a.post("/password/forgot", url.Values{"email": {"LUIS@example.mx"}})
	got := m.deliver(1)
	if got[0].To[0] != ct.Email {
		t.Fatalf("reset link sent to %v, want the contact alone", got[0].To)
	}
	link := resetLink(t, got[0])
	if res := a.post(link, url.Values{"new": {newPassword}, "confirm": {newPassword}}); res.doc.Find(`[data-testid="reset-signin"]`).Length() != 1 {
		t.Fatalf("reset: %d %.300s", res.StatusCode, res.body)
	}
	if res := contact.get("/zona"); res.StatusCode != http.StatusSeeOther {
		t.Fatal("the contact's old session survived its reset")
	}
	if res := owner.get("/zona"); res.StatusCode != http.StatusOK {
		t.Fatal("the contact's reset ended the owner's session")
	}
	if res := m.agent().signIn(ct.Email, newPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("contact sign-in with the new password: %d", res.StatusCode)
	}
	if res := m.agent().signIn(testEmail, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatal("the owner's password changed")
	}
	entries, _, _ := m.st.ListActivity(m.client.ID, "", 20)
	for _, e := range entries {
		if e.Kind == store.KindPasswordReset && (e.Actor.Kind != store.ActorContact || e.Actor.ID != ct.ID) {
			t.Fatalf("reset recorded as %+v", e.Actor)
		}
	}
}

// TestResetAnswersAlikeForKnownAndUnknownEmails: the answer to a reset request cannot tell
// whether the email has an account, by its page or by its time. The work a known email
// costs (the lookup, the link, the mail) happens after the answer: here the mail is held
// back, and the answer comes anyway, the same page as for an unknown email.
func TestResetAnswersAlikeForKnownAndUnknownEmails(t *testing.T) {
	release := make(chan struct{})
	var held atomic.Int32
	st, kv := storetest.MustOpen(t)
	cfg := storetest.Config()
	cfg.Mailer = mail.NewMailer(st, mail.Config{}, nil, cfg.Logger)
	cfg.Mailer.People = func(string) ([]mail.Recipient, error) {
		held.Add(1)
		<-release
		return nil, nil
	}
	c := storetest.MustCreateClient(t, st, testEmail, "Ana", "López", testPassword)
	e := &env{t: t, app: handlers.New(cfg, st, kv), st: st, kv: kv, client: c}
	t.Cleanup(func() { close(release) })

	answer := func(email string) *response {
		a := e.agent()
		a.get("/password/forgot")
		done := make(chan *response, 1)
		go func() { done <- a.post("/password/forgot", url.Values{"email": {email}}) }()
		select {
		case r := <-done:
			return r
		case <-time.After(5 * time.Second):
			t.Fatalf("the answer for %s waited for the mail", email)
			return nil
		}
	}
	known, unknown := answer(testEmail), answer("nadie@example.mx")
	if known.StatusCode != http.StatusOK || known.StatusCode != unknown.StatusCode || withoutCSRF(known.body) != withoutCSRF(unknown.body) {
		t.Fatalf("answers differ: %d / %d\n%s\n---\n%s", known.StatusCode, unknown.StatusCode, known.body, unknown.body)
	}
	// The known email's mail is under way meanwhile, and is queued once let go.
	for deadline := time.Now().Add(5 * time.Second); held.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no mail was started for the known email")
		}
	}
	release <- struct{}{}
	waitQueued(t, e.st, e.client.ID, 1)
	e.drain()
	if n := held.Load(); n != 1 {
		t.Errorf("%d mails started, want 1: the unknown email made one", n)
	}
}
