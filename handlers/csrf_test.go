package handlers_test

import (
	"bufio"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	badger3 "github.com/dgraph-io/badger/v3"

	"zona/handlers"
	"zona/store/storetest"
)

// postWith posts form to path with the agent's cookies and exactly the token given.
func (a *agent) postWith(path, token string, headers map[string]string) *response {
	form := url.Values{"_csrf": {token}}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return a.do(req)
}

// A signed-in session's token is its own: another session's token, or the token of the
// sign-in page from before the sign-in, is refused; the session's own is accepted.
func TestCSRFTokenBoundToSession(t *testing.T) {
	e := newEnv(t)
	a, b := e.agent(), e.agent()
	a.get("/login")
	visitorToken := a.csrf
	a.mustSignIn()
	b.mustSignIn()
	a.get("/sessions")
	b.get("/sessions")
	for name, tok := range map[string]string{"another session's": b.csrf, "the pre-sign-in": visitorToken, "no": ""} {
		if r := a.postWith("/sessions/revoke-others", tok, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s token: status %d, want 403", name, r.StatusCode)
		}
	}
	if r := a.postWith("/sessions/revoke-others", a.csrf, nil); r.StatusCode >= 400 {
		t.Fatalf("own token: status %d", r.StatusCode)
	}
}

// The token a page carries is masked anew for every response (BREACH: pages are compressed
// and can echo a request's search beside it): two reads of one page carry different
// strings, both of which work, and neither is the session's token itself, which a change of
// one byte of the mask's other half breaks.
func TestCSRFTokenIsMaskedPerResponse(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	a.get("/sessions")
	first := a.csrf
	a.get("/sessions")
	second := a.csrf
	if first == second {
		t.Fatalf("two responses carry the same token %q", first)
	}
	for _, tok := range []string{first, second} {
		if r := a.postWith("/sessions/revoke-others", tok, nil); r.StatusCode >= 400 {
			t.Fatalf("token %q: status %d", tok, r.StatusCode)
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(first)
	if err != nil || len(raw)%2 != 0 {
		t.Fatalf("token %q is not a pad and a masked token: %v", first, err)
	}
	raw[len(raw)-1] ^= 1
	if r := a.postWith("/sessions/revoke-others", base64.RawURLEncoding.EncodeToString(raw), nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("altered token: status %d, want 403", r.StatusCode)
	}
}

// An attacker who visits the sign-in page gets a visitor cookie and its token; planted in a
// signed-in victim's browser, the pair opens nothing.
func TestPlantedCSRFCookieIsRefused(t *testing.T) {
	e := newEnv(t)
	attacker := e.agent()
	attacker.get("/login")
	victim := e.agent()
	victim.mustSignIn()
	victim.cookies["zona_csrf"] = attacker.cookies["zona_csrf"]
	if r := victim.postWith("/sessions/revoke-others", attacker.csrf, nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("planted cookie and token: status %d, want 403", r.StatusCode)
	}
}

// A token in the query string is not looked at.
func TestCSRFTokenInQueryIsRefused(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	a.get("/zona")
	req := httptest.NewRequest(http.MethodPost, "/sessions/revoke-others?_csrf="+url.QueryEscape(a.csrf), nil)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := a.do(req); r.StatusCode != http.StatusForbidden {
		t.Fatalf("token in the query: status %d, want 403", r.StatusCode)
	}
}

// The browser's word that a request comes from another site wins over any token.
func TestCrossSiteRequestIsRefused(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	a.get("/zona")
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "http://evil.example"},
		{"Origin": "null"},
	} {
		if r := a.postWith("/sessions/revoke-others", a.csrf, h); r.StatusCode != http.StatusForbidden {
			t.Errorf("%v: status %d, want 403", h, r.StatusCode)
		}
	}
	if r := a.postWith("/sessions/revoke-others", a.csrf, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}); r.StatusCode >= 400 {
		t.Fatalf("same origin: status %d", r.StatusCode)
	}
}

// Visitors cost no disk: pages, sign-in forms, 404s and bots without cookies write nothing
// to the sessions store.
func TestVisitorsWriteNothing(t *testing.T) {
	e := newEnv(t)
	keys := func() int {
		n := 0
		err := e.kv.Conn().View(func(txn *badger3.Txn) error {
			it := txn.NewIterator(badger3.IteratorOptions{})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := keys()
	for _, path := range []string{"/login", "/password/forgot", "/no-such-page", "/admin/login", "/", "/zona"} {
		for range 20 {
			e.agent().get(path)
		}
	}
	a := e.agent()
	a.get("/login")
	a.get("/password/forgot")
	if after := keys(); after != before {
		t.Fatalf("visitors wrote %d keys to the sessions store", after-before)
	}
	// The visitor's token still works: a sign-in form posts.
	if r := a.post("/login", url.Values{"email": {testEmail}, "password": {testPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with a visitor token: %d", r.StatusCode)
	}
}

// Every page answers HEAD as GET does, without a body.
func TestHEADAnswersLikeGET(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	for _, path := range []string{"/login", "/zona", "/account", "/activity", "/healthz", "/api/v1/openapi.json"} {
		get := a.get(path)
		head := a.do(httptest.NewRequest(http.MethodHead, path, nil))
		if head.StatusCode != get.StatusCode || head.body != "" {
			t.Errorf("HEAD %s: %d with %d bytes; GET: %d", path, head.StatusCode, len(head.body), get.StatusCode)
		}
	}
}

// Paths match in one letter case: /API/v1 is no way around the API's rules.
func TestPathsAreCaseSensitive(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	for _, path := range []string{"/API/v1/clients", "/Api/v1/openapi.json", "/ZONA", "/Login"} {
		if r := a.get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.StatusCode)
		}
	}
}

// The request ID is Zona's own: one sent by the client is not believed.
func TestRequestIDIsNotTakenFromTheClient(t *testing.T) {
	e := newEnv(t)
	req := httptest.NewRequest(http.MethodGet, "/login", nil)
	req.Header.Set("X-Request-Id", "chosen-by-client")
	r := e.agent().do(req)
	if got := r.Header.Get("X-Request-Id"); got == "" || got == "chosen-by-client" {
		t.Fatalf("X-Request-Id %q", got)
	}
}

// A request whose length could be read two ways is refused, not served.
func TestAmbiguousLengthIsRefused(t *testing.T) {
	st, kv := storetest.MustOpen(t)
	base := storetest.Serve(t, storetest.Config(), st, kv)
	host := strings.TrimPrefix(base, "http://")
	for name, headers := range map[string]string{
		"two lengths":         "Content-Length: 3\r\nContent-Length: 9\r\n", // the body below has 9 bytes
		"length and chunked":  "Content-Length: 9\r\nTransfer-Encoding: chunked\r\n",
		"two lengths, spaced": "content-length: 3\r\nContent-Length : 3\r\n",
	} {
		conn, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		raw := "POST /login HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/x-www-form-urlencoded\r\n" + headers + "\r\nx=1&y=234"
		if _, err := conn.Write([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, res.StatusCode)
		}
	}
}

// Behind trusted proxies the client's address is the last one no trusted proxy wrote (each
// appends what it saw), never an address the client wrote before them: limits and the
// history cannot be steered.
func TestForwardedForTakesTheClientsAddress(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.TrustedProxies = []string{"0.0.0.0", "198.51.100.0/24"} })
	a := e.agent()
	a.headers["X-Forwarded-For"] = "203.0.113.9, 192.0.2.50, 198.51.100.7"
	a.mustSignIn()
	all, _, err := e.st.ListActivity(e.client.ID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 || all[0].IP != "192.0.2.50" {
		t.Fatalf("sign-in recorded from %q, want the client the proxies saw, 192.0.2.50", all[0].IP)
	}
}
