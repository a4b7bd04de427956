package handlers_test

import (
	"bytes"
	"net"
	"net/url"
	"regexp"
	"testing"

	"github.com/valyala/fasthttp"

	"zona/handlers"
	"zona/store/storetest"
)

// The benchmarks drive the whole app (every middleware, real Badger stores in a temp dir)
// through its fasthttp handler in memory: no sockets, so what they measure is Zona's own
// cost per request. scripts/load measures the same pages over loopback HTTP.

const (
	benchEmail    = "ana@example.com"
	benchPassword = "correct horse battery staple 42"
	benchName     = "Ana Prueba"
)

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// benchClient sends requests to an app's handler in memory and keeps its cookies, the way
// a browser would.
type benchClient struct {
	handler fasthttp.RequestHandler
	addr    net.Addr
	cookies map[string]string
	req     fasthttp.Request
	ctx     fasthttp.RequestCtx
}

func newBenchClient(tb testing.TB) *benchClient {
	tb.Helper()
	st, kv := storetest.MustOpen(tb)
	storetest.MustCreateClient(tb, st, benchEmail, "Ana", "Prueba", benchPassword)
	app := handlers.New(storetest.Config(), st, kv)
	return &benchClient{
		handler: app.Handler(),
		addr:    &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000},
		cookies: map[string]string{},
	}
}

// do serves one request and returns the response, valid until the next call. With keep
// set, the cookies the response sets are remembered for the next requests.
func (c *benchClient) do(method, uri string, form url.Values, keep bool) *fasthttp.Response {
	c.req.Reset()
	c.req.Header.SetMethod(method)
	c.req.SetRequestURI(uri)
	c.req.Header.SetHost("127.0.0.1")
	c.req.Header.Set(fasthttp.HeaderUserAgent, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36")
	c.req.Header.Set(fasthttp.HeaderAcceptLanguage, "es-MX,es;q=0.9")
	for k, v := range c.cookies {
		c.req.Header.SetCookie(k, v)
	}
	if form != nil {
		c.req.Header.SetContentType("application/x-www-form-urlencoded")
		c.req.SetBodyString(form.Encode())
	}
	// What fasthttp's server clears between two requests on a connection: the response
	// (Init keeps it, body included) and the user values, where Fiber keeps its Locals.
	c.ctx.Response.Reset()
	c.ctx.ResetUserValues()
	c.ctx.Init(&c.req, c.addr, nil)
	c.handler(&c.ctx)
	if keep {
		c.ctx.Response.Header.VisitAllCookie(func(k, v []byte) {
			ck := fasthttp.AcquireCookie()
			defer fasthttp.ReleaseCookie(ck)
			if err := ck.ParseBytes(v); err != nil {
				return
			}
			if len(ck.Value()) == 0 {
				delete(c.cookies, string(k))
			} else {
				c.cookies[string(k)] = string(ck.Value())
			}
		})
	}
	return &c.ctx.Response
}

// signIn signs the client in as a browser would: the sign-in page gives the CSRF cookie
// and token, the form post gives the session cookie.
func (c *benchClient) signIn(tb testing.TB) {
	tb.Helper()
	resp := c.do(fasthttp.MethodGet, "/login", nil, true)
	m := csrfInput.FindSubmatch(resp.Body())
	if resp.StatusCode() != fasthttp.StatusOK || m == nil {
		tb.Fatalf("GET /login: status %d, CSRF field found: %v", resp.StatusCode(), m != nil)
	}
	if c.cookies["zona_csrf"] == "" {
		tb.Fatal("GET /login set no zona_csrf cookie")
	}
	form := url.Values{"email": {benchEmail}, "password": {benchPassword}, "_csrf": {string(m[1])}}
	resp = c.do(fasthttp.MethodPost, "/login", form, true)
	if resp.StatusCode() != fasthttp.StatusSeeOther || string(resp.Header.Peek(fasthttp.HeaderLocation)) != "/zona" {
		tb.Fatalf("POST /login: status %d, Location %q, want 303 to /zona", resp.StatusCode(), resp.Header.Peek(fasthttp.HeaderLocation))
	}
	if c.cookies["zona_session"] == "" {
		tb.Fatal("POST /login set no zona_session cookie")
	}
}

// BenchmarkLoginPage is GET /login: for a new visitor (no cookies, so the page sets a new
// CSRF nonce cookie) and for a returning one (the cookie already set).
func BenchmarkLoginPage(b *testing.B) {
	want := []byte(`name="_csrf"`)
	check := func(b *testing.B, resp *fasthttp.Response) {
		if resp.StatusCode() != fasthttp.StatusOK || !bytes.Contains(resp.Body(), want) {
			b.Fatalf("GET /login: status %d, want 200 with the sign-in form; body:\n%s", resp.StatusCode(), resp.Body())
		}
	}
	b.Run("new_visitor", func(b *testing.B) {
		c := newBenchClient(b)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			check(b, c.do(fasthttp.MethodGet, "/login", nil, false))
		}
	})
	b.Run("returning", func(b *testing.B) {
		c := newBenchClient(b)
		c.do(fasthttp.MethodGet, "/login", nil, true)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			check(b, c.do(fasthttp.MethodGet, "/login", nil, false))
		}
	})
}

// BenchmarkDashboard is GET /zona for a signed-in client: session and CSRF token read from
// the sessions store, the client and its recent history from the domain store, the page
// rendered in the layout.
func BenchmarkDashboard(b *testing.B) {
	c := newBenchClient(b)
	c.signIn(b)
	want := []byte(benchName)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		resp := c.do(fasthttp.MethodGet, "/zona", nil, false)
		if resp.StatusCode() != fasthttp.StatusOK || !bytes.Contains(resp.Body(), want) {
			b.Fatalf("GET /zona: status %d, want 200 with %q; Location %q", resp.StatusCode(), benchName, resp.Header.Peek(fasthttp.HeaderLocation))
		}
	}
}
