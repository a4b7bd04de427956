package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCSPViolationsAreReported proves the console listener that the other browser tests rely
// on: a page that breaks its CSP with an inline script and an inline style must show up as
// CSP violations. Without this, "no violations" could mean "not listening".
func TestCSPViolationsAreReported(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'")
		fmt.Fprint(w, `<!DOCTYPE html><title>x</title><p style="color: red">x</p><script>document.title = "ran"</script>`)
	}))
	t.Cleanup(srv.Close)
	tab := NewTab(t, StartBrowser(t), Desktop)
	tab.Navigate(srv.URL)
	if Eval[string](tab, `document.title`) == "ran" {
		t.Fatal("the inline script ran despite the CSP")
	}
	var n int
	for _, m := range tab.Messages() {
		if isCSPViolation(m) {
			n++
		}
	}
	if n < 2 {
		t.Errorf("got %d CSP violations reported, want 2 (script and style); messages: %q", n, tab.Messages())
	}
}
