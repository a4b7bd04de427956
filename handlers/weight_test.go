package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// firstVisitBudget is what a cold first visit to the sign-in page may transfer in all
// (issue "a first visit under 45 KB"): the page, its styles, scripts and icon.
const firstVisitBudget = 45 << 10

// A cold first visit to /login, as a browser makes it (accepting brotli and gzip, nothing
// cached), transfers at most firstVisitBudget bytes, headers included; the page, its
// styles and scripts come compressed.
func TestFirstVisitToLoginIsLight(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.headers["Accept-Encoding"] = "gzip, deflate, br, zstd"
	transferred := func(r *response) int {
		n := len("HTTP/1.1 200 OK\r\n\r\n") + r.wire
		for k, vs := range r.Header {
			for _, v := range vs {
				n += len(k) + len(v) + 4
			}
		}
		return n
	}
	page := a.get("/login")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: %d", page.StatusCode)
	}
	if enc := page.Header.Get("Content-Encoding"); enc != "br" {
		t.Errorf("/login sent with Content-Encoding %q, want br", enc)
	}
	total := transferred(page)
	var urls []string
	page.doc.Find(`link[href^="/assets/"], script[src^="/assets/"], img[src^="/assets/"]`).Each(func(_ int, s *goquery.Selection) {
		if v, ok := s.Attr("href"); ok {
			urls = append(urls, v)
		} else if v, ok := s.Attr("src"); ok {
			urls = append(urls, v)
		}
	})
	if len(urls) < 3 {
		t.Fatalf("only %d assets found on /login: %v", len(urls), urls)
	}
	for _, u := range urls {
		r := a.do(httptest.NewRequest(http.MethodGet, u, nil))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", u, r.StatusCode)
		}
		if ct := r.Header.Get("Content-Type"); (strings.Contains(ct, "css") || strings.Contains(ct, "javascript")) && r.Header.Get("Content-Encoding") != "br" {
			t.Errorf("%s (%s) sent with Content-Encoding %q, want br", u, ct, r.Header.Get("Content-Encoding"))
		}
		total += transferred(r)
	}
	t.Logf("first visit to /login: %d bytes in %d responses", total, len(urls)+1)
	if total > firstVisitBudget {
		t.Fatalf("first visit to /login transfers %d bytes, more than %d", total, firstVisitBudget)
	}
}

// Every page has a meta description of its own (search engines and link previews show it):
// it names the page, in the page's language.
func TestEveryPageHasADescription(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	seen := map[string]string{}
	check := func(path string) {
		t.Helper()
		r := a.get(path)
		if r.StatusCode != http.StatusOK || r.doc == nil {
			t.Fatalf("GET %s: %d", path, r.StatusCode)
		}
		desc, _ := r.doc.Find(`meta[name="description"]`).Attr("content")
		title := strings.TrimSpace(strings.Split(r.doc.Find("title").Text(), "·")[0])
		if desc == "" || !strings.Contains(desc, title) {
			t.Errorf("%s: description %q does not name the page %q", path, desc, title)
		}
		if other, dup := seen[desc]; dup {
			t.Errorf("%s and %s share the description %q", path, other, desc)
		}
		seen[desc] = path
	}
	check("/login")
	check("/password/forgot")
	a.mustSignIn()
	for _, p := range []string{"/zona", "/account", "/contacts", "/password", "/security", "/emails", "/activity", "/sessions"} {
		check(p)
	}
}
