package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"zona/store"
)

// TestConsoleFindsByEveryField: one search box finds a client by RFC, phone (as a caller
// says it), a contact's email and client ID, through the store's index; exact matches
// come first.
func TestConsoleFindsByEveryField(t *testing.T) {
	e := newEnv(t)
	rosa := storeNamedClient(t, e, "rosa@example.mx", "Rosa", "Anaya", "Ferretería Anaya")
	if _, err := e.st.UpdateClient(rosa.ID, rosa.Rev, func(c *store.Client) error {
		c.Phone, c.Fiscal.RFC = "+523312345678", "AARO800101AB1"
		return nil
	}, store.Event{Kind: store.KindAccountUpdated, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	mustContact(t, e.st, rosa.ID, contactSpec{first: "Pagos", email: "pagos@ferreteria-anaya.mx"})
	a, _ := mustStaffAgent(t, e)
	for _, q := range []string{"AARO800101AB1", "aaro800101ab1", "33 1234 5678", "+52 33 1234 5678", "044 33 1234 5678",
		"+52 1 33 1234 5678", "pagos@ferreteria-anaya.mx", rosa.ID, "ferreteria"} {
		r := a.get("/admin?q=" + url.QueryEscape(q))
		if got := strings.Join(rowNames(r), ","); got != "Rosa Anaya" {
			t.Errorf("q=%q: %q, want Rosa Anaya", q, got)
		}
	}
	// "ana" is Ana López's first name exactly and only starts Rosa's last name.
	r := a.get("/admin?q=ana")
	if got := strings.Join(rowNames(r), ","); got != "Ana López,Rosa Anaya" {
		t.Errorf("q=ana: %q, want the exact match first", got)
	}
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
}

// outboxLink is the one-time link matching re in the copy queued for email: it is in the
// outbox alone, never in the archived body.
func outboxLink(t *testing.T, e *env, email string, re *regexp.Regexp) string {
	t.Helper()
	items, err := e.st.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range items {
		m, err := e.st.MessageByID(o.ClientID, o.MessageID)
		if err != nil || o.Secret == nil || m.Copies[0].To != email {
			continue
		}
		body, err := e.st.MessageBodyByID(o.ClientID, o.MessageID)
		if err != nil {
			t.Fatal(err)
		}
		if re.MatchString(body.HTML + body.Text) {
			t.Fatal("the archived copy holds the link")
		}
		if link := re.FindString(o.Secret.Text); link != "" {
			return link
		}
	}
	t.Fatalf("no link mailed to %s", email)
	return ""
}

func TestConsoleCreatesClientWithWelcome(t *testing.T) {
	e := newEnv(t)
	a, st := mustStaffAgent(t, e)
	a.get("/admin/clients/new")
	bad := a.post("/admin/clients/new", url.Values{"first_name": {"Rosa"}, "last_name": {""}, "email": {testEmail}, "country": {"MX"}})
	if bad.StatusCode != http.StatusOK || bad.doc.Find(`#last_name[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("missing last name: %d", bad.StatusCode)
	}
	if v, _ := bad.doc.Find(`#first_name`).Attr("value"); v != "Rosa" {
		t.Fatalf("typed name lost: %q", v)
	}
	taken := a.post("/admin/clients/new", url.Values{"first_name": {"Rosa"}, "last_name": {"Anaya"}, "email": {testEmail}, "country": {"MX"}})
	if taken.doc.Find(`#email[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("a taken email accepted: %d", taken.StatusCode)
	}
	r := a.post("/admin/clients/new", url.Values{"first_name": {"Rosa"}, "last_name": {"Anaya"}, "email": {"rosa@example.mx"},
		"country": {"MX"}, "state": {"CMX"}, "lang": {"es"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %.300s", r.StatusCode, r.body)
	}
	cl, err := e.st.ClientByEmail("rosa@example.mx")
	if err != nil {
		t.Fatal(err)
	}
	entries, _, _ := e.st.ListActivity(cl.ID, "", 10)
	kinds := map[string]string{}
	for _, en := range entries {
		kinds[en.Kind] = en.Actor.Name
	}
	if kinds[store.KindAccountCreated] != st.Name || kinds[store.KindWelcomeSent] != st.Name || kinds[store.KindEmailQueued] != st.Name {
		t.Fatalf("history %v, want creation, welcome and mail by %s", kinds, st.Name)
	}
	page := a.get("/admin/clients/" + cl.ID)
	if !strings.Contains(page.text(`[data-testid="admin-address"]`), "Ciudad de México") || !strings.Contains(page.text(`[data-testid="admin-address"]`), "México") {
		t.Fatalf("codes not in words: %q", page.text(`[data-testid="admin-address"]`))
	}
	link := outboxLink(t, e, "rosa@example.mx", regexp.MustCompile(`/password/reset/[A-Za-z0-9_-]+`))
	b := e.agent()
	b.get(link)
	if r := b.post(link, url.Values{"new": {newPassword}, "confirm": {newPassword}}); r.StatusCode >= 400 {
		t.Fatalf("set password: %d", r.StatusCode)
	}
	if r := e.agent().signIn("rosa@example.mx", newPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the new client cannot sign in: %d", r.StatusCode)
	}
}

func TestConsoleEditsThroughTheAccountRules(t *testing.T) {
	e := newEnv(t)
	a, st := mustStaffAgent(t, e)
	path := "/admin/clients/" + e.client.ID + "/edit"
	form := accountFormAt(t, a, path)
	form.Set("rfc", "XYZ")
	r := a.post(path, form)
	if r.StatusCode != http.StatusOK || r.doc.Find(`#rfc[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("bad RFC: %d", r.StatusCode)
	}
	if v, _ := r.doc.Find(`#street`).Attr("value"); v != "Av. Juárez 100" {
		t.Fatalf("typed street lost: %q", v)
	}
	form = accountFormAt(t, a, path)
	form.Set("email", "otra@example.mx")
	if r := a.post(path, form); r.doc.Find(`#email[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("staff changed the sign-in email: %d", r.StatusCode)
	}
	form = accountFormAt(t, a, path)
	form.Set("rfc", "LOLA850101AB1")
	form.Set("rfc_confirm", "1")
	form.Set("regimen", "612")
	if r := a.post(path, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %.400s", r.StatusCode, r.body)
	}
	en, err := e.st.LastOfKind(e.client.ID, store.KindAccountUpdated, 10)
	if err != nil || en.Actor.Kind != store.ActorStaff || en.Actor.Name != st.Name {
		t.Fatalf("entry %+v %v", en, err)
	}
	fields := map[string]store.Change{}
	for _, ch := range en.Changes {
		fields[ch.Field] = ch
	}
	if fields["city"].New != "Guadalajara" || fields["rfc"].New != "LOLA850101AB1" {
		t.Fatalf("changes %+v", en.Changes)
	}
	page := a.get("/admin/clients/" + e.client.ID)
	if !strings.Contains(page.text(`[data-testid="admin-fiscal"]`), "612 · ") || !strings.Contains(page.text(`[data-testid="admin-address"]`), "Jalisco") {
		t.Fatalf("codes not in words: %q / %q", page.text(`[data-testid="admin-fiscal"]`), page.text(`[data-testid="admin-address"]`))
	}
	if !strings.Contains(page.text(`[data-testid="admin-history"]`), "612 · ") {
		t.Fatal("the history shows the tax regime's code without its label")
	}
}

func TestConsoleSuspendsAndReactivates(t *testing.T) {
	e := newEnv(t)
	owner := e.agent()
	owner.mustSignIn()
	a, _ := mustStaffAgent(t, e)
	a.get("/admin/clients/" + e.client.ID)
	if r := a.post("/admin/clients/"+e.client.ID+"/suspend", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspend: %d", r.StatusCode)
	}
	if r := owner.get("/zona"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("a suspended owner's session goes on: %d", r.StatusCode)
	}
	r := e.agent().signIn(testEmail, testPassword)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.text(`[data-testid="notice"]`), "suspendida") {
		t.Fatalf("suspended sign-in: %d %q", r.StatusCode, r.text(`[data-testid="notice"]`))
	}
	if page := a.get("/admin/clients/" + e.client.ID); page.doc.Find(`[data-testid="admin-suspended"]`).Length() != 1 {
		t.Fatal("the client page does not say the account is suspended")
	}
	a.post("/admin/clients/"+e.client.ID+"/reactivate", nil)
	e.agent().mustSignIn()
}
