package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// When a session's last-seen time is due for its once-a-minute refresh, every request that
// arrives at that moment (a page and its htmx requests, several tabs) is answered: the
// refresh is bookkeeping, never a reason to fail a page.
func TestConcurrentRequestsWhenLastSeenIsDue(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()

	// Age the stored session by two minutes, as if its person had paused.
	key := "sess." + a.cookies["zona_session"]
	raw, err := e.kv.Get(key)
	if err != nil || raw == nil {
		t.Fatalf("session record %q: %v", key, err)
	}
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	rec["n"] = time.Now().Add(-2 * time.Minute).Unix()
	if raw, err = json.Marshal(rec); err != nil {
		t.Fatal(err)
	}
	if err := e.kv.Set(key, raw, time.Hour); err != nil {
		t.Fatal(err)
	}

	const n = 24
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req := httptest.NewRequest(http.MethodGet, "/zona", nil)
			for k, v := range a.cookies {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			res, err := e.app.Test(req, -1)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("request %d of %d at once: status %d, want 200", i+1, n, s)
		}
	}
	if res := a.get("/zona"); res.StatusCode != http.StatusOK {
		t.Fatalf("after the burst: status %d, want 200", res.StatusCode)
	}
}
