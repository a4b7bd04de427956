package main

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zona/locales"
)

// browse signs in to base and returns a client that keeps the session, and a function that
// loads a page and returns it with its CSRF token.
func browse(t *testing.T, base, email, password string) (*http.Client, func(path string) (*goquery.Document, string)) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	load := func(path string) (*goquery.Document, string) {
		t.Helper()
		res, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		doc, err := goquery.NewDocumentFromReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		token, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
		return doc, token
	}
	_, token := load("/login")
	res, err := hc.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}, "_csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/zona" {
		t.Fatalf("sign-in landed on %s", res.Request.URL.Path)
	}
	return hc, load
}

// TestPINSetOnTheWebVerifiedByCLI sets a PIN in the account page, then checks it with
// `zona pin verify` (match, no match, lockout after five wrong ones) and finds every
// check in the client's history.
func TestPINSetOnTheWebVerifiedByCLI(t *testing.T) {
	data := t.TempDir()
	const email, password, pin = "ana@example.mx", "Clave-Segura-2026!", "402917"
	if out, err := runCLI(t, password+"\n", "client", "create", "--data", data, "--email", email, "--name", "Ana López", "--password-stdin"); err != nil {
		t.Fatal(err, out)
	}
	if out, err := runCLI(t, password+"\n", "staff", "create", "--data", data, "--email", "luis@soporte.mx", "--name", "Luis Pérez", "--password-stdin"); err != nil {
		t.Fatal(err, out)
	}
	if _, err := runCLI(t, pin+"\n", "pin", "verify", "--data", data, "--client", email); err == nil || !strings.Contains(err.Error(), "no security PIN") {
		t.Fatalf("verify without a PIN: %v", err)
	}

	base, stop := serveForTest(t, data)
	hc, load := browse(t, base, email, password)
	_, token := load("/account")
	res, err := hc.PostForm(base+"/account/pin", url.Values{"pin": {pin}, "pin_confirm": {pin}, "pin_current": {password}, "_csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	doc, _ := load("/account")
	if got := strings.TrimSpace(doc.Find(`[data-testid="pin-status"]`).Text()); !strings.HasPrefix(got, "Tiene un PIN configurado.") {
		t.Fatalf("PIN status %q", got)
	}
	stop()

	out, err := runCLI(t, pin+"\n", "pin", "verify", "--data", data, "--client", "ANA@example.mx", "--staff", "luis@soporte.mx")
	if err != nil || strings.TrimSpace(out) != "match" {
		t.Fatalf("right PIN: %v %q", err, out)
	}
	for i := range 5 {
		out, err := runCLI(t, "999111\n", "pin", "verify", "--data", data, "--client", email)
		if err == nil || !strings.HasPrefix(out, "no match") {
			t.Fatalf("wrong PIN %d: %v %q", i, err, out)
		}
	}
	out, err = runCLI(t, pin+"\n", "pin", "verify", "--data", data, "--client", email)
	if err == nil || !strings.HasPrefix(out, "locked") || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("after five wrong PINs: %v %q", err, out)
	}
	if _, err := runCLI(t, pin+"\n", "pin", "verify", "--data", data, "--client", "nadie@example.mx"); err == nil {
		t.Fatal("an unknown client was checked")
	}

	base, stop = serveForTest(t, data)
	defer stop()
	_, load = browse(t, base, email, password)
	doc, _ = load("/activity")
	es := locales.For(locales.ES)
	counts := map[string]int{}
	doc.Find(`[data-testid="activity-entry"]`).Each(func(_ int, s *goquery.Selection) {
		counts[s.AttrOr("data-kind", "")]++
		if s.AttrOr("data-kind", "") == "account.pin_matched" && !strings.Contains(s.Text(), "Luis Pérez") {
			t.Errorf("the match does not name who checked: %q", s.Text())
		}
	})
	if counts["account.pin_changed"] != 1 || counts["account.pin_matched"] != 1 || counts["account.pin_mismatched"] != 5 || counts["account.pin_locked"] != 1 {
		t.Errorf("history shows %v", counts)
	}
	if !strings.Contains(doc.Text(), strings.TrimPrefix(es.T("activity.account.pin_mismatched", "Who", ""), " ")) {
		t.Error("the history does not say the PIN did not match")
	}
	if strings.Contains(doc.Text(), pin) {
		t.Error("the history shows the PIN")
	}
}
