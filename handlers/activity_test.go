package handlers_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"zona/locales"
	"zona/store"
	"zona/store/storetest"
)

const chromeUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"

// Values that must never reach a page or a file: what a careless caller put in a Change.
var secretValues = []string{"vieja-secreta-1", "nueva-secreta-2", "4321", "8765"}

// activityEnv is Ana's account with a varied history, Beto's account beside it, and an
// agent signed in as Ana.
type activityEnv struct {
	*env
	a          *agent
	beto       *store.Client
	betoEntry  string // the ID of an entry of Beto's, made in the middle of Ana's history
	betoMarker string // an IP that appears only in Beto's history
}

func newActivityEnv(t *testing.T) *activityEnv {
	t.Helper()
	e := newEnv(t)
	ae := &activityEnv{env: e, betoMarker: "192.0.2.99"}
	ae.beto = storetest.MustCreateClient(t, e.st, "beto@example.mx", "Beto", "Ruiz", testPassword)
	ana := store.Actor{Kind: store.ActorOwner, ID: e.client.ID, Name: "Ana López"}
	ae.record(e.client.ID, store.Event{Kind: store.KindPasswordChanged, Actor: ana, IP: "203.0.113.7", UserAgent: chromeUA,
		Changes: []store.Change{
			{Field: "password", Old: secretValues[0], New: secretValues[1], Secret: true},
			{Field: "pin", Old: secretValues[2], New: secretValues[3]}, // not marked, still a secret
		}})
	ae.record(ae.beto.ID, store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorOwner, Name: "Beto Ruiz"}, IP: ae.betoMarker})
	page, err := e.st.QueryActivity(ae.beto.ID, store.ActivityQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	ae.betoEntry = page.Entries[0].ID
	ae.record(e.client.ID, store.Event{Kind: store.KindLanguage, Actor: store.Actor{Kind: store.ActorStaff, ID: "S1", Name: "Luis Pérez"},
		IP: "198.51.100.4", UserAgent: chromeUA, Changes: []store.Change{{Field: "lang", Old: "es", New: "en"}}})
	ae.record(e.client.ID, store.Event{Kind: store.KindSignInFailed, Actor: ana, IP: "198.51.100.9", UserAgent: "curl/8.5.0"})
	ae.record(e.client.ID, store.Event{Kind: store.KindSignOut, Actor: store.Actor{Kind: store.ActorContact, ID: "C1", Name: "=HYPERLINK(\"http://evil\")"},
		IP: "198.51.100.10"})
	ae.a = e.agent()
	ae.a.mustSignIn()
	return ae
}

func (ae *activityEnv) record(clientID string, ev store.Event) {
	ae.t.Helper()
	if err := ae.st.Record(clientID, ev); err != nil {
		ae.t.Fatal(err)
	}
}

// kinds lists the kinds of the entries a history page shows, in order.
func kinds(r *response) []string {
	var out []string
	r.doc.Find(`[data-testid="activity-entry"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr("data-kind", ""))
	})
	return out
}

// Ana's history, newest first: her sign-in by the test, then the entries newActivityEnv
// recorded, then the account's creation.
var anaKinds = []string{
	store.KindSignIn, store.KindSignOut, store.KindSignInFailed, store.KindLanguage, store.KindPasswordChanged, store.KindAccountCreated,
}

func TestActivityPage(t *testing.T) {
	ae := newActivityEnv(t)
	today := time.Now().UTC().Format("2006-01-02")
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	tests := []struct {
		name      string
		url       string
		htmx      bool
		wantKinds []string
		contains  []string // texts the page must show
		errorAt   string   // the field whose message must show, if any
	}{
		{name: "everything, newest first", url: "/activity", wantKinds: anaKinds,
			contains: []string{"Historial de movimientos", "Luis Pérez", "203.0.113.7", "Chrome en Linux", "Idioma", "cambió (por seguridad no se muestra)", "El sistema", "IP no registrada"}},
		{name: "by kind", url: "/activity?kind=account.language", wantKinds: []string{store.KindLanguage}, contains: []string{"Personal de soporte (Luis Pérez)"}},
		{name: "by who: staff", url: "/activity?who=staff", wantKinds: []string{store.KindLanguage}},
		{name: "by who: the system", url: "/activity?who=system", wantKinds: []string{store.KindAccountCreated}},
		{name: "by who: a contact", url: "/activity?who=contact", wantKinds: []string{store.KindSignOut}},
		{name: "by who and kind", url: "/activity?who=owner&kind=auth.signin_failed", wantKinds: []string{store.KindSignInFailed}},
		{name: "today", url: "/activity?from=" + today + "&to=" + today, wantKinds: anaKinds},
		{name: "until yesterday", url: "/activity?to=" + yesterday, contains: []string{"Ningún movimiento coincide con estos filtros."}},
		{name: "htmx swap of the same URL", url: "/activity?kind=auth.signout", htmx: true, wantKinds: []string{store.KindSignOut}},
		{name: "a date that is not one", url: "/activity?from=2026-13-45", wantKinds: anaKinds, errorAt: "from"},
		{name: "a date in another format", url: "/activity?to=24/11/2026", wantKinds: anaKinds, errorAt: "to"},
		{name: "an end before the start", url: "/activity?from=" + today + "&to=" + yesterday, wantKinds: anaKinds, errorAt: "to"},
		{name: "an unknown kind", url: "/activity?kind=auth.nope", wantKinds: anaKinds, errorAt: "kind"},
		{name: "an unknown actor", url: "/activity?who=robot", wantKinds: anaKinds, errorAt: "who"},
		{name: "a cursor that is not one", url: "/activity?before=../../x", wantKinds: anaKinds, contains: []string{"No se pudo abrir esa página del historial"}},
		{name: "invalid UTF-8", url: "/activity?kind=%ff%fe&from=%c3", wantKinds: anaKinds, errorAt: "kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ae.a.headers = map[string]string{}
			if tt.htmx {
				ae.a.headers["HX-Request"] = "true"
			}
			r := ae.a.get(tt.url)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("status %d; body %.300s", r.StatusCode, r.body)
			}
			if got := kinds(r); !slices.Equal(got, tt.wantKinds) {
				t.Errorf("kinds %v, want %v", got, tt.wantKinds)
			}
			for _, s := range tt.contains {
				if !strings.Contains(r.doc.Text(), s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range append(slices.Clone(secretValues), ae.betoMarker, "Beto") {
				if strings.Contains(r.body, s) {
					t.Errorf("page shows %q, which it must never show", s)
				}
			}
			if tt.errorAt != "" {
				msg := r.doc.Find("#" + tt.errorAt + "-error")
				if msg.Length() == 0 || r.doc.Find("#"+tt.errorAt).AttrOr("aria-invalid", "") != "true" {
					t.Errorf("no message beside field %q", tt.errorAt)
				}
			} else if n := r.doc.Find(".field-error").Length(); n > 0 {
				t.Errorf("%d unexpected field messages: %s", n, r.text(".field-error"))
			}
			root := r.doc.Find("section#activity[hx-target='this'][hx-swap='outerHTML']")
			if root.Length() != 1 {
				t.Error("no swappable root section#activity")
			}
			if isFragment := !strings.Contains(r.body, "<html"); isFragment != tt.htmx {
				t.Errorf("htmx %v, but fragment %v", tt.htmx, isFragment)
			}
			if !tt.htmx && r.doc.Find(`a[data-testid="menu-activity"][href="/activity"]`).Length() != 1 {
				t.Error("no Historial link in the user menu")
			}
		})
	}
}

func TestActivityLabelsEveryControl(t *testing.T) {
	ae := newActivityEnv(t)
	r := ae.a.get("/activity")
	r.doc.Find("form[data-testid='activity-filters'] select, form[data-testid='activity-filters'] input").Each(func(_ int, s *goquery.Selection) {
		id := s.AttrOr("id", "")
		if id == "" || r.doc.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("control %q has no label", s.AttrOr("name", "?"))
		}
	})
	if r.doc.Find("table caption").Length() != 1 || r.doc.Find(`table thead th[scope="col"]`).Length() != 4 {
		t.Error("the table lacks its caption or its column headings")
	}
	form := r.doc.Find("form[data-testid='activity-filters']")
	if form.AttrOr("method", "") != "get" || form.AttrOr("action", "") != "/activity" {
		t.Error("the filter form does not work without JavaScript (GET /activity)")
	}
	if got := r.doc.Find(`a[data-testid="activity-csv"]`).AttrOr("href", ""); got != "/activity.csv" {
		t.Errorf("CSV link %q", got)
	}
	r = ae.a.get("/activity?kind=auth.signin&who=owner&from=2020-01-01&to=nope")
	if got := r.doc.Find(`a[data-testid="activity-csv"]`).AttrOr("href", ""); got != "/activity.csv?from=2020-01-01&kind=auth.signin&who=owner" {
		t.Errorf("CSV link with filters %q: want the valid filters only", got)
	}
}

func TestActivityCursorOfAnotherClientShowsNothingOfIt(t *testing.T) {
	ae := newActivityEnv(t)
	r := ae.a.get("/activity?before=" + ae.betoEntry)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	// Beto's entry was made after Ana's password change: the cursor only marks that time.
	if got, want := kinds(r), []string{store.KindPasswordChanged, store.KindAccountCreated}; !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	if strings.Contains(r.body, ae.betoMarker) || strings.Contains(r.body, "Beto") {
		t.Error("Beto's history shows in Ana's")
	}
	// Signed in as Beto, nothing of Ana's shows either.
	b := ae.agent()
	if res := b.signIn("beto@example.mx", testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Beto's sign-in: %d", res.StatusCode)
	}
	r = b.get("/activity")
	if got := kinds(r); !slices.Equal(got, []string{store.KindSignIn, store.KindSignIn, store.KindAccountCreated}) {
		t.Errorf("Beto's kinds %v", got)
	}
	for _, s := range []string{"203.0.113.7", "Luis", "Ana"} {
		if strings.Contains(r.body, s) {
			t.Errorf("Beto's history shows %q, from Ana's", s)
		}
	}
}

func TestActivityNeedsSignIn(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/activity", "/activity.csv", "/activity?before=" + e.client.ID} {
		r := e.agent().get(path)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
			t.Errorf("%s signed out: status %d, location %q", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
}

// linkOf returns the href of the element with that data-testid, or "".
func linkOf(r *response, testID string) string {
	return r.doc.Find(`[data-testid="`+testID+`"]`).AttrOr("href", "")
}

func TestActivityPages(t *testing.T) {
	e := newEnv(t)
	for i := range 120 {
		ev := store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorOwner, Name: "Ana"}, IP: fmt.Sprintf("10.1.0.%d", i)}
		if i%2 == 0 {
			ev.Kind = store.KindSignOut
		}
		if err := e.st.Record(e.client.ID, ev); err != nil {
			t.Fatal(err)
		}
	}
	a := e.agent()
	a.mustSignIn() // 122 entries now: creation, 120, this sign-in

	var ids []string
	next, pages := "/activity", 0
	for next != "" {
		r := a.get(next)
		pages++
		r.doc.Find(`[data-testid="activity-entry"]`).Each(func(_ int, s *goquery.Selection) {
			ids = append(ids, s.AttrOr("data-id", ""))
		})
		if pages > 1 && linkOf(r, "activity-newest") != "/activity" {
			t.Errorf("page %d: no link back to the newest entries", pages)
		}
		next = linkOf(r, "activity-older")
	}
	if pages != 3 || len(ids) != 122 {
		t.Fatalf("%d pages, %d entries; want 3 pages, 122 entries", pages, len(ids))
	}
	if !slices.IsSortedFunc(ids, func(x, y string) int { return strings.Compare(y, x) }) || len(slices.Compact(slices.Clone(ids))) != 122 {
		t.Error("entries are not newest first, or repeat across pages")
	}

	// Filters travel with the cursor: 60 sign-outs make two pages.
	r := a.get("/activity?kind=auth.signout")
	older := linkOf(r, "activity-older")
	if !strings.Contains(older, "kind=auth.signout") || !strings.Contains(older, "before=") {
		t.Fatalf("older link %q does not keep the filter", older)
	}
	r = a.get(older)
	if got := kinds(r); len(got) != 10 || slices.ContainsFunc(got, func(k string) bool { return k != store.KindSignOut }) {
		t.Errorf("second page of sign-outs: %v", got)
	}
	if linkOf(r, "activity-older") != "" {
		t.Error("an older link after the last page")
	}
}

func TestActivityScanLimitOffersToContinue(t *testing.T) {
	if testing.Short() {
		t.Skip("records 2,100 entries")
	}
	e := newEnv(t)
	failed := store.Event{Kind: store.KindSignInFailed, Actor: store.Actor{Kind: store.ActorOwner, Name: "Ana"}}
	if err := e.st.Record(e.client.ID, failed); err != nil {
		t.Fatal(err)
	}
	for range 2100 {
		if err := e.st.Record(e.client.ID, store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorOwner}}); err != nil {
			t.Fatal(err)
		}
	}
	a := e.agent()
	a.mustSignIn()
	r := a.get("/activity?kind=auth.signin_failed")
	if got := kinds(r); len(got) != 0 {
		t.Fatalf("first page: %v, want nothing within the scan limit", got)
	}
	cont := linkOf(r, "activity-continue")
	if !strings.Contains(r.text(`[data-testid="activity-stopped"]`), "2000") || !strings.Contains(cont, "kind=auth.signin_failed") {
		t.Fatalf("no offer to continue: %q, %q", r.text(`[data-testid="activity-stopped"]`), cont)
	}
	r = a.get(cont)
	if got := kinds(r); !slices.Equal(got, []string{store.KindSignInFailed}) {
		t.Errorf("after continuing: %v", got)
	}
	if linkOf(r, "activity-continue") != "" || linkOf(r, "activity-older") != "" {
		t.Error("links past the end of the history")
	}
}

func TestActivityCSV(t *testing.T) {
	ae := newActivityEnv(t)
	readCSV := func(t *testing.T, r *response) [][]string {
		t.Helper()
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %.300s", r.StatusCode, r.body)
		}
		if !strings.HasPrefix(r.body, "\xEF\xBB\xBF") {
			t.Fatalf("no UTF-8 BOM first: % x", r.body[:min(8, len(r.body))])
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\xEF\xBB\xBF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}

	r := ae.a.get("/activity.csv")
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="historial-\d{8}\.csv"$`).MatchString(cd) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	rows := readCSV(t, r)
	if want := []string{"Fecha", "Quién", "Tipo", "Descripción", "Cambios", "IP", "Dispositivo"}; !slices.Equal(rows[0], want) {
		t.Errorf("header %q, want %q", rows[0], want)
	}
	if len(rows) != 1+len(anaKinds) {
		t.Fatalf("%d rows, want %d", len(rows)-1, len(anaKinds))
	}
	byKind := map[string][]string{}
	es := locales.For(locales.ES)
	for _, row := range rows[1:] {
		if len(row) != 7 {
			t.Fatalf("row of %d columns: %q", len(row), row)
		}
		if _, err := time.Parse("2006-01-02 15:04:05", row[0]); err != nil {
			t.Errorf("date %q: %v", row[0], err)
		}
		for _, k := range anaKinds {
			if row[2] == es.T("kind."+k) {
				byKind[k] = row
			}
		}
	}
	if got := byKind[store.KindPasswordChanged]; got == nil || got[4] != "Contraseña: cambió (por seguridad no se muestra); PIN de seguridad: cambió (por seguridad no se muestra)" || got[5] != "203.0.113.7" || got[6] != "Chrome en Linux" {
		t.Errorf("password change row %q", got)
	}
	if got := byKind[store.KindLanguage]; got == nil || got[1] != "Personal de soporte (Luis Pérez)" || got[4] != "Idioma: Español → English" {
		t.Errorf("language row %q", got)
	}
	if got := byKind[store.KindSignOut]; got == nil || got[1] != `'=HYPERLINK("http://evil")` || !strings.HasPrefix(got[3], "'=") {
		t.Errorf("a cell that starts like a formula is not neutralised: %q", got)
	}
	for _, s := range append(slices.Clone(secretValues), ae.betoMarker, "Beto") {
		if strings.Contains(r.body, s) {
			t.Errorf("CSV holds %q, which it must never hold", s)
		}
	}

	// The filters of the page apply; a filter that is not valid is refused, not ignored.
	rows = readCSV(t, ae.a.get("/activity.csv?kind=account.language"))
	if len(rows) != 2 || rows[1][4] != "Idioma: Español → English" {
		t.Errorf("filtered CSV: %q", rows)
	}
	if r := ae.a.get("/activity.csv?from=ayer"); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "Los filtros de la descarga no son válidos") {
		t.Errorf("bad filter: status %d", r.StatusCode)
	}

	// In English, the headers are English.
	ae.a.post("/language", url.Values{"lang": {"en"}, "back": {"/activity"}})
	rows = readCSV(t, ae.a.get("/activity.csv?who=system"))
	if !slices.Equal(rows[0], []string{"Date", "Who", "Kind", "Description", "Changes", "IP", "Device"}) || len(rows) != 2 || rows[1][1] != "The system" {
		t.Errorf("English CSV: %q", rows)
	}
}

// TestActivityCSVStreamsLongHistories writes more entries than one chunk of the stream.
func TestActivityCSVStreamsLongHistories(t *testing.T) {
	e := newEnv(t)
	for i := range 1203 {
		if err := e.st.Record(e.client.ID, store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorOwner, Name: "Ana"}, IP: fmt.Sprint("10.2.", i/250, ".", i%250)}); err != nil {
			t.Fatal(err)
		}
	}
	a := e.agent()
	a.mustSignIn()
	r := a.get("/activity.csv")
	body := strings.TrimPrefix(r.body, "\xEF\xBB\xBF")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+1205 { // header, creation, 1203, the sign-in
		t.Fatalf("%d rows, want 1205 entries", len(rows)-1)
	}
	if bytes.Count([]byte(r.body), []byte("\xEF\xBB\xBF")) != 1 {
		t.Error("the BOM is repeated inside the file")
	}
}

// TestActivityKindsAreTranslated checks that every kind the filter offers has its sentence
// and its label in every language.
func TestActivityKindsAreTranslated(t *testing.T) {
	for _, lang := range locales.Langs {
		keys, err := locales.Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range store.Kinds {
			for _, key := range []string{"activity." + k, "kind." + k} {
				if !keys[key] {
					t.Errorf("%s: no translation %q", lang, key)
				}
			}
		}
		for key := range keys {
			if k, ok := strings.CutPrefix(key, "activity."); ok && !store.KnownKind(k) {
				t.Errorf("%s: %q describes kind %q, which store.Kinds does not list (the history cannot filter by it)", lang, key, k)
			}
		}
		for _, k := range store.ActorKinds {
			if !keys["page.activity.who."+k] {
				t.Errorf("%s: no translation for actor kind %q", lang, k)
			}
		}
	}
}
