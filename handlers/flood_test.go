package handlers_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zona/store/storetest"
)

// vmHWM is this process's peak resident memory, from /proc.
func vmHWM(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc here")
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "?"
}

// TestSignInFloodIsAnswered sends 50 wrong-password sign-ins at once over real HTTP. Every
// one is answered, and password hashing runs a bounded number at a time (19 MiB each), so
// memory stays bounded; the peak is logged (go test -run Flood -v ./handlers/).
func TestSignInFloodIsAnswered(t *testing.T) {
	st, kv := storetest.MustOpen(t)
	storetest.MustCreateClient(t, st, testEmail, "Ana", "López", testPassword)
	base := storetest.Serve(t, storetest.Config(), st, kv)
	before := vmHWM(t)

	const n = 50
	type result struct {
		status int
		err    error
	}
	results := make(chan result, n)
	var ready, start sync.WaitGroup
	ready.Add(n)
	start.Add(1)
	for i := range n {
		go func() {
			jar, _ := cookiejar.New(nil)
			hc := &http.Client{Jar: jar}
			res, err := hc.Get(base + "/login")
			if err != nil {
				ready.Done()
				results <- result{err: err}
				return
			}
			doc, _ := goquery.NewDocumentFromReader(res.Body)
			res.Body.Close()
			token, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
			ready.Done()
			start.Wait()
			email := testEmail
			if i%2 == 1 {
				email = "nadie" + string(rune('a'+i%26)) + "@example.mx"
			}
			res, err = hc.PostForm(base+"/login", url.Values{"email": {email}, "password": {"wrong-password-123!"}, "_csrf": {token}})
			if err != nil {
				results <- result{err: err}
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			results <- result{status: res.StatusCode}
		}()
	}
	ready.Wait()
	start.Done()
	counts := map[int]int{}
	for range n {
		r := <-results
		if r.err != nil {
			t.Fatalf("a sign-in went unanswered: %v", r.err)
		}
		counts[r.status]++
	}
	for status := range counts {
		switch status {
		case http.StatusOK, http.StatusTooManyRequests, http.StatusServiceUnavailable:
		default:
			t.Errorf("status %d in the flood: %v", status, counts)
		}
	}
	t.Logf("50 concurrent wrong sign-ins: statuses %v; peak RSS of the test process %s before, %s after", counts, before, vmHWM(t))
}
