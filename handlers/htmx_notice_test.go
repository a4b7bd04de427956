package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHTMXFailuresCarryTheirMessage: an htmx request the server refuses gets the error
// fragment with its message marked [data-error-message], which app.js shows in the page's
// notice region; every page has that region, with its own words for a failure the server
// cannot describe, in the person's language.
func TestHTMXFailuresCarryTheirMessage(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	page := a.get("/contacts")
	region := page.doc.Find(`#request-notice[role="alert"]`)
	if region.Length() != 1 || !strings.HasPrefix(region.AttrOr("data-offline", ""), "No se pudo conectar.") ||
		region.AttrOr("data-failed", "") == "" || region.AttrOr("data-close", "") == "" {
		t.Fatalf("no notice region with its words on the page: %d", region.Length())
	}
	a.headers["HX-Request"] = "true"
	a.headers["X-CSRF-Token"] = "caducado"
	r := a.post("/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV/permissions/general", url.Values{"on": {"1"}, "_csrf": {"caducado"}})
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("stale token: status %d", r.StatusCode)
	}
	if msg := r.text("[data-error-message]"); !strings.HasPrefix(msg, "El formulario caducó por seguridad") {
		t.Errorf("error fragment message %q", msg)
	}
	if strings.Contains(r.body, "<html") || r.doc.Find("#request-notice").Length() != 0 {
		t.Error("the error answer to htmx is a whole page, not a fragment")
	}
}
