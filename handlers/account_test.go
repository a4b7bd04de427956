package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zona/store"
)

// accountForm is a valid "Editar detalles de la cuenta" form for the test client, loaded
// by a (its revision and load time come from the page).
func accountForm(t *testing.T, a *agent) url.Values { return accountFormAt(t, a, "/account") }

// accountFormAt is accountForm as loaded from path (the console's edit form too).
func accountFormAt(t *testing.T, a *agent, path string) url.Values {
	t.Helper()
	r := a.get(path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, r.StatusCode)
	}
	v := url.Values{}
	for _, name := range []string{"rev", "loaded", "first_name", "last_name", "company", "email"} {
		val, _ := r.doc.Find(`[name="` + name + `"]`).Attr("value")
		v.Set(name, val)
	}
	v.Set("country", "MX")
	v.Set("phone", "33 3615 0000")
	v.Set("street", "Av. Juárez 100")
	v.Set("colonia", "Centro")
	v.Set("city", "Guadalajara")
	v.Set("state", "JAL")
	v.Set("postal_code", "44100")
	v.Set("lang", "es")
	return v
}

func TestAccountPageFromTheMenu(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	r := a.get("/zona")
	first := r.doc.Find(`[data-testid="user-menu"] ul li a`).First()
	if href, _ := first.Attr("href"); href != "/account" || strings.TrimSpace(first.Text()) != "Editar detalles de la cuenta" {
		t.Fatalf("first menu item %q → %q", first.Text(), href)
	}
	if r.doc.Find(`[data-testid="remind-pin"]`).Length() != 1 || r.doc.Find(`[data-testid="remind-rfc"]`).Length() != 1 {
		t.Error("the dashboard does not remind of the PIN and the RFC")
	}
	r = a.get("/account")
	if r.StatusCode != http.StatusOK || r.text("h1") != "Editar detalles de la cuenta" {
		t.Fatalf("GET /account: %d %q", r.StatusCode, r.text("h1"))
	}
	if v, _ := r.doc.Find(`#first_name`).Attr("value"); v != "Ana" {
		t.Errorf("first name %q", v)
	}
	if first := r.doc.Find(`#country option`).First(); first.AttrOr("value", "") != "MX" || first.Text() != "México" {
		t.Errorf("first country %q %q", first.AttrOr("value", ""), first.Text())
	}
	if n := r.doc.Find(`#country option`).Length(); n != 249 {
		t.Errorf("%d countries", n)
	}
	if n := r.doc.Find(`select#state option`).Length(); n != 33 {
		t.Errorf("state select has %d options, want 32 and the empty one", n)
	}
	if r.text(`[data-testid="pin-status"]`) != "Aún no tiene PIN de seguridad." {
		t.Errorf("PIN status %q", r.text(`[data-testid="pin-status"]`))
	}
}

func TestAccountInvalidKeepsEverythingTyped(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	form := accountForm(t, a)
	form.Set("phone", "12345")
	form.Set("postal_code", "4410")
	form.Set("rfc", "xiqb891316qe4")
	form.Set("first_name", "")
	form.Set("street", "Calle de Prueba 1")
	r := a.post("/account", form)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	for field, want := range map[string]string{
		"phone": "Este número de teléfono no es válido", "postal_code": "5 dígitos",
		"rfc": "La fecha del RFC", "first_name": "obligatorio",
	} {
		in := r.doc.Find("#" + field)
		if in.AttrOr("aria-invalid", "") != "true" || in.AttrOr("aria-describedby", "") != field+"-error" {
			t.Errorf("%s: aria-invalid %q, describedby %q", field, in.AttrOr("aria-invalid", ""), in.AttrOr("aria-describedby", ""))
		}
		if msg := r.text("#" + field + "-error"); !strings.Contains(msg, want) {
			t.Errorf("%s: message %q, want it to say %q", field, msg, want)
		}
	}
	for field, want := range map[string]string{"phone": "12345", "postal_code": "4410", "rfc": "XIQB891316QE4", "street": "Calle de Prueba 1"} {
		if v, _ := r.doc.Find("#" + field).Attr("value"); v != want {
			t.Errorf("%s holds %q, want %q", field, v, want)
		}
	}
	if got, _ := e.st.ClientByID(e.client.ID); got.Street != "" || got.Rev != e.client.Rev {
		t.Error("an invalid form saved something")
	}
}

func TestAccountSaveRecordsChanges(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	form := accountForm(t, a)
	form.Set("company", "Abarrotes La Esperanza")
	form.Set("rfc", " sat970701nn3 ")
	form.Set("razon_social", "Abarrotes La Esperanza SA de CV")
	form.Set("regimen", "601")
	form.Set("uso_cfdi", "G03")
	form.Set("cp_fiscal", "44100")
	form.Set("marketing", "1")
	r := a.post("/account", form)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account?saved=1" {
		t.Fatalf("save: %d %q %.500s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	got, _ := e.st.ClientByID(e.client.ID)
	if got.Phone != "+523336150000" || got.State != "JAL" || got.Fiscal.RFC != "SAT970701NN3" || got.Fiscal.Regimen != "601" ||
		!got.Marketing.Given || got.Marketing.IP == "" || got.Marketing.At.IsZero() {
		t.Fatalf("stored %+v", got)
	}
	r = a.get("/account?saved=1")
	if !strings.Contains(r.text(`[data-testid="notice"]`), "Sus cambios se guardaron") {
		t.Errorf("no confirmation: %q", r.text(`[data-testid="notice"]`))
	}
	if v, _ := r.doc.Find("#phone").Attr("value"); v != "+52 33 3615 0000" {
		t.Errorf("phone shown as %q", v)
	}
	entry, err := e.st.LastOfKind(e.client.ID, store.KindAccountUpdated, 10)
	if err != nil {
		t.Fatal(err)
	}
	changes := map[string]store.Change{}
	for _, ch := range entry.Changes {
		changes[ch.Field] = ch
	}
	if ch := changes["phone"]; ch.Old != "" || ch.New != "+523336150000" {
		t.Errorf("phone change %+v", ch)
	}
	if ch := changes["state"]; ch.New != "Jalisco" {
		t.Errorf("state change %+v", ch)
	}
	if ch := changes["rfc"]; ch.New != "SAT970701NN3" {
		t.Errorf("rfc change %+v", ch)
	}
	if _, ok := changes["first_name"]; ok {
		t.Error("an unchanged field is recorded")
	}
	if r := a.get("/zona"); r.doc.Find(`[data-testid="remind-rfc"]`).Length() != 0 {
		t.Error("the dashboard still asks for the RFC")
	}
	// The history shows the change, old → new, with the field's label.
	if body := a.get("/activity").body; !strings.Contains(body, "Número de teléfono") || !strings.Contains(body, "+523336150000") {
		t.Error("the history does not show the phone change")
	}
}

func TestAccountRFCRules(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	form := accountForm(t, a)
	// A 12-character RFC needs a company.
	form.Set("rfc", "SAT970701NN3")
	r := a.post("/account", form)
	if !strings.Contains(r.text("#rfc-error"), "compañía") {
		t.Errorf("moral RFC without company: %q", r.text("#rfc-error"))
	}
	// A failing check digit is a warning to confirm.
	form.Set("company", "Ejemplo SA")
	form.Set("rfc", "AAA010101AAA")
	r = a.post("/account", form)
	if r.StatusCode != http.StatusOK || r.doc.Find(`[data-testid="rfc-confirm"]`).Length() != 1 {
		t.Fatalf("check digit warning: %d, confirm box %d", r.StatusCode, r.doc.Find(`[data-testid="rfc-confirm"]`).Length())
	}
	form.Set("rfc_confirm", "1")
	if r = a.post("/account", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed RFC: %d %s", r.StatusCode, r.text(".field-error"))
	}
	if got, _ := e.st.ClientByID(e.client.ID); got.Fiscal.RFC != "AAA010101AAA" || !got.Fiscal.RFCConfirmed {
		t.Errorf("stored %+v", got.Fiscal)
	}
	// The generic RFC is accepted as it is.
	form = accountForm(t, a)
	form.Set("rfc", "XAXX010101000")
	if r = a.post("/account", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("generic RFC: %d %s", r.StatusCode, r.text(".field-error"))
	}
}

func TestAccountInlineChecks(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	form := accountForm(t, a)
	a.headers["HX-Request"] = "true"
	a.headers["X-CSRF-Token"] = a.csrf
	form.Set("phone", "12")
	r := a.post("/account/check/phone", form)
	if r.StatusCode != http.StatusOK || r.doc.Find(`#phone-wrap #phone[aria-invalid="true"]`).Length() != 1 ||
		strings.Contains(r.body, "<html") || r.text("#phone-error") == "" {
		t.Fatalf("phone check: %d %.300s", r.StatusCode, r.body)
	}
	form.Set("phone", "5512345678")
	r = a.post("/account/check/phone", form)
	if v, _ := r.doc.Find("#phone").Attr("value"); v != "+52 55 1234 5678" || r.text("#phone-error") != "" {
		t.Errorf("good phone: %q %q", v, r.text("#phone-error"))
	}
	form.Set("rfc", "PUTO891116QE4")
	if r = a.post("/account/check/rfc", form); !strings.Contains(r.text("#rfc-error"), "SAT nunca asigna") {
		t.Errorf("rfc check: %q", r.text("#rfc-error"))
	}
	form.Set("postal_code", "1234")
	if r = a.post("/account/check/postal_code", form); r.text("#postal_code-error") == "" {
		t.Error("postal code check gave no message")
	}
	form.Set("country", "US")
	form.Set("postal_code", "10001")
	r = a.post("/account/check/country", form)
	if r.doc.Find(`#identity-region input#state`).Length() != 1 || r.text("#postal_code-error") != "" {
		t.Errorf("country change: %.400s", r.body)
	}
	if r = a.post("/account/check/nothing", form); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown field: %d", r.StatusCode)
	}
}

func TestAccountBadInputIsNever500(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	a.get("/account")
	for _, body := range []string{
		"", "rev=x&loaded=y", "first_name=%ff%fe&rfc=%ff&country=ZZ&lang=xx&regimen=999&uso_cfdi=%00",
		"phone=" + strings.Repeat("9", 5000) + "&rfc=" + strings.Repeat("Ñ", 500),
		"country=mx&state=NOPE&postal_code=%E2%80%AE",
	} {
		r := a.postRaw("/account", body+"&_csrf="+url.QueryEscape(a.csrf))
		if r.StatusCode != http.StatusOK {
			t.Errorf("%q: status %d", body, r.StatusCode)
		}
		for _, path := range []string{"/account/check/rfc", "/account/check/country", "/account/pin"} {
			if r := a.postRaw(path, body+"&_csrf="+url.QueryEscape(a.csrf)); r.StatusCode >= 500 {
				t.Errorf("%s %q: status %d", path, body, r.StatusCode)
			}
		}
	}
	if r := a.get("/account/email/nonsense"); r.StatusCode != http.StatusOK || r.doc.Find(`[data-testid="notice"]`).Length() != 1 {
		t.Errorf("bad email link: %d", r.StatusCode)
	}
}

func TestAccountConcurrentEditsAreRefused(t *testing.T) {
	e := newEnv(t)
	tab1, tab2 := e.agent(), e.agent()
	tab1.mustSignIn()
	tab2.mustSignIn()
	if r := tab1.post("/account", accountForm(t, tab1)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first address: %d", r.StatusCode)
	}
	form1 := accountForm(t, tab1)
	form2 := accountForm(t, tab2)
	form1.Set("city", "Zapopan")
	if r := tab1.post("/account", form1); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d", r.StatusCode)
	}
	form2.Set("street", "Calle Otra 5")
	r := tab2.post("/account", form2)
	if r.StatusCode != http.StatusOK || r.doc.Find(`[data-testid="conflict"]`).Length() != 1 {
		t.Fatalf("second save: %d, conflict %d", r.StatusCode, r.doc.Find(`[data-testid="conflict"]`).Length())
	}
	msg := r.text(`[data-testid="conflict"]`)
	if !strings.Contains(msg, "Ciudad") || !strings.Contains(msg, "Zapopan") {
		t.Errorf("the conflict does not say what changed: %q", msg)
	}
	got, _ := e.st.ClientByID(e.client.ID)
	if got.City != "Zapopan" || got.Street != "Av. Juárez 100" {
		t.Fatalf("after the refused save: city %q, street %q", got.City, got.Street)
	}
	// The form keeps what tab 2 typed and takes tab 1's city; saving again now works.
	if v, _ := r.doc.Find("#street").Attr("value"); v != "Calle Otra 5" {
		t.Errorf("typed street lost: %q", v)
	}
	if v, _ := r.doc.Find("#city").Attr("value"); v != "Zapopan" {
		t.Errorf("city not merged: %q", v)
	}
	again := url.Values{}
	r.doc.Find(`[data-testid="account-form"] input, [data-testid="account-form"] select`).Each(func(_ int, s *goquery.Selection) {
		name := s.AttrOr("name", "")
		switch {
		case s.Is("select"):
			again.Set(name, s.Find("option[selected]").AttrOr("value", ""))
		case s.AttrOr("type", "") == "checkbox":
			if _, ok := s.Attr("checked"); ok {
				again.Set(name, s.AttrOr("value", ""))
			}
		default:
			again.Set(name, s.AttrOr("value", ""))
		}
	})
	if r := tab2.post("/account", again); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save after review: %d %s", r.StatusCode, r.text(".field-error"))
	}
	if got, _ := e.st.ClientByID(e.client.ID); got.City != "Zapopan" || got.Street != "Calle Otra 5" {
		t.Errorf("after review: city %q, street %q", got.City, got.Street)
	}
}

func TestSecurityPIN(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	a.get("/account")
	for _, tc := range []struct{ pin, confirm, pw, field string }{
		{"111111", "111111", testPassword, "pin"},
		{"123456", "123456", testPassword, "pin"},
		{"12345", "12345", testPassword, "pin"},
		{"402917", "402918", testPassword, "pin_confirm"},
		{"402917", "402917", "wrong-password", "pin_current"},
		{"402917", "402917", "", "pin_current"},
	} {
		r := a.post("/account/pin", url.Values{"pin": {tc.pin}, "pin_confirm": {tc.confirm}, "pin_current": {tc.pw}})
		if r.StatusCode != http.StatusOK || r.doc.Find("#"+tc.field+`[aria-invalid="true"]`).Length() != 1 {
			t.Errorf("%+v: %d, no message at %s", tc, r.StatusCode, tc.field)
		}
		if strings.Contains(r.body, `value="`+tc.pin+`"`) {
			t.Errorf("%+v: the PIN is sent back", tc)
		}
	}
	r := a.post("/account/pin", url.Values{"pin": {"402917"}, "pin_confirm": {"402917"}, "pin_current": {testPassword}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account?pin=1" {
		t.Fatalf("set PIN: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = a.get("/account?pin=1")
	if !strings.HasPrefix(r.text(`[data-testid="pin-status"]`), "Tiene un PIN configurado.") || strings.Contains(r.body, "402917") {
		t.Errorf("PIN status %q (or the PIN is shown)", r.text(`[data-testid="pin-status"]`))
	}
	got, _ := e.st.ClientByID(e.client.ID)
	if !strings.HasPrefix(got.PINHash, "$argon2id$") || got.PINChangedAt.IsZero() {
		t.Errorf("stored PIN %q at %v", got.PINHash, got.PINChangedAt)
	}
	entry, err := e.st.LastOfKind(e.client.ID, store.KindPINChanged, 10)
	if err != nil || len(entry.Changes) != 1 || !entry.Changes[0].Secret || entry.Changes[0].New != "" {
		t.Errorf("history %+v %v", entry, err)
	}
	if r := a.get("/zona"); r.doc.Find(`[data-testid="remind-pin"]`).Length() != 0 {
		t.Error("the dashboard still asks for a PIN")
	}
	// The birth date in the RFC is refused.
	form := accountForm(t, a)
	form.Set("rfc", "XIQB891116QE4")
	a.post("/account", form)
	if r := a.post("/account/pin", url.Values{"pin": {"161189"}, "pin_confirm": {"161189"}, "pin_current": {testPassword}}); r.doc.Find(`#pin[aria-invalid="true"]`).Length() != 1 {
		t.Error("a PIN of the RFC's birth date was accepted")
	}
}

// Past the lock on wrong current passwords (shared with the password form), the PIN form
// says so beside the password field, even for the right password, and sets nothing.
func TestPINFormSaysLockedAfterWrongPasswords(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	a.get("/account")
	pin := url.Values{"pin": {"402917"}, "pin_confirm": {"402917"}}
	for i := range 10 {
		pin.Set("pin_current", "wrong-password")
		if r := a.post("/account/pin", pin); !strings.Contains(r.text("#pin_current-error"), "no es correcta") {
			t.Fatalf("wrong password %d: message %q", i+1, r.text("#pin_current-error"))
		}
	}
	pin.Set("pin_current", testPassword)
	r := a.post("/account/pin", pin)
	if msg := r.text("#pin_current-error"); r.StatusCode != http.StatusOK || !strings.Contains(msg, "Demasiados intentos") {
		t.Fatalf("after 10 wrong passwords: status %d, message %q, want the locked message", r.StatusCode, msg)
	}
	if got, _ := e.st.ClientByID(e.client.ID); got.PINHash != "" {
		t.Error("the PIN was set while the password check was locked")
	}
}

func TestEmailChangeEndToEnd(t *testing.T) {
	m := newMailEnv(t)
	a := m.agent()
	a.mustSignIn()
	const newEmail = "ana.nueva@example.mx"
	form := accountForm(t, a)
	form.Set("email", newEmail)
	r := a.post("/account", form)
	if r.StatusCode != http.StatusOK || r.doc.Find(`#current[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("without the password: %d", r.StatusCode)
	}
	form.Set("current", "not-the-password")
	if r = a.post("/account", form); r.doc.Find(`#current[aria-invalid="true"]`).Length() != 1 {
		t.Fatal("a wrong password was accepted")
	}
	form.Set("current", testPassword)
	r = a.post("/account", form)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account?saved=1&email=sent" {
		t.Fatalf("request: %d %q %s", r.StatusCode, r.Header.Get("Location"), r.text(".field-error"))
	}
	if got, _ := m.st.ClientByID(m.client.ID); got.Email != testEmail {
		t.Fatal("the email changed before the link was followed")
	}
	if r = a.get("/account?saved=1&email=sent"); !strings.Contains(r.text(`[data-testid="email-pending"]`), newEmail) {
		t.Errorf("pending change not shown: %q", r.text(`[data-testid="email-pending"]`))
	}
	got := m.deliver(2)
	var link string
	var notice bool
	for _, msg := range got {
		switch msg.To[0] {
		case newEmail:
			for _, l := range msg.Links() {
				if strings.Contains(l, "/account/email/") {
					link = strings.TrimPrefix(l, "http://zona.test")
				}
			}
		case testEmail:
			notice = strings.Contains(msg.Part("text/plain"), newEmail) && len(msg.Links()) == 0
		}
	}
	if link == "" || !notice {
		t.Fatalf("link %q, notice to the old address %v", link, notice)
	}
	// Following the link, in another browser not signed in.
	b := m.agent()
	r = b.get(link)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.text(`[data-testid="email-confirm"]`), newEmail) {
		t.Fatalf("confirm page: %d %q", r.StatusCode, r.text(`[data-testid="email-confirm"]`))
	}
	if got, _ := m.st.ClientByID(m.client.ID); got.Email != testEmail {
		t.Fatal("opening the link changed the email without confirming")
	}
	r = b.post(link, nil)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.text(`[data-testid="notice"]`), newEmail) {
		t.Fatalf("confirm: %d %q", r.StatusCode, r.text(`[data-testid="notice"]`))
	}
	if c, err := m.st.ClientByEmail(newEmail); err != nil || c.ID != m.client.ID {
		t.Fatalf("sign-in email did not move: %v", err)
	}
	if r := b.post(link, nil); !strings.Contains(r.text(`[data-testid="notice"]`), "no es válido") {
		t.Error("the link works twice")
	}
	if r := m.agent().signIn(newEmail, testPassword); r.StatusCode != http.StatusSeeOther {
		t.Errorf("cannot sign in with the new email: %d", r.StatusCode)
	}
	entry, err := m.st.LastOfKind(m.client.ID, store.KindEmailChanged, 20)
	if err != nil || entry.Changes[0].Old != testEmail || entry.Changes[0].New != newEmail {
		t.Errorf("history %+v %v", entry, err)
	}
}
