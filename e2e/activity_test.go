package e2e

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"zona/store"
	"zona/store/storetest"
)

// serveWithHistory runs the app with Ana, whose history holds a password change, a language
// change made by support staff and a failed sign-in, and returns its base URL.
func serveWithHistory(t *testing.T) string {
	t.Helper()
	st, kv := storetest.MustOpen(t)
	c := storetest.MustCreateClient(t, st, anaEmail, "Ana", "López", anaPassword)
	ana := store.Actor{Kind: store.ActorOwner, ID: c.ID, Name: anaName}
	for _, ev := range []store.Event{
		{Kind: store.KindPasswordChanged, Actor: ana, IP: "203.0.113.7", Changes: []store.Change{{Field: "password", Secret: true}}},
		{Kind: store.KindLanguage, Actor: store.Actor{Kind: store.ActorStaff, ID: "S1", Name: "Luis Pérez"}, IP: "198.51.100.4",
			Changes: []store.Change{{Field: "lang", Old: "es", New: "en"}}},
		{Kind: store.KindSignInFailed, Actor: ana, IP: "198.51.100.9"},
	} {
		if err := st.Record(c.ID, ev); err != nil {
			t.Fatal(err)
		}
	}
	return storetest.Serve(t, storetest.Config(), st, kv)
}

// entryKinds is a JavaScript expression: the data-kind of every entry shown, joined by ",".
const entryKinds = `Array.from(document.querySelectorAll('[data-testid="activity-entry"]')).map(e => e.dataset.kind).join(",")`

// TestActivityFilterAndDownload opens Historial from the user menu, filters it by kind and
// by date (the list changes in place, through htmx, and the address follows), and
// downloads the CSV of the filtered history, at desktop and phone width.
func TestActivityFilterAndDownload(t *testing.T) {
	browserCtx := StartBrowser(t)
	base := serveWithHistory(t)
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := NewTab(t, browserCtx, vp)
			defer tab.AssertNoCSPViolations()

			signIn(tab, base, anaEmail, anaPassword, 200)
			tab.Do(chromedp.Click(chromedp.CSS(`details[data-testid="user-menu"] > summary`), chromedp.NodeVisible))
			tab.ClickAndLoad(`[data-testid="menu-activity"]`, 200)
			if p := tab.Path(); p != "/activity" {
				t.Fatalf("the menu opened %s, want /activity", p)
			}
			kinds := Eval[string](tab, entryKinds)
			if !strings.HasPrefix(kinds, store.KindSignIn+",") || !strings.HasSuffix(kinds, ","+store.KindAccountCreated) ||
				!strings.Contains(kinds, store.KindLanguage) {
				t.Fatalf("history shows %q, want newest first from this sign-in to the account's creation", kinds)
			}
			tab.AssertReadable(`[data-testid="activity-entry"] td`)
			tab.AssertNoHorizontalOverflow()
			if vp.Mobile && Eval[string](tab, `getComputedStyle(document.querySelector('[data-testid="activity-entry"]')).display`) != "block" {
				t.Error("on a phone the entries are not stacked cards")
			}
			tab.Shot("activity-" + vp.Name)

			// Filter by kind: the select asks for the list itself. The page is not reloaded
			// (the mark survives, no new document), and the address carries the filter.
			Eval[bool](tab, `window.__zonaSamePage = true`)
			before := len(tab.Visited())
			Eval[bool](tab, `(() => {
				const s = document.querySelector('#kind');
				s.focus();
				s.value = 'account.language';
				s.dispatchEvent(new Event('change', {bubbles: true}));
				return true;
			})()`)
			tab.WaitTrue("the list of language changes", entryKinds+` === "account.language"`)
			if !Eval[bool](tab, `window.__zonaSamePage === true`) || len(tab.Visited()) != before {
				t.Errorf("filtering loaded a new page: visited %v", tab.Visited()[before:])
			}
			if got := Eval[string](tab, `location.search`); !strings.Contains(got, "kind=account.language") {
				t.Errorf("address after filtering has %q, want the kind in it", got)
			}
			if got := tab.Text(`[data-testid="activity-entry"]`); !strings.Contains(got, "Luis Pérez") || !strings.Contains(got, "Español") || !strings.Contains(got, "English") {
				t.Errorf("the language change reads %q", got)
			}
			if got := Eval[string](tab, `document.activeElement ? document.activeElement.id : ""`); got != "kind" {
				t.Errorf("after the swap the focus is on %q, want it kept on the kind filter", got)
			}
			tab.AssertNoHorizontalOverflow()
			tab.Shot("activity-filtered-" + vp.Name)

			// Download the CSV of what is shown.
			downloadAndCheck(t, tab)

			// A date range with nothing in it, sent with the Filtrar button.
			tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
			Eval[bool](tab, fmt.Sprintf(`(document.querySelector('#from').value = %q, true)`, tomorrow))
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="activity-filter"]`), chromedp.NodeVisible))
			tab.WaitTrue("the empty result", `!!document.querySelector('[data-testid="activity-empty"]')`)
			if !Eval[bool](tab, `window.__zonaSamePage === true`) || len(tab.Visited()) != before {
				t.Error("the Filtrar button loaded a new page")
			}
			if got := Eval[string](tab, `location.search`); !strings.Contains(got, "from="+tomorrow) {
				t.Errorf("address after the date filter has %q", got)
			}
			tab.AssertReadable(`[data-testid="activity-empty"]`)

			// Quitar filtros brings the whole history back.
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="activity-clear"]`), chromedp.NodeVisible))
			tab.WaitTrue("the whole history", entryKinds+`.endsWith("account.created") && `+entryKinds+`.split(",").length > 4`)
		})
	}
}

// downloadAndCheck clicks the CSV link of the page and checks the file the browser saves:
// UTF-8 with a BOM, the Spanish headers, and the one language change now shown.
func downloadAndCheck(t *testing.T, tab *Tab) {
	t.Helper()
	dir := t.TempDir()
	_, err := chromedp.CallBrowser(tab.Ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorAllow,
		BrowserContextID: chromedp.FromContext(tab.Ctx).BrowserContextID,
		DownloadPath:     dir,
	})
	if err != nil {
		t.Fatalf("allowing downloads: %v", err)
	}
	href := Eval[string](tab, `document.querySelector('[data-testid="activity-csv"]').getAttribute('href')`)
	if href != "/activity.csv?kind=account.language" {
		t.Errorf("CSV link %q does not carry the filter", href)
	}
	tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="activity-csv"]`), chromedp.NodeVisible))
	name := "historial-" + time.Now().UTC().Format("20060102") + ".csv"
	var data []byte
	deadline := time.Now().Add(waitTimeout)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && len(b) > 0 {
			data = b
			break
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			t.Fatalf("no %s downloaded; the download dir holds %v", name, entries)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("the CSV does not start with the UTF-8 BOM: % x", data[:min(len(data), 8)])
	}
	rows, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != "Fecha,Quién,Tipo,Descripción,Cambios,IP,Dispositivo" {
		t.Fatalf("CSV rows %q", rows)
	}
	if row := rows[1]; row[1] != "Personal de soporte (Luis Pérez)" || row[2] != "Cambio de idioma" || row[4] != "Idioma: Español → English" || row[5] != "198.51.100.4" {
		t.Errorf("CSV row %q", row)
	}
}
