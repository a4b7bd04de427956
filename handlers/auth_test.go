package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/handlers"
	"zona/store"
)

// stateChanging lists every route of the app that changes state, from Fiber's own route
// list: a route added to the table is covered without editing this test.
func stateChanging(app *fiber.App) []fiber.Route {
	var out []fiber.Route
	for _, r := range app.GetRoutes(true) {
		switch r.Method {
		case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace, fiber.MethodConnect:
			continue
		}
		out = append(out, r)
	}
	return out
}

// concrete fills a route pattern's parameters with plausible values.
func concrete(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, ":"):
			parts[i] = "01JAAAAAAAAAAAAAAAAAAAAAAA"
		case p == "*":
			parts[i] = "x"
		}
	}
	return strings.Join(parts, "/")
}

func TestEveryStateChangeNeedsCSRFToken(t *testing.T) {
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			e := newEnv(t, func(c *handlers.Config) {
				// Behind a trusted TLS-terminating proxy, the request is HTTPS.
				c.TrustedProxies = []string{"0.0.0.0/0"}
				c.SecureCookies = scheme == "https"
			})
			routes := stateChanging(e.app)
			if len(routes) < 3 {
				t.Fatalf("only %d state-changing routes found: the route list is not being read", len(routes))
			}
			signedIn := e.agent()
			signedIn.headers["X-Forwarded-Proto"] = scheme
			signedIn.headers["Referer"] = scheme + "://example.com/zona"
			signedIn.mustSignInVia(scheme)
			anon := e.agent()
			anon.headers["X-Forwarded-Proto"] = scheme
			for _, r := range routes {
				path := concrete(r.Path)
				for name, a := range map[string]*agent{"signed in": signedIn, "signed out": anon} {
					req := httptest.NewRequest(r.Method, path, strings.NewReader("x=1"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Host = "example.com"
					res := a.do(req)
					// The JSON API takes no cookie session and no CSRF token: without a bearer
					// token it is 401 (JSON), signed in to the client zone or not.
					want := http.StatusForbidden
					if r.Path == "/unsubscribe/:token" {
						// RFC 8058 one-click: no CSRF token by design (csrfExempt), the
						// token in the path authorises; this one is unknown.
						want = http.StatusNotFound
					}
					if strings.HasPrefix(r.Path, "/api/") {
						want = http.StatusUnauthorized
						if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
							t.Errorf("%s %s %s: Content-Type %q, want JSON", name, r.Method, path, ct)
						}
					}
					if res.StatusCode != want {
						t.Errorf("%s %s %s without a token: status %d, want %d", name, r.Method, path, res.StatusCode, want)
					}
				}
			}
			// The session survived all of that: nothing above signed it out.
			if res := signedIn.get("/zona"); res.StatusCode != http.StatusOK {
				t.Fatalf("GET /zona after the refused posts: %d", res.StatusCode)
			}
		})
	}
}

// mustSignInVia signs in over scheme; over HTTPS the CSRF check also wants a same-origin
// Referer, which browsers send thanks to the Referrer-Policy same-origin.
func (a *agent) mustSignInVia(scheme string) {
	a.e.t.Helper()
	a.get("/login")
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{
		"email": {testEmail}, "password": {testPassword}, "_csrf": {a.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "example.com"
	res := a.do(req)
	if res.StatusCode != http.StatusSeeOther {
		a.e.t.Fatalf("sign-in over %s: status %d: %.300s", scheme, res.StatusCode, res.body)
	}
}

func TestHTTPSRefererCheck(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.TrustedProxies = []string{"0.0.0.0/0"} })
	a := e.agent()
	a.headers["X-Forwarded-Proto"] = "https"
	a.get("/login")
	for _, tc := range []struct {
		name, referer string
		want          int
	}{
		{"no referer", "", http.StatusForbidden},
		{"other site", "https://evil.example/login", http.StatusForbidden},
		{"same origin", "https://example.com/login", http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{
				"email": {testEmail}, "password": {testPassword}, "_csrf": {a.csrf}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Host = "example.com"
			if tc.referer != "" {
				req.Header.Set("Referer", tc.referer)
			}
			if res := a.do(req); res.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.want)
			}
		})
	}
}

func TestCSRFTokenInHTMXHeader(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	a.get("/zona")
	req := httptest.NewRequest(http.MethodPost, "/logout", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", a.csrf)
	res := a.do(req)
	if res.StatusCode != http.StatusNoContent || res.Header.Get("HX-Redirect") != "/login" {
		t.Fatalf("htmx logout: status %d, HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}
}

func TestSessionCookie(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.get("/login")
	a.cookies["zona_session"] = "planted-by-an-attacker"
	res := a.followSignIn(a.post("/login", url.Values{"email": {testEmail}, "password": {testPassword}}))
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "zona_session" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie set at sign-in")
	}
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie HttpOnly=%v SameSite=%v, want HttpOnly and Lax", cookie.HttpOnly, cookie.SameSite)
	}
	if cookie.Value == "planted-by-an-attacker" || len(cookie.Value) < 22 {
		t.Errorf("session ID %q: want a new ID of at least 128 random bits", cookie.Value)
	}
	first := cookie.Value

	// Signing in again from the same browser gives yet another ID, and the old one is void.
	a.post("/login", url.Values{"email": {testEmail}, "password": {testPassword}})
	if a.cookies["zona_session"] == first {
		t.Fatal("session ID did not change at the second sign-in")
	}
	old := e.agent()
	old.cookies["zona_session"] = first
	if res := old.get("/zona"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the ID replaced at sign-in still opens /zona: %d", res.StatusCode)
	}
}

func TestSignOutVoidsTheOldCookie(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	if res := a.get("/zona"); res.StatusCode != http.StatusOK || !strings.Contains(res.text(`[data-testid="user-name"]`), "Ana López") {
		t.Fatalf("dashboard: %d, name %q", res.StatusCode, res.text(`[data-testid="user-name"]`))
	}
	stolen := a.cookies["zona_session"]
	res := a.post("/logout", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if !strings.Contains(res.Header.Get("Clear-Site-Data"), "cache") {
		t.Errorf("logout does not clear the browser cache: %q", res.Header.Get("Clear-Site-Data"))
	}
	replay := e.agent()
	replay.cookies["zona_session"] = stolen
	res = replay.get("/zona")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("old cookie after sign-out: status %d to %q, want the sign-in page", res.StatusCode, res.Header.Get("Location"))
	}
	if strings.Contains(res.body, "Ana") {
		t.Fatal("the old cookie still shows account data")
	}
}

func TestEleventhWrongPasswordIsRateLimited(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	for i := 1; i <= 10; i++ {
		res := a.signIn(testEmail, "wrong-password-"+string(rune('a'+i)))
		if res.StatusCode != http.StatusOK || !strings.Contains(res.text(`[data-testid="notice"]`), "no son correctos") {
			t.Fatalf("attempt %d: status %d, notice %q", i, res.StatusCode, res.text(`[data-testid="notice"]`))
		}
	}
	res := a.signIn(testEmail, "wrong-password-again")
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.text(`[data-testid="notice"]`), "Demasiados intentos") {
		t.Fatalf("11th attempt: status %d, notice %q", res.StatusCode, res.text(`[data-testid="notice"]`))
	}
	// Locked means locked: even the right password waits.
	if res := e.agent().signIn(testEmail, testPassword); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right password while locked: status %d", res.StatusCode)
	}
	// Another account from another address is not affected.
	storeClient(t, e, "otro@example.mx")
	if res := e.agent().signIn("otro@example.mx", testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("other account: status %d", res.StatusCode)
	}
	entries, _, err := e.st.ListActivity(e.client.ID, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, en := range entries {
		if en.Kind == store.KindSignInFailed {
			failed++
		}
	}
	if failed != 10 {
		t.Fatalf("history has %d failed sign-ins, want 10 (the locked attempts are not checked)", failed)
	}
}

func storeClient(t *testing.T, e *env, email string) {
	t.Helper()
	hash := e.client.PasswordHash
	c := &store.Client{Email: email, FirstName: "Otro", LastName: "Cliente", PasswordHash: hash}
	if err := e.st.CreateClient(c, store.Event{Kind: store.KindAccountCreated}); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownEmailAndWrongPasswordLookAlike(t *testing.T) {
	e := newEnv(t)
	wrong := e.agent().signIn(testEmail, "not-the-password")
	unknown := e.agent().signIn("nadie@example.mx", "not-the-password")
	if wrong.StatusCode != unknown.StatusCode {
		t.Fatalf("status %d vs %d", wrong.StatusCode, unknown.StatusCode)
	}
	if w, u := wrong.text(`[data-testid="login"]`), unknown.text(`[data-testid="login"]`); strings.ReplaceAll(w, testEmail, "") != strings.ReplaceAll(u, "nadie@example.mx", "") {
		t.Fatalf("answers differ:\n%s\n%s", w, u)
	}
}

func TestSignInBadInput(t *testing.T) {
	long := strings.Repeat("a", 10*1024) + "@example.mx"
	for _, tc := range []struct {
		name, body string
		field      string // the field that must carry the message
		want       string // part of the message
		kept       string // what #email must still hold
	}{
		{"empty fields", "email=&password=", "email", "Escriba su correo", ""},
		{"empty password", "email=ana%40example.mx&password=", "password", "Escriba su contraseña", "ana@example.mx"},
		{"10 KB email", "email=" + url.QueryEscape(long) + "&password=x", "email", "demasiado largo", long},
		{"invalid UTF-8 email", "email=ana%FF%FE%40example.mx&password=x", "email", "caracteres no válidos", "ana\uFFFD@example.mx"},
		{"invalid UTF-8 password", "email=ana%40example.mx&password=%C3%28", "password", "caracteres no válidos", "ana@example.mx"},
		{"not an email", "email=ana&password=x", "email", "correo válido", "ana"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.agent()
			a.get("/login")
			res := a.postRaw("/login", tc.body+"&_csrf="+url.QueryEscape(a.csrf))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200 with the form again", res.StatusCode)
			}
			input := res.doc.Find("#" + tc.field)
			if v, _ := input.Attr("aria-invalid"); v != "true" {
				t.Errorf("#%s aria-invalid=%q", tc.field, v)
			}
			if v, _ := input.Attr("aria-describedby"); v != tc.field+"-error" {
				t.Errorf("#%s aria-describedby=%q", tc.field, v)
			}
			if msg := res.text("#" + tc.field + "-error"); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want it to contain %q", msg, tc.want)
			}
			if v, _ := res.doc.Find("#email").Attr("value"); v != tc.kept {
				t.Errorf("#email keeps %.40q, want %.40q", v, tc.kept)
			}
			if _, has := res.doc.Find("#password").Attr("value"); has {
				t.Error("the password is sent back to the browser")
			}
		})
	}
}

func TestSignedOutGoesToSignIn(t *testing.T) {
	e := newEnv(t)
	res := e.agent().get("/zona")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fzona" {
		t.Fatalf("status %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	a := e.agent()
	a.headers["HX-Request"] = "true"
	res = a.get("/zona")
	if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/login") {
		t.Fatalf("htmx: status %d, HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}
	if res := e.agent().get("/"); res.Header.Get("Location") != "/login" {
		t.Fatalf("/ signed out goes to %q", res.Header.Get("Location"))
	}
}

func TestSignInReturnsToSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/zona":                  "/zona",
		"//evil.example/x":       "/zona",
		"https://evil.example/x": "/zona",
		"/\\evil.example":        "/zona",
		"":                       "/zona",
	} {
		e := newEnv(t)
		a := e.agent()
		a.get("/login")
		res := a.post("/login", url.Values{"email": {testEmail}, "password": {testPassword}, "next": {next}})
		if got := res.Header.Get("Location"); got != want {
			t.Errorf("next=%q: redirected to %q, want %q", next, got, want)
		}
	}
}

func TestIdleTimeoutEndsSession(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.IdleTimeout = time.Second })
	a := e.agent()
	a.mustSignIn()
	if res := a.get("/zona"); res.StatusCode != http.StatusOK {
		t.Fatalf("fresh session: %d", res.StatusCode)
	}
	time.Sleep(2100 * time.Millisecond)
	if res := a.get("/zona"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("idle session still open: %d", res.StatusCode)
	}
}

func TestAbsoluteTimeoutEndsSession(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.AbsoluteTimeout = time.Second })
	a := e.agent()
	a.mustSignIn()
	time.Sleep(2100 * time.Millisecond)
	if res := a.get("/zona"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("session past its absolute timeout still open: %d", res.StatusCode)
	}
}

func TestAuthenticatedPagesAreNotCached(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	res := a.get("/zona")
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if ref := res.Header.Get("Referrer-Policy"); ref != "same-origin" {
		t.Errorf("Referrer-Policy %q", ref)
	}
	if !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
		t.Errorf("Vary %q", res.Header.Get("Vary"))
	}
	if res.doc.Find("script:not([src])").Length() > 0 {
		t.Error("inline script in the page")
	}
}

func TestSignInAndOutAreRecorded(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	a.signIn(testEmail, "wrong-password!")
	a.mustSignIn()
	a.get("/zona")
	a.post("/logout", nil)
	entries, _, err := e.st.ListActivity(e.client.ID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, en := range entries {
		kinds = append(kinds, en.Kind)
		if en.Kind != store.KindAccountCreated && (en.IP == "" || !strings.Contains(en.UserAgent, "Chrome")) {
			t.Errorf("%s without IP or device: %+v", en.Kind, en)
		}
	}
	want := []string{store.KindSignOut, store.KindSignIn, store.KindSignInFailed, store.KindAccountCreated}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("history %v, want %v", kinds, want)
	}
	if _, err := e.st.VerifyActivity(e.client.ID); err != nil {
		t.Fatal(err)
	}
}

func TestDashboardShowsPreviousSignIn(t *testing.T) {
	e := newEnv(t)
	first := e.agent()
	first.mustSignIn()
	if res := first.get("/zona"); !strings.Contains(res.text(`[data-testid="last-signin"]`), "primer inicio") {
		t.Fatalf("first sign-in: %q", res.text(`[data-testid="last-signin"]`))
	}
	second := e.agent()
	second.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0"
	second.mustSignIn()
	if res := second.get("/zona"); !strings.Contains(res.text(`[data-testid="last-signin"]`), "anterior") {
		t.Fatalf("second sign-in: %q", res.text(`[data-testid="last-signin"]`))
	}
}

func TestLanguage(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.headers["Accept-Language"] = "en-US,en;q=0.9"
	if res := a.get("/login"); res.text("h1") != "Sign in" {
		t.Fatalf("Accept-Language en: h1 %q", res.text("h1"))
	}
	a.mustSignIn()
	res := a.post("/language", url.Values{"lang": {"es"}, "back": {"/zona"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/zona" {
		t.Fatalf("language: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := a.get("/zona"); !strings.Contains(res.text("h1"), "Hola") {
		t.Fatalf("after choosing Spanish: h1 %q", res.text("h1"))
	}
	c, err := e.st.ClientByID(e.client.ID)
	if err != nil || c.Lang != "es" {
		t.Fatalf("saved language %q, %v", c.Lang, err)
	}
	// The saved choice follows the person to another browser.
	b := e.agent()
	b.headers["Accept-Language"] = "en"
	b.mustSignIn()
	if res := b.get("/zona"); !strings.Contains(res.text("h1"), "Hola") {
		t.Fatalf("other browser: h1 %q", res.text("h1"))
	}
	if res := a.post("/language", url.Values{"lang": {"xx"}}); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown language: %d", res.StatusCode)
	}
}

func TestNotFoundAndMethodPages(t *testing.T) {
	e := newEnv(t)
	res := e.agent().get("/no-such-page")
	if res.StatusCode != http.StatusNotFound || res.doc.Find(`[data-testid="error-page"]`).Length() != 1 {
		t.Fatalf("404 page: %d %.200s", res.StatusCode, res.body)
	}
}
