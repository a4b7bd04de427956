package store_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/handlers"
	"zona/store/storetest"
)

var emailsCSRFField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signedInGet signs in to app and returns a function that GETs a path with the session.
func signedInGet(b *testing.B, app *fiber.App, email, password string) func(path string) (int, string) {
	cookies := map[string]string{}
	do := func(req *http.Request) (int, string) {
		for k, v := range cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		res, err := app.Test(req, -1)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, c := range res.Cookies() {
			cookies[c.Name] = c.Value
		}
		return res.StatusCode, string(body)
	}
	_, page := do(httptest.NewRequest(http.MethodGet, "/login", nil))
	m := emailsCSRFField.FindStringSubmatch(page)
	if m == nil {
		b.Fatal("no CSRF field on /login")
	}
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {m[1]}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, _ := do(req); code != http.StatusSeeOther {
		b.Fatalf("sign-in: %d", code)
	}
	return func(path string) (int, string) { return do(httptest.NewRequest(http.MethodGet, path, nil)) }
}

func p99(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[(len(d)*99)/100]
}

// BenchmarkEmailsArchive renders "Emails Recibidos" of a client with 100,000 archived
// messages: the first page, a page deep in the archive (the 90,000th newest onwards), and a
// search that reads all of them.
//
//	go test -run '^$' -bench BenchmarkEmailsArchive -benchtime 1x ./store/
func BenchmarkEmailsArchive(b *testing.B) {
	const total = 100_000
	st, kv := storetest.MustOpen(b)
	c := storetest.MustCreateClient(b, st, "ana@example.mx", "Ana", "López", "Clave-Segura-2026!")
	start := time.Now()
	ids, err := st.FillMessages(c.ID, total)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("filled %d messages in %v", total, time.Since(start).Round(time.Millisecond))
	app := handlers.New(storetest.Config(), st, kv)
	get := signedInGet(b, app, "ana@example.mx", "Clave-Segura-2026!")
	deep := "/emails?before=" + ids[total-90_000]

	measure := func(path string, n int) time.Duration {
		var ds []time.Duration
		for range n {
			t0 := time.Now()
			code, body := get(path)
			ds = append(ds, time.Since(t0))
			if code != http.StatusOK || strings.Count(body, `data-testid="email-row"`) != 20 {
				b.Fatalf("%s: %d, %d rows", path, code, strings.Count(body, `data-testid="email-row"`))
			}
		}
		return p99(ds)
	}
	b.ResetTimer()
	for range b.N {
		first := measure("/emails", 300)
		deepP99 := measure(deep, 300)
		t0 := time.Now()
		code, body := get("/emails?q=no-existe-en-ninguno")
		search := time.Since(t0)
		if code != http.StatusOK || !strings.Contains(body, "emails-empty") {
			b.Fatalf("search: %d", code)
		}
		b.ReportMetric(float64(first.Microseconds())/1000, "first-page-p99-ms")
		b.ReportMetric(float64(deepP99.Microseconds())/1000, "deep-page-p99-ms")
		b.ReportMetric(float64(search.Microseconds())/1000, "search-100k-ms")
		if first > 10*time.Millisecond || deepP99 > 10*time.Millisecond {
			b.Errorf("p99 first page %v, deep page %v: want under 10 ms", first, deepP99)
		}
	}
}
