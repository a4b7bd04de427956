package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zona/store"
)

// TestPrivacyExportAndRequestOnPhone: at 375 px Ana opens "Privacidad y datos" from her
// menu, asks for her data, watches it being prepared, downloads the ZIP, and files an ARCO
// request; staff resolve it in the console, and Ana sees the answer.
func TestPrivacyExportAndRequestOnPhone(t *testing.T) {
	browser := StartBrowser(t)
	base, st := serveConsoleDesk(t)
	tab := NewTab(t, browser, Phone)
	defer tab.AssertNoCSPViolations()
	signIn(tab, base, anaEmail, anaPassword, 200)
	tab.Do(chromedp.Click(chromedp.CSS(`details[data-testid="user-menu"] > summary`), chromedp.NodeVisible))
	tab.ClickAndLoad(`[data-testid="menu-privacy"]`, 200)
	if p := tab.Path(); p != "/privacy" {
		t.Fatalf("the menu opened %s, want /privacy", p)
	}
	tab.AssertNoHorizontalOverflow()

	// The export: asked for, prepared (the list polls itself), downloaded.
	tab.ClickAndLoad(`[data-testid="export-start"]`, 200)
	tab.WaitTrue("the export to be ready", `!!document.querySelector('[data-testid="export-download"]')`)
	tab.AssertReadable(`[data-testid="export-download"]`)
	tab.AssertAccessible("/privacy")
	download, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`(async () => {
		const r = await fetch(document.querySelector('[data-testid="export-download"]').getAttribute('href'));
		const b = new Uint8Array(await r.arrayBuffer());
		return [r.status, r.headers.get('content-type'), String.fromCharCode(b[0], b[1]), b.length].join(' ');
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(download, "200 application/zip PK ") {
		t.Fatalf("the download answered %q, want a ZIP", download)
	}
	tab.Shot("privacy-export-phone")

	// A request with its reason.
	tab.Do(
		chromedp.SetValue(chromedp.ID("kind"), store.RequestRectify),
		chromedp.SendKeys(chromedp.ID("reason"), "Mi segundo apellido está mal escrito.", chromedp.NodeVisible))
	tab.ClickAndLoad(`[data-testid="request-submit"]`, 200)
	if got := tab.Text(`[data-testid="request-state"]`); got != "En trámite" {
		t.Fatalf("the request's state on the page: %q", got)
	}
	tab.AssertNoHorizontalOverflow()

	// Staff resolve it in the console.
	staff := NewTab(t, browser, Phone)
	consoleSignIn(t, staff, base, staffEmail, staffPassword)
	staff.Navigate(base + "/admin/requests")
	staff.AssertAccessible("/admin/requests")
	staff.ClickAndLoad(`[data-testid="admin-request-link"]`, 200)
	staff.AssertNoHorizontalOverflow()
	staff.AssertAccessible("/admin/requests/:id")
	staff.Do(
		chromedp.Click(chromedp.CSS(`[data-testid="decision-approved"]`), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("note"), "Corregimos su apellido.", chromedp.NodeVisible))
	staff.ClickAndLoad(`[data-testid="resolve-submit"]`, 200)
	staff.Shot("admin-request-resolved-phone")
	if got := staff.Text(`[data-testid="request-state"]`); got != "Aprobada" {
		t.Fatalf("the console shows %q after resolving", got)
	}

	tab.Navigate(base + "/privacy")
	tab.Shot("privacy-answered-phone")
	if got := tab.Text(`[data-testid="request-state"]`); got != "Aprobada" {
		t.Fatalf("Ana sees %q", got)
	}
	if got := tab.Text(`[data-testid="request-note"]`); !strings.Contains(got, "Corregimos su apellido.") {
		t.Fatalf("Ana sees the note %q", got)
	}
	list, err := st.Requests()
	if err != nil || len(list) != 1 || list[0].State != store.RequestApproved {
		t.Fatalf("stored requests %+v %v", list, err)
	}
}
