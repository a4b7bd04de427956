package store_test

import (
	"bytes"
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"zona/handlers"
	"zona/store"
	"zona/store/storetest"
)

// historySize is the length of the history the activity benchmarks read.
const historySize = 1_000_000

var benchUAs = []string{
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
}

// benchEvent is entry i of the benchmark's history: mostly sign-ins and sign-outs by the
// owner, with password changes, failed sign-ins and staff edits among them.
func benchEvent(clientID string) func(i int) store.Event {
	owner := store.Actor{Kind: store.ActorOwner, ID: clientID, Name: "Ana Prueba"}
	return func(i int) store.Event {
		ev := store.Event{Kind: store.KindSignIn, Actor: owner, IP: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			UserAgent: benchUAs[i%len(benchUAs)]}
		switch {
		case i == 0:
			return store.Event{Kind: store.KindAccountCreated, Actor: store.Actor{Kind: store.ActorSystem}}
		case i%500 == 0:
			ev.Kind, ev.Actor = store.KindLanguage, store.Actor{Kind: store.ActorStaff, ID: "S1", Name: "Luis Pérez"}
			ev.Changes = []store.Change{{Field: "lang", Old: "es", New: "en"}}
		case i%97 == 0:
			ev.Kind = store.KindSignInFailed
		case i%50 == 0:
			ev.Kind = store.KindPasswordChanged
			ev.Changes = []store.Change{{Field: "password", Secret: true}}
		case i%2 == 1:
			ev.Kind = store.KindSignOut
		}
		return ev
	}
}

// BenchmarkActivity renders pages of a history of a million entries through the whole app
// (every middleware, the session, real Badger stores with Zona's options), in memory. The
// history is written once, in about half a minute, for all the sub-benchmarks:
//
//	go test -run '^$' -bench 'BenchmarkActivity/' -benchtime 2000x ./store/
//
// FirstPage is the newest 50 entries; DeepPage the 50 after a cursor 900,000 entries deep;
// RareKind a filter that matches one entry in 500, so it reads up to the scan limit. Each
// reports its 99th percentile in milliseconds (p99-ms), computed from every request.
func BenchmarkActivity(b *testing.B) {
	if testing.Short() {
		b.Skip("fills a history of a million entries")
	}
	st, kv := storetest.MustOpen(b)
	c := storetest.MustCreateClient(b, st, "ana@example.com", "Ana", "Prueba", "correct horse battery staple 42")
	start := time.Now().Add(-historySize * time.Minute)
	began := time.Now()
	ids, err := store.FillActivity(st, c.ID, historySize, start, time.Minute, benchEvent(c.ID))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("filled %d entries in %s", historySize, time.Since(began).Round(time.Millisecond))

	h := newPageClient(handlers.New(storetest.Config(), st, kv).Handler())
	h.signIn(b, "ana@example.com", "correct horse battery staple 42")
	deep := ids[historySize-900_000]
	for _, bm := range []struct{ name, uri string }{
		{"FirstPage", "/activity"},
		{"DeepPage", "/activity?before=" + deep},
		{"RareKind", "/activity?kind=account.language"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				resp := h.get(bm.uri)
				took = append(took, time.Since(t0))
				if resp.StatusCode() != fasthttp.StatusOK || bytes.Count(resp.Body(), []byte(`data-testid="activity-entry"`)) == 0 {
					b.Fatalf("GET %s: status %d, no entries; body %.300s", bm.uri, resp.StatusCode(), resp.Body())
				}
			}
			b.StopTimer()
			slices.Sort(took)
			p := func(q float64) float64 {
				return float64(took[int(math.Ceil(q*float64(len(took))))-1]) / float64(time.Millisecond)
			}
			b.ReportMetric(p(0.50), "p50-ms")
			b.ReportMetric(p(0.99), "p99-ms")
		})
	}
}

// pageClient sends requests to an app's handler in memory, keeping its cookies as a
// browser would.
type pageClient struct {
	handler fasthttp.RequestHandler
	cookies map[string]string
	req     fasthttp.Request
	ctx     fasthttp.RequestCtx
}

func newPageClient(h fasthttp.RequestHandler) *pageClient {
	return &pageClient{handler: h, cookies: map[string]string{}}
}

func (c *pageClient) do(method, uri string, form url.Values) *fasthttp.Response {
	c.req.Reset()
	c.req.Header.SetMethod(method)
	c.req.SetRequestURI(uri)
	c.req.Header.SetHost("127.0.0.1")
	c.req.Header.Set(fasthttp.HeaderUserAgent, benchUAs[0])
	c.req.Header.Set(fasthttp.HeaderAcceptLanguage, "es-MX,es;q=0.9")
	for k, v := range c.cookies {
		c.req.Header.SetCookie(k, v)
	}
	if form != nil {
		c.req.Header.SetContentType("application/x-www-form-urlencoded")
		c.req.SetBodyString(form.Encode())
	}
	// What fasthttp's server clears between two requests on a connection: the response and
	// the user values, where Fiber keeps its Locals.
	c.ctx.Response.Reset()
	c.ctx.ResetUserValues()
	c.ctx.Init(&c.req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}, nil)
	c.handler(&c.ctx)
	c.ctx.Response.Header.VisitAllCookie(func(k, v []byte) {
		ck := fasthttp.AcquireCookie()
		defer fasthttp.ReleaseCookie(ck)
		if err := ck.ParseBytes(v); err == nil {
			if len(ck.Value()) == 0 {
				delete(c.cookies, string(k))
			} else {
				c.cookies[string(k)] = string(ck.Value())
			}
		}
	})
	return &c.ctx.Response
}

func (c *pageClient) get(uri string) *fasthttp.Response { return c.do(fasthttp.MethodGet, uri, nil) }

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (c *pageClient) signIn(tb testing.TB, email, password string) {
	tb.Helper()
	m := csrfField.FindSubmatch(c.get("/login").Body())
	if m == nil {
		tb.Fatal("GET /login: no CSRF field")
	}
	resp := c.do(fasthttp.MethodPost, "/login", url.Values{"email": {email}, "password": {password}, "_csrf": {string(m[1])}})
	if resp.StatusCode() != fasthttp.StatusSeeOther || c.cookies["zona_session"] == "" {
		tb.Fatalf("POST /login: status %d, session cookie %v", resp.StatusCode(), c.cookies["zona_session"] != "")
	}
}
