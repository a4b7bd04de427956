package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zona/store"
	"zona/views"
)

// zonaMail is a long message in Zona's own mail layout, with its action button.
func zonaMail(t *testing.T) string {
	t.Helper()
	m := views.MailContent{Lang: "es", Brand: "Hosting de Prueba", Title: "Su factura de julio", Greeting: "Hola, Ana:",
		ActionLabel: "Pagar ahora", ActionURL: "https://hosting.test/pagar", LinkHint: "O copie este enlace:",
		Footer: "Hosting de Prueba"}
	for i := range 40 {
		m.Paragraphs = append(m.Paragraphs, fmt.Sprintf("Párrafo %d de la nota de pago: el importe, los servicios y las fechas de su cuenta.", i+1))
	}
	m.Note = "Fin del mensaje."
	var b bytes.Buffer
	if err := views.MailHTML(m).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestLongEmailOnPhone reads a long message at 375 px: the framed preview does not trap the
// thumb, "Ver el mensaje completo" opens it full screen, where it reads to its end with
// Zona's button visible in its own colours; back in the viewer, resending it works.
func TestLongEmailOnPhone(t *testing.T) {
	browser := StartBrowser(t)
	base := serveWithMail(t, func(st *store.Store, id string) {
		queueMail(t, st, id, store.CategoryNotes, "Factura de julio", zonaMail(t))
	})
	tab := NewTab(t, browser, Phone)
	defer tab.AssertNoCSPViolations()
	openEmails(t, tab, base)
	waitProcessed(tab, `[data-testid="email-view"]`)
	tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="email-view"]`), chromedp.NodeVisible))
	tab.WaitTrue("the message viewer", `!!document.querySelector('[data-testid="email-full"]')`)
	if !tab.IsVisible(`[data-testid="email-full"]`) {
		t.Fatal("no way to open the whole message on a phone")
	}
	waitProcessed(tab, `[data-testid="email-resend"]`)
	tab.AssertNoHorizontalOverflow()

	// Resend it to oneself (htmx swaps the viewer with the outcome).
	tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="email-resend"]`), chromedp.NodeVisible))
	tab.WaitTrue("the resend notice", `(document.querySelector('[data-testid="email-notice"]') || {innerText: ''}).innerText.includes('`+anaEmail+`')`)
	tab.AssertReadable(`[data-testid="email-notice"]`)
	tab.Shot("email-resent-phone")

	// Full screen: the message is a page of its own and scrolls as one.
	tab.ClickAndLoad(`[data-testid="email-full"]`, 200)
	tab.AssertNoHorizontalOverflow()
	if h := Eval[int64](tab, `document.documentElement.scrollHeight`); h < 2*Phone.Height {
		t.Fatalf("the message is %d px tall; the test wants a long one", h)
	}
	Eval[bool](tab, `window.scrollTo(0, document.documentElement.scrollHeight), true`)
	tab.WaitTrue("the end of the message in view", `(() => {
		const ps = [...document.querySelectorAll('p')].filter(p => p.innerText.includes('Fin del mensaje.'));
		const r = ps[0].getBoundingClientRect();
		return r.top >= 0 && r.bottom <= window.innerHeight;
	})()`)
	const button = `a[href="https://hosting.test/pagar"]`
	Eval[bool](tab, `document.querySelector('`+button+`').scrollIntoView({block: 'center'}), true`)
	if !tab.IsVisible(button) {
		t.Fatal("Zona's button is not visible")
	}
	if r := tab.BoundingBox(button); r.Left < 0 || r.Right > float64(Phone.Width) {
		t.Errorf("the button leaves the screen: %+v", r)
	}
	tab.AssertReadable(button)
	if bg := Eval[string](tab, `getComputedStyle(document.querySelector('`+button+`')).backgroundColor`); bg != "rgb(29, 78, 216)" {
		t.Errorf("the button's background is %s, want Zona's blue", bg)
	}
	tab.Shot("email-full-phone")
}

// TestPreferencesPage opens a marketing mail's preferences link on a phone, signed out:
// the page is accessible, and leaving promotions works without JavaScript or a session.
func TestPreferencesPage(t *testing.T) {
	browser := StartBrowser(t)
	var path string
	base := serveWithMail(t, func(st *store.Store, id string) {
		ev := store.Event{Actor: store.Actor{Kind: store.ActorOwner}, IP: "192.0.2.1"}
		if _, err := st.SetMarketing(store.PrefToken{ClientID: id}, true, ev); err != nil {
			t.Fatal(err)
		}
		queueMail(t, st, id, store.CategoryMarketing, "Oferta", "<p>Dominios al 2x1</p>")
		items, err := st.Outbox()
		if err != nil || len(items) != 1 || items[0].Unsubscribe == nil {
			t.Fatalf("outbox: %v", err)
		}
		path = items[0].Unsubscribe.URL[strings.Index(items[0].Unsubscribe.URL, "/unsubscribe/"):]
	})
	tab := NewTab(t, browser, Phone)
	defer tab.AssertNoCSPViolations()
	tab.Navigate(base + path)
	tab.WaitTrue("the preferences page", `!!document.querySelector('[data-testid="preferences-leave"]')`)
	tab.AssertAccessible("preferences")
	tab.AssertNoHorizontalOverflow()
	tab.ClickAndLoad(`[data-testid="preferences-leave"]`, 200)
	if got := tab.Text(`[data-testid="preferences-marketing"]`); got != "No recibe promociones." {
		t.Fatalf("after leaving: %q", got)
	}
	tab.AssertReadable(`[data-testid="notice"]`)
	tab.Shot("preferences-phone")
}
