package handlers_test

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"zona/store/storetest"
)

// After ordinary traffic of every method over kept-alive connections (so Fiber reuses its
// buffers between requests), a 404 and a CSRF refusal, /metrics answers 200 with text a
// Prometheus parser reads, method labels that are real methods, and request counts by
// method and status equal to what the client received: a 403 or 404 returned as an error
// is counted as 403 or 404, never as 500.
func TestMetricsAfterMixedTraffic(t *testing.T) {
	st, kv := storetest.MustOpen(t)
	base := storetest.Serve(t, storetest.Config(), st, kv)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	type key struct{ method, status string }
	sent := map[key]int{}
	send := func(method, path string) int {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(""))
		if err != nil {
			t.Fatal(err)
		}
		if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		sent[key{method, strconv.Itoa(res.StatusCode)}]++
		return res.StatusCode
	}

	methods := []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodTrace}
	for range 5 {
		for _, m := range methods {
			send(m, "/login")
			send(m, "/no-such-page")
		}
		send(http.MethodGet, "/healthz")
	}
	if got := send(http.MethodPost, "/login"); got != http.StatusForbidden {
		t.Fatalf("POST /login without a CSRF token: %d, want 403", got)
	}
	if got := send(http.MethodGet, "/no-such-page"); got != http.StatusNotFound {
		t.Fatalf("GET /no-such-page: %d, want 404", got)
	}

	res, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics after traffic: %d\n%.500s", res.StatusCode, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("the scrape does not parse: %v", err)
	}
	fam := families["zona_http_requests_total"]
	if fam == nil {
		t.Fatal("no zona_http_requests_total in the scrape")
	}
	counted := map[key]int{}
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if !slices.Contains(fiber.DefaultMethods, labels["method"]) {
			t.Errorf("method label %q is no HTTP method", labels["method"])
		}
		counted[key{labels["method"], labels["status"]}] += int(m.GetCounter().GetValue())
		// A page nobody routes is "unmatched", never filed under a route of the table
		// (the catch-all is registered at "/", where the home page is too).
		if labels["status"] == "404" && labels["route"] != "unmatched" {
			t.Errorf("a 404 counted under route %q", labels["route"])
		}
		if labels["route"] == "/login" && labels["status"] == "404" {
			t.Errorf("/login counted as a 404")
		}
	}
	if n := counted[key{http.MethodGet, "200"}]; n == 0 {
		t.Error("no GET answered 200 counted")
	}
	for k, n := range sent {
		if counted[k] != n {
			t.Errorf("%s answered %s: sent %d, counted %d", k.method, k.status, n, counted[k])
		}
	}
	for k, n := range counted {
		if sent[k] == 0 {
			t.Errorf("%s %s counted %d times, never answered", k.method, k.status, n)
		}
	}
}
