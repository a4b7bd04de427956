package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"zona/store"
)

func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String() + errb.String(), err
}

func TestClientAndStaffCreate(t *testing.T) {
	data := t.TempDir()
	out, err := runCLI(t, "Clave-Segura-2026!\n", "client", "create", "--data", data, "--email", "ana@example.mx", "--name", "Ana López Ramírez", "--password-stdin")
	if err != nil || !strings.Contains(out, "Ana López Ramírez <ana@example.mx> created") {
		t.Fatalf("client create: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "Clave-Segura-2026!\n", "client", "create", "--data", data, "--email", "ANA@example.mx", "--name", "Otra", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Fatalf("duplicate email: %v", err)
	}
	if _, err := runCLI(t, "corta\n", "client", "create", "--data", data, "--email", "b@example.mx", "--name", "B", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "at least 10") {
		t.Fatalf("short password: %v", err)
	}
	if _, err := runCLI(t, "", "client", "create", "--data", data, "--email", "c@example.mx", "--name", "C"); err == nil {
		t.Fatal("a password taken from nowhere")
	}
	if out, err := runCLI(t, "Clave-Segura-2026!\n", "staff", "create", "--data", data, "--email", "ops@example.mx", "--password-stdin"); err != nil || !strings.Contains(out, "ops@example.mx created") {
		t.Fatalf("staff create: %v\n%s", err, out)
	}
	if out, err := runCLI(t, "Clave-Segura-2026!\n", "staff", "create", "--data", data, "--email", "soporte@example.mx", "--role", "support", "--password-stdin"); err != nil || !strings.Contains(out, "role support") {
		t.Fatalf("staff create --role support: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "Clave-Segura-2026!\n", "staff", "create", "--data", data, "--email", "jefe@example.mx", "--role", "boss", "--password-stdin"); err == nil {
		t.Fatal("an unknown role accepted")
	}
	if out, err := runCLI(t, "", "audit", "verify", "--data", data); err != nil || !strings.Contains(out, "1 histories") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "", "frobnicate"); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestDemoPrintsWorkingSignIns(t *testing.T) {
	data := t.TempDir()
	out, err := runCLI(t, "", "demo", "--data", data)
	if err != nil {
		t.Fatal(err, out)
	}
	m := regexp.MustCompile(`client\s+(\S+)\s+(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no client sign-in printed:\n%s", out)
	}
	// Run twice: new passwords, same accounts.
	out2, err := runCLI(t, "", "demo", "--data", data)
	if err != nil || out2 == out {
		t.Fatalf("second demo: %v\n%s", err, out2)
	}
	if !strings.Contains(out2, "Staff sign in at /admin/login") {
		t.Errorf("demo does not say where staff sign in:\n%s", out2)
	}
	base, stop := serveForTest(t, data)
	for _, who := range []string{"client", "contact"} {
		m := regexp.MustCompile(who + `\s+(\S+)\s+(\S+)`).FindStringSubmatch(out2)
		if m == nil {
			t.Fatalf("no %s sign-in printed:\n%s", who, out2)
		}
		if status := signIn(t, base, m[1], m[2]); status != "/zona" {
			t.Errorf("demo %s cannot sign in: landed on %q", who, status)
		}
	}
	stop()

	// A living account: contacts with different permissions, a message of every category,
	// each in the history.
	st, err := store.Open(data, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.ClientByEmail("cliente@demo.zona.mx")
	if err != nil {
		t.Fatal(err)
	}
	contacts, err := st.ListContacts(c.ID)
	if err != nil || len(contacts) != 2 || reflect.DeepEqual(contacts[0].Emails, contacts[1].Emails) || contacts[0].Access == contacts[1].Access {
		t.Errorf("demo contacts: %+v %v", contacts, err)
	}
	msgs, _, err := st.ListMessages(c.ID, store.MessageQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	categories := map[string]bool{}
	for _, m := range msgs {
		categories[m.Category] = true
	}
	for _, cat := range store.Categories {
		if !categories[cat] {
			t.Errorf("the demo has no %s message", cat)
		}
	}
	page, err := st.QueryActivity(c.ID, store.ActivityQuery{Limit: 100})
	if err != nil || len(page.Entries) < 3+len(store.Categories)+2 { // created, contacts, joined, messages, new passwords
		t.Errorf("demo history: %d entries, %v", len(page.Entries), err)
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveForTest runs `zona serve` on data, with more flags when given, until stop is called,
// and returns its URL.
func serveForTest(t *testing.T, data string, flags ...string) (base string, stop func() string) {
	t.Helper()
	addr := freeAddr(t)
	base = "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--data", data, "--addr", addr, "--base-url", base}, flags...), nil, out, io.Discard)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil && res.StatusCode == http.StatusOK {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("zona serve did not come up: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return base, func() string {
		// fasthttp's shutdown closes idle connections but waits for one that never sent a
		// request, which Go's transport may have dialed spare: close the test's own first.
		http.DefaultClient.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve ended with %v\n%s", err, out.String())
		}
		return out.String()
	}
}

func signIn(t *testing.T, base, email, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	res, err := hc.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := goquery.NewDocumentFromReader(res.Body)
	res.Body.Close()
	token, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
	res, err = hc.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}, "_csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.Request.URL.Path
}

func TestServePrintsSetupLinkThatWorksOnce(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--addr", addr, "--base-url", base}, nil, out, io.Discard)
	}()
	var link string
	for deadline := time.Now().Add(10 * time.Second); link == ""; {
		if m := regexp.MustCompile(`http://\S+/admin/setup/\S+`).FindString(out.String()); m != "" {
			link = m
		} else if time.Now().After(deadline) {
			t.Fatalf("no setup link printed:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	var res *http.Response
	var err error
	for range 100 { // the link is printed just before the server listens
		if res, err = hc.Get(link); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET setup link: %v %v", err, res)
	}
	doc, _ := goquery.NewDocumentFromReader(res.Body)
	res.Body.Close()
	token, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
	form := url.Values{"name": {"Operadora"}, "email": {"ops@example.mx"}, "password": {"Clave-Segura-2026!"}, "confirm": {"Clave-Segura-2026!"}, "_csrf": {token}}
	res, err = hc.PostForm(link, form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "ops@example.mx") {
		t.Fatalf("setup did not confirm the account: %d %s", res.StatusCode, body)
	}
	res, err = hc.PostForm(link, form)
	if err != nil || res.StatusCode != http.StatusNotFound {
		t.Fatalf("second use of the setup link: %v %v", err, res.StatusCode)
	}
	res.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	// Both stores were closed: another process (here, this one) can open the data dir again.
	if out, err := runCLI(t, "", "audit", "verify", "--data", data); err != nil {
		t.Fatalf("reopen after shutdown: %v %s", err, out)
	}
	// With a staff account, no new link is printed.
	_, stop := serveForTest(t, data)
	if out := stop(); strings.Contains(out, "/admin/setup/") {
		t.Fatalf("a setup link printed although staff exists:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer that a server goroutine writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestBackupAndRestore(t *testing.T) {
	data := t.TempDir()
	if out, err := runCLI(t, "Clave-Segura-2026!\n", "client", "create", "--data", data, "--email", "ana@example.mx", "--name", "Ana López", "--password-stdin"); err != nil {
		t.Fatal(err, out)
	}
	file := filepath.Join(t.TempDir(), "zona.bak")
	if out, err := runCLI(t, "", "backup", "--data", data, file); err != nil || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %v %s", err, out)
	}
	if _, err := runCLI(t, "", "backup", "--data", data, file); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	restored := t.TempDir()
	if out, err := runCLI(t, "", "restore", "--data", restored, file); err != nil {
		t.Fatalf("restore: %v %s", err, out)
	}
	if out, err := runCLI(t, "", "audit", "verify", "--data", restored, "--client", "ana@example.mx"); err != nil || !strings.Contains(out, "1 histories") {
		t.Fatalf("restored data: %v %s", err, out)
	}
	if _, err := runCLI(t, "", "restore", "--data", restored, file); err == nil {
		t.Fatal("restore into a data dir that has clients")
	}
	base, stop := serveForTest(t, restored)
	defer stop()
	if got := signIn(t, base, "ana@example.mx", "Clave-Segura-2026!"); got != "/zona" {
		t.Fatalf("sign-in on restored data landed on %q", got)
	}
}
