package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zona/store"
)

const newPassword = "glaciar marimba tostada 7 ventana!"

func TestChangePasswordRules(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		current, new, confirm string
		field, want           string
	}{
		{"wrong current", "not-it-at-all", newPassword, newPassword, "current", "no es correcta"},
		{"empty current", "", newPassword, newPassword, "current", "Escriba su contraseña"},
		{"weak new", testPassword, "Password12!", "Password12!", "new", "fácil de adivinar"},
		{"breached new", testPassword, "password123!", "password123!", "new", "filtradas"},
		{"no digit", testPassword, "glaciar-marimba-tostada!", "glaciar-marimba-tostada!", "new", "número"},
		{"contains surname", testPassword, "Lopez-glaciar-77-marimba", "Lopez-glaciar-77-marimba", "new", "su nombre"},
		{"same as current", testPassword, testPassword, testPassword, "new", "distinta"},
		{"mismatch", testPassword, newPassword, newPassword + "x", "confirm", "no coinciden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.agent()
			a.mustSignIn()
			a.get("/password")
			res := a.post("/password", url.Values{"current": {tc.current}, "new": {tc.new}, "confirm": {tc.confirm}})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if msg := res.text("#" + tc.field + "-error"); !strings.Contains(msg, tc.want) {
				t.Fatalf("message beside %s: %q, want %q", tc.field, msg, tc.want)
			}
			if v, _ := res.doc.Find("#" + tc.field).Attr("aria-invalid"); v != "true" {
				t.Errorf("#%s not marked invalid", tc.field)
			}
			if strings.Contains(res.body, tc.new) && tc.new != "" {
				t.Error("a password is sent back to the browser")
			}
			if c, _ := e.st.ClientByID(e.client.ID); c.PasswordHash != e.client.PasswordHash {
				t.Fatal("password changed despite the error")
			}
		})
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	a, b := e.agent(), e.agent()
	a.mustSignIn()
	b.mustSignIn()
	a.get("/password")
	before := a.cookies["zona_session"]
	res := a.post("/password", url.Values{"current": {testPassword}, "new": {newPassword}, "confirm": {newPassword}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/password?saved=1" {
		t.Fatalf("save: %d to %q: %.300s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if a.cookies["zona_session"] == before {
		t.Error("the session ID did not change with the password")
	}
	if res := a.get("/password?saved=1"); res.StatusCode != http.StatusOK || !strings.Contains(res.text(`[data-testid="notice"]`), "se cambió") {
		t.Fatalf("this browser after the change: %d %q", res.StatusCode, res.text(`[data-testid="notice"]`))
	}
	if res := b.get("/zona"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("the other browser still signed in: %d", res.StatusCode)
	}
	if res := e.agent().signIn(testEmail, testPassword); res.StatusCode != http.StatusOK {
		t.Fatalf("old password still works: %d", res.StatusCode)
	}
	if res := e.agent().signIn(testEmail, newPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("new password does not work: %d", res.StatusCode)
	}
	entries, _, _ := e.st.ListActivity(e.client.ID, "", 20)
	found := false
	for _, en := range entries {
		if en.Kind == store.KindPasswordChanged {
			found = len(en.Changes) == 1 && en.Changes[0].Secret && en.Changes[0].Old == "" && en.Changes[0].New == ""
		}
		for _, ch := range en.Changes {
			if strings.Contains(ch.Old+ch.New, "marimba") || strings.Contains(ch.Old+ch.New, "argon2") {
				t.Fatal("a secret in the history")
			}
		}
	}
	if !found {
		t.Fatal("no password-changed entry without values in the history")
	}
}

func TestStrengthMeter(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	a.get("/password")
	a.headers["HX-Request"] = "true"
	a.headers["X-CSRF-Token"] = a.csrf
	weak := a.post("/password/strength", url.Values{"new": {"abc"}})
	if weak.StatusCode != http.StatusOK || weak.doc.Find(`[data-testid="strength"]`).AttrOr("data-score", "") != "0" {
		t.Fatalf("weak: %d %.300s", weak.StatusCode, weak.body)
	}
	if w := weak.text(`[data-testid="strength-word"]`); w != "Muy débil" {
		t.Fatalf("weak word %q", w)
	}
	if weak.doc.Find(`[data-testid="strength-hints"] li`).Length() < 3 {
		t.Fatalf("weak hints: %q", weak.text(`[data-testid="strength-hints"]`))
	}
	if strings.Contains(weak.body, "<html") {
		t.Fatal("the meter answer is a whole page")
	}
	strong := a.post("/password/strength", url.Values{"new": {newPassword}})
	if w := strong.text(`[data-testid="strength-word"]`); w != "Muy fuerte" && w != "Fuerte" {
		t.Fatalf("strong word %q", w)
	}
	if strong.doc.Find(`[data-testid="strength-hints"]`).Length() != 0 {
		t.Fatalf("strong hints: %q", strong.text(`[data-testid="strength-hints"]`))
	}
}

func TestSessionsListAndRevoke(t *testing.T) {
	e := newEnv(t)
	a, b, c := e.agent(), e.agent(), e.agent()
	b.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0"
	a.mustSignIn()
	b.mustSignIn()
	c.mustSignIn()
	res := a.get("/sessions")
	if n := res.doc.Find(`[data-testid="device"]`).Length(); n != 3 {
		t.Fatalf("%d devices listed, want 3", n)
	}
	if n := res.doc.Find(`[data-testid="current-device"]`).Length(); n != 1 {
		t.Fatalf("%d marked as this session", n)
	}
	// Revoke b: the one listed as Firefox.
	var action string
	res.doc.Find(`[data-testid="device"]`).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), "Firefox") {
			action, _ = s.Find("form").Attr("action")
		}
	})
	if action == "" {
		t.Fatal("no revoke form for the Firefox session")
	}
	if res := a.post(action, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res := b.get("/zona"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoked session still open: %d", res.StatusCode)
	}
	if res := c.get("/zona"); res.StatusCode != http.StatusOK {
		t.Fatalf("untouched session closed: %d", res.StatusCode)
	}
	// Another client cannot revoke this client's sessions, even knowing the hash.
	storeClient(t, e, "otro@example.mx")
	other := e.agent()
	other.signIn("otro@example.mx", testPassword)
	cDevices := a.get("/sessions")
	var cAction string
	cDevices.doc.Find(`[data-testid="device"] form`).Each(func(_ int, s *goquery.Selection) { cAction, _ = s.Attr("action") })
	other.get("/sessions")
	if res := other.post(cAction, nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another client's revoke: %d, want 404", res.StatusCode)
	}
	if res := c.get("/zona"); res.StatusCode != http.StatusOK {
		t.Fatal("another client ended this client's session")
	}
	a.get("/sessions")
	if res := a.post("/sessions/revoke-others", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke others: %d", res.StatusCode)
	}
	if res := c.get("/zona"); res.StatusCode != http.StatusSeeOther {
		t.Fatal("revoke-others left a session open")
	}
	if res := a.get("/zona"); res.StatusCode != http.StatusOK {
		t.Fatal("revoke-others closed this session")
	}
}
