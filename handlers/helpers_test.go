package handlers_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"

	"zona/handlers"
	"zona/store"
	"zona/store/storetest"
)

const (
	testEmail    = "ana@example.mx"
	testPassword = "Clave-Segura-2026!"
)

// env is one app on real stores in a temp dir, with one client.
type env struct {
	t      testing.TB
	app    *fiber.App
	st     *store.Store
	kv     *store.Sessions
	client *store.Client
}

func newEnv(t testing.TB, edit ...func(*handlers.Config)) *env {
	t.Helper()
	st, kv := storetest.MustOpen(t)
	cfg := storetest.Config()
	for _, f := range edit {
		f(&cfg)
	}
	c := storetest.MustCreateClient(t, st, testEmail, "Ana", "López", testPassword)
	app := handlers.New(cfg, st, kv)
	// Shutting the app down waits for its background jobs (an export), which must not
	// meet the stores closed.
	t.Cleanup(func() { _ = app.Shutdown() })
	return &env{t: t, app: app, st: st, kv: kv, client: c}
}

// agent is one browser: it keeps cookies between requests and knows the CSRF token of the
// last page it loaded.
type agent struct {
	e       *env
	cookies map[string]string
	csrf    string
	headers map[string]string
}

func (e *env) agent() *agent {
	return &agent{e: e, cookies: map[string]string{}, headers: map[string]string{}}
}

// csrfValue is a page's CSRF token where the page carries it: in forms and in the htmx
// headers of the body. It is masked anew for every response (csrf.go).
var csrfValue = regexp.MustCompile(`(name="_csrf" value="|X-CSRF-Token&#34;:&#34;)[A-Za-z0-9_-]+`)

// withoutCSRF is body with its CSRF tokens blanked, for comparing two answers.
func withoutCSRF(body string) string { return csrfValue.ReplaceAllString(body, "${1}CSRF") }

type response struct {
	*http.Response
	body string // decoded when it came compressed
	wire int    // the body's length as sent
	doc  *goquery.Document
}

func (a *agent) do(req *http.Request) *response {
	a.e.t.Helper()
	for k, v := range a.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for k, v := range a.headers {
		req.Header.Set(k, v)
	}
	res, err := a.e.app.Test(req, -1)
	if err != nil {
		a.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	wire := len(b)
	switch res.Header.Get("Content-Encoding") {
	case "br":
		b, err = io.ReadAll(brotli.NewReader(bytes.NewReader(b)))
	case "gzip":
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(bytes.NewReader(b)); err == nil {
			b, err = io.ReadAll(zr)
		}
	}
	if err != nil {
		a.e.t.Fatalf("%s %s: decoding %s body: %v", req.Method, req.URL, res.Header.Get("Content-Encoding"), err)
	}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" || (!c.Expires.IsZero() && c.Expires.Unix() <= 0) {
			delete(a.cookies, c.Name)
		} else {
			a.cookies[c.Name] = c.Value
		}
	}
	r := &response{Response: res, body: string(b), wire: wire}
	if strings.Contains(res.Header.Get("Content-Type"), "html") {
		r.doc, _ = goquery.NewDocumentFromReader(strings.NewReader(r.body))
		if v, _ := r.doc.Find(`input[name="_csrf"]`).First().Attr("value"); v != "" {
			a.csrf = v
		}
	}
	return r
}

func (a *agent) get(path string) *response {
	return a.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends a form with the agent's CSRF token added.
func (a *agent) post(path string, form url.Values) *response {
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" && a.csrf != "" {
		form.Set("_csrf", a.csrf)
	}
	return a.postRaw(path, form.Encode())
}

func (a *agent) postRaw(path, body string) *response {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.do(req)
}

// signIn signs the agent in with email and password and returns the answer to the POST.
// A sign-in renews the CSRF token, so after one the agent loads the page it was sent to,
// as a browser does, and holds the session's token.
func (a *agent) signIn(email, password string) *response {
	a.get("/login")
	return a.followSignIn(a.post("/login", url.Values{"email": {email}, "password": {password}}))
}

// followSignIn loads the page a successful sign-in r leads to.
func (a *agent) followSignIn(r *response) *response {
	if loc := r.Header.Get("Location"); r.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/") {
		a.get(loc)
	}
	return r
}

// mustSignIn signs in as the env's client and fails the test unless it worked.
func (a *agent) mustSignIn() {
	a.e.t.Helper()
	r := a.signIn(testEmail, testPassword)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/zona" {
		a.e.t.Fatalf("sign-in: status %d, location %q, body %.300s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
}

func (r *response) text(selector string) string {
	if r.doc == nil {
		return ""
	}
	return strings.TrimSpace(r.doc.Find(selector).Text())
}
