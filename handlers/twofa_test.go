package handlers_test

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"zona/handlers"
	"zona/mail/mailtest"
	"zona/store"
)

// totpCode is the TOTP code of secret at t, as an authenticator app shows it.
func totpCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// subjects is the decoded subjects of msgs, one a line.
func subjects(msgs []mailtest.Received) string {
	var out []string
	for _, m := range msgs {
		s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

// mustEnroll gives key a TOTP second factor, confirmed with the code of the step before
// now (so that the current code is still unused), and returns its secret and recovery codes.
func mustEnroll(t testing.TB, e *env, key store.FactorKey, clientID string) (string, []string) {
	t.Helper()
	secret := store.NewTOTPSecret()
	codes, hashes := store.NewRecoveryCodes(store.RecoveryCodes)
	ev := store.Event{Actor: store.Actor{Kind: store.ActorOwner}, IP: "192.0.2.1"}
	ok, err := e.st.EnrollTOTP(key, secret, totpCode(t, secret, time.Now().Add(-30*time.Second)), hashes, time.Now(), clientID, ev)
	if err != nil || !ok {
		t.Fatalf("enroll: %v %v", ok, err)
	}
	return secret, codes
}

// secretOf reads the secret shown as text on a setup page.
func secretOf(t testing.TB, r *response) string {
	t.Helper()
	s := strings.ReplaceAll(r.text(`[data-testid="totp-secret"]`), " ", "")
	if s == "" {
		t.Fatalf("no secret on the setup page: %d %.300s", r.StatusCode, r.body)
	}
	return s
}

// TestEnrollTOTP: an owner sets up an app from /security (QR code and secret as text),
// confirms it with a code, gets ten recovery codes once, and the security page then says
// it is on.
func TestEnrollTOTP(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	if href, _ := a.get("/zona").doc.Find(`[data-testid="menu-security"]`).Attr("href"); href != "/security" {
		t.Fatalf("the user menu links security to %q", href)
	}
	if r := a.get("/security"); r.doc.Find(`[data-testid="totp-off"]`).Length() != 1 {
		t.Fatalf("security page before setup: %.300s", r.body)
	}
	r := a.get("/security/totp")
	src, _ := r.doc.Find(`img[data-testid="totp-qr"]`).Attr("src")
	if !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("QR code src %.40q", src)
	}
	secret := secretOf(t, r)
	if again := secretOf(t, a.get("/security/totp")); again != secret {
		t.Fatal("reloading the setup made a new secret")
	}
	r = a.post("/security/totp", url.Values{"code": {"000000"}})
	if r.text(`[data-testid="code-error"]`) == "" {
		t.Fatalf("a wrong first code has no message beside its field: %.300s", r.body)
	}
	r = a.post("/security/totp", url.Values{"code": {totpCode(t, secret, time.Now())}})
	codes := r.doc.Find(`[data-testid="recovery-code"]`)
	if r.StatusCode != http.StatusOK || codes.Length() != store.RecoveryCodes {
		t.Fatalf("after setup: %d, %d recovery codes", r.StatusCode, codes.Length())
	}
	if href, _ := r.doc.Find(`[data-testid="recovery-download"]`).Attr("href"); !strings.HasPrefix(href, "data:text/plain") ||
		!strings.Contains(href, codes.First().Text()) {
		t.Fatalf("download link %.80q", href)
	}
	if r := a.get("/security"); r.doc.Find(`[data-testid="totp-on"]`).Length() != 1 || !strings.Contains(r.text(`[data-testid="recovery-left"]`), "10") {
		t.Fatalf("security page after setup: %.300s", r.body)
	}
	entries, _, _ := e.st.ListActivity(e.client.ID, "", 10)
	for _, en := range entries {
		if strings.Contains(en.Detail["secret"]+strings.Join(mapValues(en.Detail), " "), secret) {
			t.Fatal("the history holds the secret")
		}
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestSignInWithCode: after the right password a person with TOTP waits at /login/2fa with
// a session that opens nothing; a wrong code is told beside its field; the right code signs
// in, and the same code cannot be used again.
func TestSignInWithCode(t *testing.T) {
	e := newEnv(t)
	secret, _ := mustEnroll(t, e, store.ClientFactor(e.client.ID, ""), e.client.ID)
	a := e.agent()
	r := a.signIn(testEmail, testPassword)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login/2fa" {
		t.Fatalf("after the password: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	for _, path := range []string{"/zona", "/account", "/security", "/sessions"} {
		if r := a.get(path); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("%s opened before the second step: %d", path, r.StatusCode)
		}
	}
	a.get("/login/2fa")
	r = a.post("/login/2fa", url.Values{"code": {"123456"}})
	if r.StatusCode != http.StatusOK || r.text(`[data-testid="code-error"]`) == "" {
		t.Fatalf("wrong code: %d, no message beside the field: %.300s", r.StatusCode, r.body)
	}
	if v, _ := r.doc.Find(`#code`).Attr("aria-invalid"); v != "true" {
		t.Fatal("the code field is not marked invalid")
	}
	code := totpCode(t, secret, time.Now())
	r = a.post("/login/2fa", url.Values{"code": {code}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/zona" {
		t.Fatalf("right code: %d %q %.300s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	if r := a.get("/sessions"); r.StatusCode != http.StatusOK || !strings.Contains(r.text(`[data-testid="device"]`), "código de la app") {
		t.Fatalf("sessions list does not name the method: %d %.400s", r.StatusCode, r.text(`[data-testid="device"]`))
	}
	// The same code again, from another browser: refused.
	b := e.agent()
	b.signIn(testEmail, testPassword)
	b.get("/login/2fa")
	if r := b.post("/login/2fa", url.Values{"code": {code}}); r.StatusCode != http.StatusOK || r.text(`[data-testid="code-error"]`) == "" {
		t.Fatalf("a replayed code: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

// TestRecoveryCodeWorksOnce: a recovery code signs in once, mails the person, and is
// refused the second time.
func TestRecoveryCodeWorksOnce(t *testing.T) {
	m := newMailEnv(t)
	e := m.env
	_, codes := mustEnroll(t, e, store.ClientFactor(e.client.ID, ""), e.client.ID)
	a := e.agent()
	a.signIn(testEmail, testPassword)
	a.get("/login/2fa")
	r := a.post("/login/2fa", url.Values{"code": {strings.ToUpper(codes[3])}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/zona" {
		t.Fatalf("recovery code: %d %.300s", r.StatusCode, r.body)
	}
	if got := subjects(m.deliver(2)); !strings.Contains(got, "Se usó un código de recuperación") {
		t.Fatalf("mail subjects %q", got)
	}
	f, _ := e.st.SecondFactorOf(store.ClientFactor(e.client.ID, ""))
	if len(f.Recovery) != store.RecoveryCodes-1 {
		t.Fatalf("%d codes left", len(f.Recovery))
	}
	b := e.agent()
	b.signIn(testEmail, testPassword)
	b.get("/login/2fa")
	if r := b.post("/login/2fa", url.Values{"code": {codes[3]}}); r.StatusCode != http.StatusOK || r.text(`[data-testid="code-error"]`) == "" {
		t.Fatalf("a used recovery code: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

// TestSecondStepLimitUnderConcurrency: 50 wrong codes at once get at most the limit
// checked, and while the lock lasts even the right code is refused.
func TestSecondStepLimitUnderConcurrency(t *testing.T) {
	e := newEnv(t)
	key := store.ClientFactor(e.client.ID, "")
	secret, _ := mustEnroll(t, e, key, e.client.ID)
	agents := make([]*agent, 50)
	for i := range agents {
		agents[i] = e.agent()
		agents[i].signIn(testEmail, testPassword)
		agents[i].get("/login/2fa")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	status := map[int]int{}
	for i, a := range agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := a.post("/login/2fa", url.Values{"code": {"00000" + string(rune('0'+i%10))}})
			mu.Lock()
			status[r.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	entries, _, _ := e.st.ListActivity(e.client.ID, "", 200)
	failed := 0
	for _, en := range entries {
		if en.Kind == store.KindTwoFAFailed {
			failed++
		}
	}
	if failed > 5 || status[http.StatusOK] > 5 || status[http.StatusTooManyRequests] < 45 {
		t.Fatalf("%d codes checked (history), answers %v: want at most 5", failed, status)
	}
	r := agents[0].post("/login/2fa", url.Values{"code": {totpCode(t, secret, time.Now())}})
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.text(`[data-testid="notice"]`), "Demasiados intentos") {
		t.Fatalf("the right code while locked: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

// TestResetDoesNotBypassSecondFactor: after a password reset, signing in still asks for
// the code, and the factor is still there.
func TestResetDoesNotBypassSecondFactor(t *testing.T) {
	e := newEnv(t)
	key := store.ClientFactor(e.client.ID, "")
	mustEnroll(t, e, key, e.client.ID)
	b, path := e.agent(), resetPath(t, e)
	b.get(path)
	if r := b.post(path, url.Values{"new": {newPassword}, "confirm": {newPassword}}); r.StatusCode >= 400 {
		t.Fatalf("reset: %d", r.StatusCode)
	}
	if r := b.get("/zona"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the reset signed the browser in: %d", r.StatusCode)
	}
	if r := b.signIn(testEmail, newPassword); r.Header.Get("Location") != "/login/2fa" {
		t.Fatalf("sign-in after a reset went to %q, not the second step", r.Header.Get("Location"))
	}
	if _, err := e.st.SecondFactorOf(key); err != nil {
		t.Fatalf("the reset removed the second factor: %v", err)
	}
}

// TestCustomerTwoFARequired: with --customer-2fa required, a person without a second
// factor sets one up at sign-in before anything else opens, and cannot turn it off.
func TestCustomerTwoFARequired(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.CustomerTwoFA = handlers.TwoFARequired })
	a := e.agent()
	if r := a.signIn(testEmail, testPassword); r.Header.Get("Location") != "/login/2fa" {
		t.Fatalf("sign-in went to %q", r.Header.Get("Location"))
	}
	if r := a.get("/zona"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the dashboard opened before enrolling: %d", r.StatusCode)
	}
	secret := secretOf(t, a.get("/login/2fa"))
	r := a.post("/login/2fa", url.Values{"code": {totpCode(t, secret, time.Now())}})
	if r.doc.Find(`[data-testid="recovery-code"]`).Length() != store.RecoveryCodes {
		t.Fatalf("no recovery codes after the required setup: %.300s", r.body)
	}
	if r := a.get("/zona"); r.StatusCode != http.StatusOK {
		t.Fatalf("the dashboard after enrolling: %d", r.StatusCode)
	}
	if r := a.get("/security"); r.doc.Find(`[data-testid="disable-form"]`).Length() != 0 {
		t.Fatal("a required second factor can be turned off")
	}
}

// TestDisableTOTP: turning the factor off needs the password, is recorded and mailed.
func TestDisableTOTP(t *testing.T) {
	m := newMailEnv(t)
	e := m.env
	key := store.ClientFactor(e.client.ID, "")
	mustEnroll(t, e, key, e.client.ID)
	a := plantSession(t, e, "client", e.client.ID, e.client.ID, "")
	a.get("/security")
	if r := a.post("/security/totp/disable", url.Values{"disable_password": {"Otra-Clave-2026!"}}); r.text(`[data-testid="disable_password-error"]`) == "" {
		t.Fatalf("a wrong password: %.300s", r.body)
	}
	if r := a.post("/security/totp/disable", url.Values{"disable_password": {testPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d %.300s", r.StatusCode, r.body)
	}
	if _, err := e.st.SecondFactorOf(key); err == nil {
		t.Fatal("still there")
	}
	if got := subjects(m.deliver(1)); !strings.Contains(got, "Se quitó la verificación en dos pasos") {
		t.Fatalf("mail subjects %q", got)
	}
}

// TestStaffForcedEnrollment: with --staff-2fa required (the default), a staff member
// without a second factor sets one up at /admin/security at the first sign-in, before
// the console opens; the next sign-in asks for the code.
func TestStaffForcedEnrollment(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.StaffTwoFA = handlers.TwoFARequired })
	st := mustStaff(t, e, "Luis Pérez", "luis.ops@example.mx")
	a := e.agent()
	if r := a.staffSignIn(st.Email, staffPassword); r.Header.Get("Location") != "/admin/security" {
		t.Fatalf("first sign-in went to %q", r.Header.Get("Location"))
	}
	for _, path := range []string{"/admin", "/admin/clients/" + e.client.ID} {
		if r := a.get(path); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
			t.Fatalf("%s opened before the setup: %d", path, r.StatusCode)
		}
	}
	secret := secretOf(t, a.get("/admin/security"))
	if r := a.post("/admin/security", url.Values{"code": {"000000"}}); r.text(`[data-testid="code-error"]`) == "" {
		t.Fatal("a wrong code has no message")
	}
	r := a.post("/admin/security", url.Values{"code": {totpCode(t, secret, time.Now().Add(-30*time.Second))}})
	if r.doc.Find(`[data-testid="recovery-code"]`).Length() != store.RecoveryCodes {
		t.Fatalf("after the setup: %d %.300s", r.StatusCode, r.body)
	}
	if r := a.get("/admin"); r.StatusCode != http.StatusOK {
		t.Fatalf("console after the setup: %d", r.StatusCode)
	}
	b := e.agent()
	if r := b.staffSignIn(st.Email, staffPassword); r.Header.Get("Location") != "/login/2fa" {
		t.Fatalf("second sign-in went to %q", r.Header.Get("Location"))
	}
	if r := b.get("/admin"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("console before the code: %d", r.StatusCode)
	}
	if r := b.post("/login/2fa", url.Values{"code": {totpCode(t, secret, time.Now())}}); r.Header.Get("Location") != "/admin" {
		t.Fatalf("the code led to %q (%d)", r.Header.Get("Location"), r.StatusCode)
	}
	if r := b.get("/admin"); r.StatusCode != http.StatusOK {
		t.Fatalf("console after the code: %d", r.StatusCode)
	}
}

// TestStaffRemovesFactorAfterPINCheck: staff remove a customer's second factor only when
// the PIN typed in the same request matches; a wrong PIN removes nothing; both checks are
// in the history, and the removal with the staff member's name.
func TestStaffRemovesFactorAfterPINCheck(t *testing.T) {
	e := newEnv(t)
	setPIN(t, e, "402917")
	key := store.ClientFactor(e.client.ID, "")
	mustEnroll(t, e, key, e.client.ID)
	a, st := mustStaffAgent(t, e)
	r := a.get("/admin/clients/" + e.client.ID + "/2fa")
	if r.doc.Find(`[data-testid="admin-factor"]`).Length() != 1 {
		t.Fatalf("people with a second factor: %.300s", r.body)
	}
	path := "/admin/clients/" + e.client.ID + "/2fa/remove"
	if r := a.post(path, url.Values{"pin": {"111111"}}); !strings.Contains(r.text(`[data-testid="admin-factors-result"]`), "No coincide") {
		t.Fatalf("wrong PIN: %q", r.text(`[data-testid="admin-factors-result"]`))
	}
	if _, err := e.st.SecondFactorOf(key); err != nil {
		t.Fatal("a wrong PIN removed the second factor")
	}
	if r := a.post(path, url.Values{"pin": {"402917"}}); r.doc.Find(`[data-testid="admin-factor"]`).Length() != 0 {
		t.Fatalf("right PIN: %.300s", r.body)
	}
	if _, err := e.st.SecondFactorOf(key); err == nil {
		t.Fatal("the second factor is still there")
	}
	entries, _, _ := e.st.ListActivity(e.client.ID, "", 20)
	kinds := map[string]int{}
	for _, en := range entries {
		kinds[en.Kind]++
		if en.Kind == store.KindTwoFARemoved && en.Actor.Name != st.Name {
			t.Fatalf("removal recorded by %+v", en.Actor)
		}
	}
	if kinds[store.KindPINMismatched] != 1 || kinds[store.KindPINMatched] != 1 || kinds[store.KindTwoFARemoved] != 1 {
		t.Fatalf("history kinds %v", kinds)
	}
	if r := e.agent().signIn(testEmail, testPassword); r.Header.Get("Location") != "/zona" {
		t.Fatalf("sign-in after the removal went to %q", r.Header.Get("Location"))
	}
}

// TestOwnerSeesContactsSecondFactor: the contacts page tells the owner which contacts
// with access have a second factor.
func TestOwnerSeesContactsSecondFactor(t *testing.T) {
	e := newEnv(t)
	with, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx", access: true, signIn: true})
	without, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Eva", email: "eva@example.mx", access: true, signIn: true})
	mustEnroll(t, e, store.ClientFactor(e.client.ID, with.ID), e.client.ID)
	a := e.agent()
	a.mustSignIn()
	r := a.get("/contacts")
	for id, want := range map[string]string{with.ID: "true", without.ID: "false"} {
		if on, _ := r.doc.Find(`[data-contact="` + id + `"] [data-testid="contact-2fa"]`).Attr("data-on"); on != want {
			t.Fatalf("contact %s: second factor shown %q, want %q", id, on, want)
		}
	}
}

// TestPasskeySignIn: a passkey added under /security signs in without password or code
// (even for a person with TOTP); a replayed assertion and a removed passkey are refused.
func TestPasskeySignIn(t *testing.T) {
	e := newEnv(t)
	mustEnroll(t, e, store.ClientFactor(e.client.ID, ""), e.client.ID)
	owner := plantSession(t, e, "client", e.client.ID, e.client.ID, "")
	key := newSoftKey(t)
	owner.mustAddPasskey(t, key, "Mi teléfono")
	if got := owner.get("/security").text(`[data-testid="passkey-name"]`); got != "Mi teléfono" {
		t.Fatalf("listed as %q", got)
	}
	key.noUV = true
	u := e.agent()
	u.get("/login")
	if r := u.postJSON("/login/passkey", key.assert(t, u.postJSON("/login/passkey/begin", nil).body)); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("an assertion without user verification: %d %s", r.StatusCode, r.body)
	}
	key.noUV = false
	b := e.agent()
	b.get("/login")
	opts := b.postJSON("/login/passkey/begin", nil)
	ceremony := b.cookies["zona_webauthn"]
	body := key.assert(t, opts.body)
	r := b.postJSON("/login/passkey", body)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"/zona"`) {
		t.Fatalf("passkey sign-in: %d %s", r.StatusCode, r.body)
	}
	if r := b.get("/sessions"); !strings.Contains(r.text(`[data-testid="device-method"]`), "llave de acceso") {
		t.Fatalf("sessions: %q", r.text(`[data-testid="device-method"]`))
	}
	// The same assertion again, with the same ceremony cookie, from another browser.
	c := e.agent()
	c.get("/login")
	c.cookies["zona_webauthn"] = ceremony
	if r := c.postJSON("/login/passkey", body); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("a replayed assertion: %d %s", r.StatusCode, r.body)
	}
	owner.get("/security")
	id := b64u.EncodeToString(key.id)
	if r := owner.post("/security/passkeys/"+id+"/remove", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.StatusCode)
	}
	d := e.agent()
	d.get("/login")
	if r := d.postJSON("/login/passkey", key.assert(t, d.postJSON("/login/passkey/begin", nil).body)); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("a removed passkey: %d %s", r.StatusCode, r.body)
	}
}

// TestContactFactorsEndWithAccess: deleting a contact deletes its second factors, so that
// nobody later given access under that record inherits them.
func TestContactFactorsEndWithAccess(t *testing.T) {
	e := newEnv(t)
	ct, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx", access: true, signIn: true})
	key := store.ClientFactor(e.client.ID, ct.ID)
	mustEnroll(t, e, key, e.client.ID)
	ev := store.Event{Kind: store.KindContactDeleted, Actor: store.Actor{Kind: store.ActorOwner}, IP: "192.0.2.1"}
	if _, err := e.st.DeleteContact(e.client.ID, ct.ID, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SecondFactorOf(key); err == nil {
		t.Fatal("the deleted contact's second factor is still stored")
	}
}
