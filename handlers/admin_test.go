package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"zona/handlers"
	"zona/secure"
	"zona/store"
)

const staffPassword = "Consola-Segura-2026!"

// mustStaff stores an admin staff account with staffPassword.
func mustStaff(t testing.TB, e *env, name, email string) *store.Staff {
	return mustStaffRole(t, e, name, email, store.RoleAdmin)
}

// mustStaffRole stores a staff account of that role with staffPassword.
func mustStaffRole(t testing.TB, e *env, name, email, role string) *store.Staff {
	t.Helper()
	hash, err := secure.Hash(context.Background(), staffPassword)
	if err != nil {
		t.Fatal(err)
	}
	st := &store.Staff{Name: name, Email: email, PasswordHash: hash, Role: role}
	if err := e.st.CreateStaff(st); err != nil {
		t.Fatal(err)
	}
	return st
}

// plantStaffSession is a browser with a staff session of st, written straight to the
// sessions store.
func plantStaffSession(t testing.TB, e *env, st *store.Staff) *agent {
	t.Helper()
	id := secure.Token()
	now := time.Now()
	raw, _ := json.Marshal(map[string]any{"k": "staff", "p": st.ID, "s": now.Unix(), "n": now.Unix(), "r": st.Rev})
	if err := e.kv.Set("sess."+id, raw, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := e.st.StartStaffDevice(st.ID, &store.StaffDevice{Hash: hashOf(id), Started: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	a := e.agent()
	a.cookies["zona_session"] = id
	return a
}

// staffSignIn signs the agent in to the console and returns the answer to the POST.
func (a *agent) staffSignIn(email, password string) *response {
	a.get("/admin/login")
	return a.followSignIn(a.post("/admin/login", url.Values{"email": {email}, "password": {password}}))
}

// mustStaffAgent is a browser signed in to the console through its sign-in page.
func mustStaffAgent(t *testing.T, e *env) (*agent, *store.Staff) {
	t.Helper()
	st := mustStaff(t, e, "Luis Pérez", "luis.ops@example.mx")
	a := e.agent()
	if r := a.staffSignIn(st.Email, staffPassword); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin" {
		t.Fatalf("staff sign-in: %d %q %.300s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	return a, st
}

func TestStaffSignInAndOut(t *testing.T) {
	e := newEnv(t)
	a, st := mustStaffAgent(t, e)
	old := a.cookies["zona_session"]
	res := a.get("/admin")
	if res.StatusCode != http.StatusOK || res.text(`[data-testid="user-name"]`) != st.Name {
		t.Fatalf("console: %d, user %q", res.StatusCode, res.text(`[data-testid="user-name"]`))
	}
	if href, _ := res.doc.Find(`[data-testid="menu-clients"]`).Attr("href"); href != "/admin" {
		t.Fatalf("menu Clientes links to %q", href)
	}
	if action, _ := res.doc.Find(`[data-testid="user-menu"] form`).Attr("action"); action != "/admin/logout" {
		t.Fatalf("Salir posts to %q", action)
	}
	if href, _ := res.doc.Find(`[data-testid="brand"]`).Attr("href"); href != "/admin" {
		t.Fatalf("brand links to %q", href)
	}
	// A signed-in staff member is sent from the sign-in page to the console.
	if r := a.get("/admin/login"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin" {
		t.Fatalf("sign-in page while signed in: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r := a.post("/admin/logout", nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/login" {
		t.Fatalf("sign-out: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := a.get("/admin"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("console after sign-out: %d", r.StatusCode)
	}
	// The old cookie is worthless on the server.
	b := e.agent()
	b.cookies["zona_session"] = old
	if r := b.get("/admin"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
		t.Fatalf("old cookie: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestStaffSignInNewSessionIDAndNext(t *testing.T) {
	e := newEnv(t)
	st := mustStaff(t, e, "Luis Pérez", "luis.ops@example.mx")
	a := e.agent()
	a.get("/admin/login")
	planted := a.cookies["zona_session"]
	res := a.get("/admin/clients/" + e.client.ID)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/login?next=") {
		t.Fatalf("signed out: %d %q", res.StatusCode, loc)
	}
	u, _ := url.Parse(loc)
	a.get(loc)
	r := a.post("/admin/login", url.Values{"email": {st.Email}, "password": {staffPassword}, "next": {u.Query().Get("next")}})
	if r.Header.Get("Location") != "/admin/clients/"+e.client.ID {
		t.Fatalf("went to %q", r.Header.Get("Location"))
	}
	if a.cookies["zona_session"] == "" || a.cookies["zona_session"] == planted {
		t.Fatal("the session ID did not change at sign-in")
	}
	// A next outside the console leads to the console.
	b := e.agent()
	b.get("/admin/login")
	r = b.post("/admin/login", url.Values{"email": {st.Email}, "password": {staffPassword}, "next": {"/zona"}})
	if r.Header.Get("Location") != "/admin" {
		t.Fatalf("next=/zona went to %q", r.Header.Get("Location"))
	}
}

func TestStaffWrongPasswordSameAnswer(t *testing.T) {
	e := newEnv(t)
	st := mustStaff(t, e, "Luis Pérez", "luis.ops@example.mx")
	wrong := e.agent().staffSignIn(st.Email, "not-the-password")
	unknown := e.agent().staffSignIn("nadie@example.mx", "not-the-password")
	if wrong.StatusCode != http.StatusOK || wrong.StatusCode != unknown.StatusCode {
		t.Fatalf("status %d vs %d", wrong.StatusCode, unknown.StatusCode)
	}
	w := strings.ReplaceAll(wrong.text(`[data-testid="staff-login"]`), st.Email, "")
	u := strings.ReplaceAll(unknown.text(`[data-testid="staff-login"]`), "nadie@example.mx", "")
	if w != u || !strings.Contains(w, "no son correctos") {
		t.Fatalf("answers differ:\n%s\n%s", w, u)
	}
	// A client's email and password do not open the console.
	if r := e.agent().staffSignIn(testEmail, testPassword); r.StatusCode != http.StatusOK {
		t.Fatalf("client credentials at the console: %d", r.StatusCode)
	}
	// Nor do a staff member's open the client zone.
	if r := e.agent().signIn(st.Email, staffPassword); r.StatusCode != http.StatusOK {
		t.Fatalf("staff credentials in the client zone: %d", r.StatusCode)
	}
}

func TestStaffSignInRateLimited(t *testing.T) {
	e := newEnv(t)
	st := mustStaff(t, e, "Luis Pérez", "luis.ops@example.mx")
	a := e.agent()
	for i := 1; i <= 10; i++ {
		if r := a.staffSignIn(st.Email, "wrong-"+string(rune('a'+i))); r.StatusCode != http.StatusOK {
			t.Fatalf("attempt %d: %d", i, r.StatusCode)
		}
	}
	r := e.agent().staffSignIn(st.Email, staffPassword)
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.text(`[data-testid="notice"]`), "Demasiados intentos") {
		t.Fatalf("right password while locked: %d %q", r.StatusCode, r.text(`[data-testid="notice"]`))
	}
	// The client zone's sign-in has counters of its own.
	e.agent().mustSignIn()
}

func TestStaffSignInBadInput(t *testing.T) {
	e := newEnv(t)
	for name, form := range map[string]string{
		"empty":      "",
		"bad utf8":   "email=%ff%fe&password=%ff",
		"long":       "email=" + strings.Repeat("a", 20000) + "&password=" + strings.Repeat("b", 20000),
		"no at":      "email=nadie&password=x",
		"next=evil":  "email=a%40b.mx&password=x&next=https%3A%2F%2Fevil.example",
		"duplicates": "email=a%40b.mx&email=c%40d.mx&password=x",
	} {
		a := e.agent()
		a.get("/admin/login")
		r := a.postRaw("/admin/login", form+"&_csrf="+url.QueryEscape(a.csrf))
		if r.StatusCode >= 500 || r.StatusCode == http.StatusSeeOther {
			t.Errorf("%s: status %d", name, r.StatusCode)
		}
	}
}

func TestClientSessionCannotOpenConsole(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	for _, path := range []string{"/admin", "/admin/clients/" + e.client.ID} {
		r := a.get(path)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
			t.Fatalf("client at %s: %d %q", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	a.get("/zona")
	if r := a.post("/admin/clients/"+e.client.ID+"/pin", url.Values{"pin": {"402917"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("client posting a PIN check: %d", r.StatusCode)
	}
	// The console's sign-out leaves a client's session alone.
	a.post("/admin/logout", nil)
	if r := a.get("/zona"); r.StatusCode != http.StatusOK {
		t.Fatalf("client zone after the console's sign-out: %d", r.StatusCode)
	}
}

func TestStaffSessionCannotOpenClientZone(t *testing.T) {
	e := newEnv(t)
	a, _ := mustStaffAgent(t, e)
	for _, path := range []string{"/zona", "/account", "/activity", "/sessions"} {
		r := a.get(path)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("staff at %s: %d %q", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	// And the staff session is still there.
	if r := a.get("/admin"); r.StatusCode != http.StatusOK {
		t.Fatalf("console after visiting the client zone: %d", r.StatusCode)
	}
}

func TestStaffSessionEndsOnPasswordChangeAndTimeouts(t *testing.T) {
	e := newEnv(t)
	a, st := mustStaffAgent(t, e)
	if _, err := e.st.SetStaffPassword(st.ID, st.PasswordHash, ""); err != nil {
		t.Fatal(err)
	}
	if r := a.get("/admin"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("session after a password change: %d", r.StatusCode)
	}
}

func TestStaffAbsoluteTimeout(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.AbsoluteTimeout = time.Second })
	a, _ := mustStaffAgent(t, e)
	time.Sleep(2100 * time.Millisecond)
	if r := a.get("/admin"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff session past its absolute timeout: %d", r.StatusCode)
	}
}

// storeNamedClient stores a client with that email, name and company.
func storeNamedClient(t *testing.T, e *env, email, first, last, company string) *store.Client {
	t.Helper()
	c := &store.Client{Email: email, FirstName: first, LastName: last, Company: company, PasswordHash: e.client.PasswordHash}
	if err := e.st.CreateClient(c, store.Event{Kind: store.KindAccountCreated, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	return c
}

func rowNames(r *response) []string {
	var out []string
	r.doc.Find(`[data-testid="admin-client-link"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Text()))
	})
	return out
}

func TestConsoleListAndSearch(t *testing.T) {
	e := newEnv(t)
	storeNamedClient(t, e, "jose@example.mx", "José", "Ramírez", "Tacos Ñandú SA")
	storeNamedClient(t, e, "maria@example.mx", "María", "Gómez", "")
	a, _ := mustStaffAgent(t, e)
	res := a.get("/admin")
	if got := strings.Join(rowNames(res), ","); got != "María Gómez,José Ramírez,Ana López" {
		t.Fatalf("list %q, want newest first", got)
	}
	for q, want := range map[string]string{
		"ramirez":      "José Ramírez",
		"RAMÍREZ":      "José Ramírez",
		"nandu":        "José Ramírez",
		"ana@example":  "Ana López",
		"gomez":        "María Gómez",
		"nadie":        "",
		"%ff":          "",
		"<script>":     "",
		"   lopez   ":  "Ana López",
		"\x00\x01":     "",
		"a%2Fb%3F%26c": "",
	} {
		r := a.get("/admin?q=" + url.QueryEscape(q))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("q=%q: %d", q, r.StatusCode)
		}
		if got := strings.Join(rowNames(r), ","); got != want {
			t.Errorf("q=%q: %q, want %q", q, got, want)
		}
	}
	for _, page := range []string{"0", "-3", "x", "99999999999999999999", "2"} {
		if r := a.get("/admin?page=" + page); r.StatusCode != http.StatusOK || len(rowNames(r)) != 3 {
			t.Errorf("page=%s: %d, %d rows", page, r.StatusCode, len(rowNames(r)))
		}
	}
}

func TestConsoleListPages(t *testing.T) {
	e := newEnv(t)
	for i := range 60 {
		storeNamedClient(t, e, "c"+strings.Repeat("x", i%3)+store.NewID()[20:]+"@example.mx", "Cliente", "Prueba", "")
	}
	a, _ := mustStaffAgent(t, e)
	first := a.get("/admin")
	if n := len(rowNames(first)); n != 50 {
		t.Fatalf("first page: %d rows", n)
	}
	next, _ := first.doc.Find(`[data-testid="admin-next"]`).Attr("href")
	if next != "/admin?page=2" {
		t.Fatalf("next page link %q", next)
	}
	second := a.get(next)
	if n := len(rowNames(second)); n != 11 || second.doc.Find(`[data-testid="admin-prev"]`).Length() != 1 {
		t.Fatalf("second page: %d rows", n)
	}
	if !strings.Contains(second.text(`[data-testid="admin-clients-count"]`), "51 a 61 de 61") {
		t.Fatalf("count %q", second.text(`[data-testid="admin-clients-count"]`))
	}
}

func TestConsoleClientDetails(t *testing.T) {
	e := newEnv(t)
	setPIN(t, e, "402917")
	mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx", access: true, signIn: true,
		areas: []string{store.AreaEmails}})
	a, _ := mustStaffAgent(t, e)
	res := a.get("/admin/clients/" + e.client.ID)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("details: %d", res.StatusCode)
	}
	if got := res.text(`[data-testid="admin-client-name"]`); got != "Ana López" {
		t.Fatalf("name %q", got)
	}
	if !strings.Contains(res.text(`[data-testid="admin-identity"]`), testEmail) {
		t.Fatal("the email is not shown")
	}
	if !strings.Contains(res.text(`[data-testid="admin-pin-state"]`), "tiene PIN") {
		t.Fatalf("PIN state %q", res.text(`[data-testid="admin-pin-state"]`))
	}
	contact := res.text(`[data-testid="admin-contact"]`)
	if !strings.Contains(contact, "luis@example.mx") || !strings.Contains(contact, "Emails Recibidos") {
		t.Fatalf("contact %q", contact)
	}
	if res.doc.Find(`[data-testid="admin-history"] [data-testid="activity-entry"]`).Length() == 0 {
		t.Fatal("no history shown")
	}
	cl, _ := e.st.ClientByID(e.client.ID)
	for _, secret := range []string{cl.PINHash, cl.PasswordHash, "$argon2", "402917"} {
		if strings.Contains(res.body, secret) {
			t.Fatalf("the page shows a secret %q", secret)
		}
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	// A client without a PIN offers no check.
	other := storeNamedClient(t, e, "sinpin@example.mx", "Sin", "PIN", "")
	r := a.get("/admin/clients/" + other.ID)
	if r.doc.Find(`[data-testid="admin-pin-form"]`).Length() != 0 || !strings.Contains(r.text(`[data-testid="admin-pin-state"]`), "no ha puesto") {
		t.Fatal("a client without a PIN is offered a check")
	}
}

func TestConsoleUnknownClients(t *testing.T) {
	e := newEnv(t)
	a, _ := mustStaffAgent(t, e)
	for _, id := range []string{store.NewID(), "x", "..%2F..%2Fetc", strings.Repeat("A", 300), "%00", "01JAAAAAAAAAAAAAAAAAAAAAAA"} {
		if r := a.get("/admin/clients/" + id); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d", id, r.StatusCode)
		}
		a.get("/admin")
		if r := a.post("/admin/clients/"+id+"/pin", url.Values{"pin": {"402917"}}); r.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s/pin: %d", id, r.StatusCode)
		}
	}
}

// pinEntries are the PIN checks in the env's client history, newest first.
func pinEntries(t *testing.T, e *env) []store.Entry {
	t.Helper()
	all, _, err := e.st.ListActivity(e.client.ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Entry
	for _, en := range all {
		if strings.HasPrefix(en.Kind, "account.pin_") && en.Kind != store.KindPINChanged {
			out = append(out, en)
		}
	}
	return out
}

func TestConsolePINCheck(t *testing.T) {
	e := newEnv(t)
	setPIN(t, e, "402917")
	a, st := mustStaffAgent(t, e)
	path := "/admin/clients/" + e.client.ID
	check := func(pin string) *response {
		t.Helper()
		a.get(path)
		r := a.post(path+"/pin", url.Values{"pin": {pin}})
		if r.StatusCode != http.StatusOK {
			t.Fatalf("check %q: %d", pin, r.StatusCode)
		}
		if v, _ := r.doc.Find(`input[name="pin"]`).Attr("value"); v != "" || strings.Contains(r.body, `value="`+pin+`"`) {
			t.Fatalf("the PIN typed is echoed")
		}
		return r
	}
	result := func(r *response) string { return r.text(`[data-testid="admin-pin-result"]`) }

	r := check("402917")
	if result(r) != "Coincide" {
		t.Fatalf("right PIN: %q", result(r))
	}
	if first := r.doc.Find(`[data-testid="activity-entry"]`).First(); first.AttrOr("data-kind", "") != store.KindPINMatched ||
		!strings.Contains(first.Text(), "Personal de soporte (Luis Pérez)") {
		t.Fatalf("history line after the check: %q", first.Text())
	}
	r = check("111222")
	if result(r) != "No coincide" {
		t.Fatalf("wrong PIN: %q", result(r))
	}
	for range store.MaxPINFailures - 1 {
		check("111222")
	}
	r = check("402917")
	if !strings.HasPrefix(result(r), "Bloqueado, espere") || !strings.Contains(result(r), "minutos") {
		t.Fatalf("locked: %q", result(r))
	}
	entries := pinEntries(t, e)
	want := []string{store.KindPINLocked}
	for range store.MaxPINFailures {
		want = append(want, store.KindPINMismatched)
	}
	want = append(want, store.KindPINMatched)
	if len(entries) != len(want) {
		t.Fatalf("%d PIN entries, want %d", len(entries), len(want))
	}
	for i, en := range entries {
		if en.Kind != want[i] || en.Actor.Kind != store.ActorStaff || en.Actor.ID != st.ID || en.Actor.Name != st.Name || en.IP == "" {
			t.Errorf("entry %d: %s by %+v from %q", i, en.Kind, en.Actor, en.IP)
		}
		raw, _ := json.Marshal(en)
		if strings.Contains(string(raw), "402917") || strings.Contains(string(raw), "111222") {
			t.Errorf("entry %d holds the PIN typed: %s", i, raw)
		}
	}
	// htmx gets the section alone, with the answer and the new history line.
	a.headers["HX-Request"] = "true"
	r = check("402917")
	if strings.Contains(r.body, "<html") || result(r) == "" {
		t.Fatalf("htmx answer: %.300s", r.body)
	}
}

// Wrong PINs from one address count across accounts: spread under each account's own limit,
// they still stop the checks from that address, and the refused check is recorded.
func TestConsolePINCheckLimitedPerAddress(t *testing.T) {
	e := newEnv(t)
	a, _ := mustStaffAgent(t, e)
	hash, err := secure.Hash(context.Background(), "402917")
	if err != nil {
		t.Fatal(err)
	}
	withPIN := func(i int) *store.Client {
		c := storeNamedClient(t, e, fmt.Sprintf("cliente%d@example.mx", i), "Cliente", strconv.Itoa(i), "")
		if _, err := e.st.SetPIN(c.ID, hash, store.Event{Actor: store.Actor{Kind: store.ActorOwner, ID: c.ID}}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	check := func(c *store.Client, pin string) string {
		t.Helper()
		path := "/admin/clients/" + c.ID
		a.get(path)
		r := a.post(path+"/pin", url.Values{"pin": {pin}})
		if r.StatusCode != http.StatusOK {
			t.Fatalf("check on %s: %d", c.Email, r.StatusCode)
		}
		return r.text(`[data-testid="admin-pin-result"]`)
	}
	perAccount := store.MaxPINFailures - 1
	for i := range 20 / perAccount {
		c := withPIN(i)
		for range perAccount {
			if got := check(c, "111222"); got != "No coincide" {
				t.Fatalf("wrong PIN %s: %q", c.Email, got)
			}
		}
	}
	last := withPIN(99)
	if got := check(last, "402917"); !strings.HasPrefix(got, "Bloqueado, espere") {
		t.Fatalf("right PIN after 20 wrong ones from this address: %q, want locked", got)
	}
	en, err := e.st.LastOfKind(last.ID, store.KindPINLocked, 10)
	if err != nil || en.Actor.Kind != store.ActorStaff || en.Detail["limit"] != "ip" {
		t.Fatalf("refused check in the history: %+v %v", en, err)
	}
}

func TestConsolePINBadInput(t *testing.T) {
	e := newEnv(t)
	setPIN(t, e, "402917")
	a, _ := mustStaffAgent(t, e)
	path := "/admin/clients/" + e.client.ID
	for name, body := range map[string]string{
		"empty":    "",
		"letters":  "pin=abcdef",
		"short":    "pin=123",
		"long":     "pin=" + strings.Repeat("9", 5000),
		"bad utf8": "pin=%ff%fe%fd%fc%fb%fa",
		"unicode":  "pin=%D9%A1%D9%A2%D9%A3%D9%A4%D9%A5%D9%A6", // Arabic-Indic digits
	} {
		a.get(path)
		r := a.postRaw(path+"/pin", body+"&_csrf="+url.QueryEscape(a.csrf))
		if r.StatusCode != http.StatusOK || r.doc.Find(`#pin[aria-invalid="true"]`).Length() != 1 {
			t.Errorf("%s: %d, invalid field %d", name, r.StatusCode, r.doc.Find(`#pin[aria-invalid="true"]`).Length())
		}
	}
	if n := len(pinEntries(t, e)); n != 0 {
		t.Fatalf("malformed PINs left %d history entries", n)
	}
}
