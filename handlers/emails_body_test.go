package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"zona/store"
)

// Zona's own buttons keep their colours through the sanitiser, and only the framed preview
// stops scrolling on a narrow screen; the full-screen page scrolls.
func TestEmailBodyKeepsButtonColours(t *testing.T) {
	e := newEnv(t)
	m := queue(t, e.st, e.client.ID, store.CategoryNotes, "Pago",
		`<p style="margin:24px 0;"><a href="https://hosting.test/pagar" style="display:inline-block;padding:12px 20px;background:#1d4ed8;color:#ffffff;border-radius:6px;font-weight:bold;">Pagar</a></p>`+
			`<p style="background:url(https://evil.test/x.png)">x</p>`)
	a := e.agent()
	a.mustSignIn()
	r := a.get("/emails/" + m.ID + "/body")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, "background: #1d4ed8") || !strings.Contains(r.body, "color: #ffffff") {
		t.Fatalf("the button lost its colours: %.600s", r.body)
	}
	if strings.Contains(r.body, "evil.test") {
		t.Fatal("a url() background survived")
	}
	if !strings.Contains(r.body, "overflow:hidden") {
		t.Error("the framed preview scrolls inside the page on a phone")
	}
	if full := a.get("/emails/" + m.ID + "/body?full=1"); strings.Contains(full.body, "overflow:hidden") ||
		full.Header.Get("Content-Security-Policy") != r.Header.Get("Content-Security-Policy") {
		t.Error("the full-screen page does not scroll, or is not sandboxed alike")
	}
}
