package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"zona/mail"
	"zona/mail/mailtest"
	"zona/secure"
	"zona/store"
)

// waitExport waits until the newest export of person in clientID's account is no longer
// running and returns it.
func waitExport(t *testing.T, st *store.Store, clientID, person string) store.Export {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		list, err := st.Exports(clientID, person)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 && list[0].State != store.ExportRunning {
			return list[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("exports %+v: none finished", list)
		}
	}
}

// exportFiles asks for an export as a, waits for it, downloads it and returns its files
// by name, with the export.
func exportFiles(t *testing.T, e *env, a *agent, person string) (map[string][]byte, store.Export) {
	t.Helper()
	a.get("/privacy")
	if r := a.post("/privacy/export", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("export: %d %.300s", r.StatusCode, r.body)
	}
	exp := waitExport(t, e.st, e.client.ID, person)
	if exp.State != store.ExportReady {
		t.Fatalf("export %+v", exp)
	}
	page := a.get("/privacy")
	href, _ := page.doc.Find(`[data-testid="export-download"]`).Attr("href")
	if href != "/privacy/exports/"+exp.ID {
		t.Fatalf("download link %q on the page", href)
	}
	r := a.get(href)
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/zip" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("download: %d %q %q", r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
	}
	zr, err := zip.NewReader(strings.NewReader(r.body), int64(len(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = b
	}
	return files, exp
}

// seedAccount gives the env's account something of every kind: fiscal data, a PIN, a
// second factor, a marketing consent, a contact who signs in, mail with an attachment,
// security mail to the owner and to the contact, and an ARCO request. It returns the
// contact and the secrets an export must never hold.
func seedAccount(t *testing.T, e *env) (*store.Contact, []string) {
	t.Helper()
	ev := store.Event{Kind: store.KindAccountUpdated, Actor: store.Actor{Kind: store.ActorOwner, ID: e.client.ID}, IP: "192.0.2.1"}
	cl, err := e.st.UpdateClient(e.client.ID, e.client.Rev, func(c *store.Client) error {
		c.Fiscal = store.Fiscal{RFC: "LOAA800101AB1", RazonSocial: "Ana López Servicios", Regimen: "612", UsoCFDI: "G03", PostalCode: "44100"}
		c.Address.City = "Guadalajara"
		return nil
	}, ev)
	if err != nil {
		t.Fatal(err)
	}
	e.client = cl
	setPIN(t, e, "402917")
	if _, err := e.st.SetMarketing(store.PrefToken{ClientID: e.client.ID}, true, store.Event{
		Actor: store.Actor{Kind: store.ActorOwner, ID: e.client.ID}, IP: "192.0.2.1", Detail: map[string]string{"how": store.ConsentForm}}); err != nil {
		t.Fatal(err)
	}
	secret := store.NewTOTPSecret()
	recovery := secure.Token()
	if ok, err := e.st.EnrollTOTP(store.ClientFactor(e.client.ID, ""), secret, totpCode(t, secret, time.Now()),
		[]string{hex.EncodeToString(secure.TokenHash(recovery))}, time.Now(), e.client.ID,
		store.Event{Kind: store.KindTwoFAEnabled, Actor: store.Actor{Kind: store.ActorOwner, ID: e.client.ID}, IP: "192.0.2.1"}); err != nil || !ok {
		t.Fatalf("enrol TOTP: %v %v", ok, err)
	}
	hash, err := secure.Hash(t.Context(), contactPassword)
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Beto", email: "beto@example.mx", access: true, signIn: true,
		passwordHash: hash, areas: []string{store.AreaEmails}, emails: []string{store.CategoryGeneral}})
	// A pending invitation of another contact: its token's hash is in the store.
	_, inviteToken := mustContact(t, e.st, e.client.ID, contactSpec{first: "Carla", email: "carla@example.mx", access: true})
	m := mail.NewMailer(e.st, mail.Config{}, nil, nil)
	if _, err := m.Send(mail.Outgoing{ClientID: e.client.ID, Category: store.CategoryGeneral, Subject: "Nota de pago 77",
		HTML: "<p>Su nota de pago</p>", Attachments: []mail.File{{Name: "nota-77.txt", Data: []byte("Total: 1,160.00 MXN")}}}); err != nil {
		t.Fatal(err)
	}
	owner := mail.Owner(e.client)
	if _, err := m.Send(mail.Outgoing{ClientID: e.client.ID, Category: store.CategoryAccount, Subject: "Aviso para Ana",
		HTML: "<p>Solo para Ana</p>", Concerns: &owner}); err != nil {
		t.Fatal(err)
	}
	beto := mail.Recipient{Kind: mail.KindContact, ID: ct.ID, Email: ct.Email, Name: ct.Name()}
	if _, err := m.Send(mail.Outgoing{ClientID: e.client.ID, Category: store.CategoryAccount, Subject: "Aviso para Beto",
		HTML: "<p>Solo para Beto: secreto-de-beto</p>", Concerns: &beto}); err != nil {
		t.Fatal(err)
	}
	r := &store.Request{ClientID: e.client.ID, Name: "Ana López", Kind: store.RequestRectify, Reason: "Mi apellido lleva acento."}
	if err := e.st.FileRequest(r, time.UTC, store.Event{Actor: store.Actor{Kind: store.ActorOwner, ID: e.client.ID}, IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	cl, err = e.st.ClientByID(e.client.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ct, []string{"$argon2", cl.PasswordHash, cl.PINHash, hash, secret, recovery,
		hex.EncodeToString(secure.TokenHash(recovery)), inviteToken, hex.EncodeToString(secure.TokenHash(inviteToken))}
}

var hex64 = regexp.MustCompile(`(^|[^0-9a-fA-F])[0-9a-f]{64}([^0-9a-fA-F]|$)`)

// checkNoSecret fails when any file holds one of secrets, the agent's session ID or its
// hash or CSRF token, or (outside the history, whose hash chain is the point) anything
// shaped like a hex SHA-256.
func checkNoSecret(t *testing.T, files map[string][]byte, a *agent, secrets []string) {
	t.Helper()
	sid := a.cookies["zona_session"]
	secrets = append(secrets, sid, hashOf(sid), a.csrf)
	for name, b := range files {
		for _, s := range secrets {
			if s != "" && bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the secret %.20q", name, s)
			}
		}
		if !strings.HasPrefix(name, "history.") && hex64.Match(b) {
			t.Errorf("%s holds a hex SHA-256: %q", name, hex64.Find(b))
		}
	}
}

// TestPrivacyExportHoldsEverythingAndNoSecret: an owner's export holds every kind of
// record of the account, in JSON and CSV, the history with a hash chain that verifies
// outside Zona, every email the owner may open as .eml with its attachment, and no
// password or PIN hash, token, second-factor secret, session ID or CSRF token.
func TestPrivacyExportHoldsEverythingAndNoSecret(t *testing.T) {
	e := newEnv(t)
	_, secrets := seedAccount(t, e)
	// The owner has a second factor: the session is planted as its sign-in leaves it.
	a := plantSession(t, e, "client", e.client.ID, e.client.ID, "")
	files, exp := exportFiles(t, e, a, "")
	for _, name := range []string{"LEEME.txt", "account.json", "account.csv", "contacts.json", "contacts.csv", "consents.json",
		"consents.csv", "sessions.json", "sessions.csv", "requests.json", "requests.csv", "history.csv", "history.jsonl",
		"emails.json", "emails.csv"} {
		if len(files[name]) == 0 {
			t.Errorf("the export has no %s", name)
		}
	}
	checks := map[string][]string{
		"account.json":  {"LOAA800101AB1", "Ana López Servicios", "Guadalajara", `"pin_set": true`},
		"account.csv":   {"fiscal.rfc,LOAA800101AB1", "fiscal.razon_social,Ana López Servicios"},
		"contacts.json": {"beto@example.mx", "carla@example.mx"},
		"consents.json": {`"given": true`, "192.0.2.1"},
		"sessions.csv":  {"192.0.2.9"},
		"requests.json": {"Mi apellido lleva acento.", store.RequestRectify},
		"LEEME.txt":     {"Ana López", "history.jsonl"},
	}
	for name, wants := range checks {
		for _, w := range wants {
			if !bytes.Contains(files[name], []byte(w)) {
				t.Errorf("%s lacks %q:\n%s", name, w, files[name])
			}
		}
	}
	var emls []string
	for name, b := range files {
		if strings.HasPrefix(name, "emails/") && strings.HasSuffix(name, ".eml") {
			emls = append(emls, string(b))
		}
	}
	all := strings.Join(emls, "\n")
	if len(emls) != 2 || !strings.Contains(all, "Nota de pago 77") || !strings.Contains(all, "Aviso para Ana") ||
		!strings.Contains(all, `filename="nota-77.txt"`) {
		t.Errorf("%d emails, want the payment note with its attachment and Ana's security mail:\n%.2000s", len(emls), all)
	}
	if strings.Contains(all, "Aviso para Beto") || bytes.Contains(files["emails.json"], []byte("Aviso para Beto")) {
		t.Error("the owner's export holds the contact's security mail")
	}
	checkNoSecret(t, files, a, secrets)
	checkChain(t, e, files["history.jsonl"], files["history.csv"])
	// The history records the export and its download.
	kinds := map[string]int{}
	entries, _, err := e.st.ListActivity(e.client.ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.Detail["export"] == exp.ID {
			kinds[en.Kind]++
		}
	}
	if kinds[store.KindExportRequested] != 1 || kinds[store.KindExportReady] != 1 || kinds[store.KindExportDownloaded] != 1 {
		t.Errorf("history of the export: %v", kinds)
	}
}

// chainLine is one line of history.jsonl.
type chainLine struct {
	Entry    json.RawMessage `json:"entry"`
	Personal []byte          `json:"personal"`
}

// checkChain verifies the exported history as its README says, outside the store: every
// entry's hash from its JSON, its personal part against its digest, and each entry's prev
// against the hash of the one before; every hash is in the CSV too.
func checkChain(t *testing.T, e *env, jsonl, csv []byte) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(jsonl)), "\n")
	stored, _, err := e.st.ListActivity(e.client.ID, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) < 10 || len(lines) > len(stored) {
		t.Fatalf("%d history lines, %d entries stored", len(lines), len(stored))
	}
	var prev string
	personal := 0
	for i, l := range lines {
		var cl chainLine
		var en struct{ Hash, Prev, Digest, IP string }
		if err := json.Unmarshal([]byte(l), &cl); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(cl.Entry, &en); err != nil {
			t.Fatal(err)
		}
		raw := strings.Replace(string(cl.Entry), `"hash":"`+en.Hash+`"`, `"hash":""`, 1)
		if sum := sha256.Sum256([]byte(raw)); hex.EncodeToString(sum[:]) != en.Hash {
			t.Fatalf("line %d: hash %s does not verify", i, en.Hash)
		}
		if en.Digest != "" {
			personal++
			if sum := sha256.Sum256(cl.Personal); hex.EncodeToString(sum[:]) != en.Digest {
				t.Fatalf("line %d: the personal part does not match digest %s", i, en.Digest)
			}
			if en.IP != "" {
				t.Fatalf("line %d: the entry's form holds its IP in clear", i)
			}
		}
		if i > 0 && prev != en.Hash {
			t.Fatalf("line %d: the newer entry's prev %s is not this entry's hash %s", i, prev, en.Hash)
		}
		prev = en.Prev
		if !bytes.Contains(csv, []byte(en.Hash)) {
			t.Fatalf("the CSV lacks hash %s", en.Hash)
		}
	}
	if personal == 0 {
		t.Fatal("no exported entry has a personal part")
	}
}

// TestPrivacyExportOnlyForItsPerson: an export downloads for the person who asked for it
// alone: another client, a contact of the same account, staff and someone signed out get
// 404, as does an unknown ID.
func TestPrivacyExportOnlyForItsPerson(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	_, exp := exportFiles(t, e, a, "")
	path := "/privacy/exports/" + exp.ID
	other := storeClientAgent(t, e, "otro@example.mx")
	ct, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Dora", email: "dora@example.mx", access: true, signIn: true, areas: store.Areas})
	contact := plantSession(t, e, "contact", e.client.ID+"/"+ct.ID, e.client.ID, ct.ID)
	staff := plantStaffSession(t, e, mustStaff(t, e, "Luis Pérez", "luis@example.mx"))
	for name, b := range map[string]*agent{"another client": other, "a contact of the account": contact, "staff": staff, "signed out": e.agent()} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			if r := b.do(newRequest(method, path)); r.StatusCode != http.StatusNotFound || strings.HasPrefix(r.body, "PK\x03\x04") {
				t.Errorf("%s %s as %s: %d", method, path, name, r.StatusCode)
			}
		}
	}
	if r := a.get("/privacy/exports/" + store.NewID()); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown export: %d", r.StatusCode)
	}
	if r := a.get(path); r.StatusCode != http.StatusOK || !strings.HasPrefix(r.body, "PK") {
		t.Errorf("the owner's own download: %d", r.StatusCode)
	}
}

// storeClientAgent is a signed-in owner of a new account.
func storeClientAgent(t *testing.T, e *env, email string) *agent {
	t.Helper()
	b := e.agent()
	hash, err := secure.Hash(t.Context(), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	c := &store.Client{Email: email, FirstName: "Otro", LastName: "Cliente", PasswordHash: hash}
	if err := e.st.CreateClient(c, store.Event{Kind: store.KindAccountCreated, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	b.signIn(email, testPassword)
	return b
}

// TestPrivacyExportOfContactIsScoped: a contact's export covers what the contact may see:
// its own details, not the account's or the other contacts' without those areas; the
// emails addressed to it, its own security mail but not the owner's; its own history.
func TestPrivacyExportOfContactIsScoped(t *testing.T) {
	e := newEnv(t)
	ct, secrets := seedAccount(t, e)
	a := plantSession(t, e, "contact", e.client.ID+"/"+ct.ID, e.client.ID, ct.ID)
	files, _ := exportFiles(t, e, a, ct.ID)
	for _, name := range []string{"account.json", "contacts.json"} {
		if files[name] != nil {
			t.Errorf("a contact without the areas gets %s", name)
		}
	}
	if !bytes.Contains(files["contact.json"], []byte("beto@example.mx")) {
		t.Errorf("contact.json: %s", files["contact.json"])
	}
	var all []string
	for name, b := range files {
		if strings.HasSuffix(name, ".eml") {
			all = append(all, string(b))
		}
	}
	joined := strings.Join(all, "\n")
	if len(all) != 2 || !strings.Contains(joined, "Aviso para Beto") || !strings.Contains(joined, "Nota de pago 77") || strings.Contains(joined, "Aviso para Ana") {
		t.Errorf("the contact's emails (%d): %.1500s", len(all), joined)
	}
	for l := range strings.SplitSeq(strings.TrimSpace(string(files["history.jsonl"])), "\n") {
		var cl chainLine
		var en store.Entry
		if err := json.Unmarshal([]byte(l), &cl); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(cl.Entry, &en); err != nil {
			t.Fatal(err)
		}
		if en.Actor.ID != ct.ID {
			t.Errorf("the contact's history holds an entry by %+v", en.Actor)
		}
	}
	checkNoSecret(t, files, a, secrets)
}

// TestPrivacyExportOneRunningAtATime: a person cannot start a second export while one of
// theirs runs; another person of the account can.
func TestPrivacyExportOneRunningAtATime(t *testing.T) {
	e := newEnv(t)
	ev := store.Event{Actor: store.Actor{Kind: store.ActorOwner}, IP: "192.0.2.1"}
	if _, err := e.st.StartExport(e.client.ID, "", ev); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.StartExport(e.client.ID, "", ev); err != store.ErrExportRunning {
		t.Fatalf("a second export: %v", err)
	}
	if _, err := e.st.StartExport(e.client.ID, store.NewID(), ev); err != nil {
		t.Fatalf("a contact's export: %v", err)
	}
	a := e.agent()
	a.mustSignIn()
	a.get("/privacy")
	r := a.post("/privacy/export", nil)
	if r.StatusCode != http.StatusOK || r.text(`[data-testid="notice"]`) == "" {
		t.Fatalf("asking again while one runs: %d %q", r.StatusCode, r.text(`[data-testid="notice"]`))
	}
	if r.doc.Find(`#exports[hx-trigger="every 2s"]`).Length() != 1 {
		t.Error("the page does not poll while an export runs")
	}
}

// TestPrivacyRequestFiledAndResolved: a person files an ARCO request (bad input gets a
// message beside its field), staff see it with its due date, resolve it with a note, the
// person is told by account mail and sees the answer on the page.
func TestPrivacyRequestFiledAndResolved(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	if href, _ := a.get("/zona").doc.Find(`[data-testid="menu-privacy"]`).Attr("href"); href != "/privacy" {
		t.Fatalf("the user menu links privacy to %q", href)
	}
	for _, bad := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"kind": {store.RequestOppose}, "reason": {"  "}}, "reason-error"},
		{url.Values{"kind": {store.RequestOppose}, "reason": {"No\x1b[31m"}}, "reason-error"},
		{url.Values{"kind": {store.RequestOppose}, "reason": {"abc\u202Edef"}}, "reason-error"},
		{url.Values{"kind": {store.RequestOppose}, "reason": {strings.Repeat("a", 2001)}}, "reason-error"},
		{url.Values{"kind": {"borrar-todo"}, "reason": {"Motivo"}}, "kind-error"},
	} {
		r := a.post("/privacy/requests", bad.form)
		if r.StatusCode != http.StatusOK || r.text(`[data-testid="`+bad.field+`"]`) == "" {
			t.Errorf("%v: %d, no message beside %s", bad.form, r.StatusCode, bad.field)
		}
	}
	reason := "No deseo que usen mis datos\npara estadísticas."
	if r := a.post("/privacy/requests", url.Values{"kind": {store.RequestOppose}, "reason": {reason}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("filing: %d %.300s", r.StatusCode, r.body)
	}
	list, err := e.st.PersonRequests(e.client.ID, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("requests %v %v", list, err)
	}
	req := list[0]
	if req.Reason != reason || !req.Due.Equal(store.AddBusinessDays(req.Filed.In(time.UTC), store.ARCODays)) {
		t.Fatalf("request %+v", req)
	}
	if got := a.get("/privacy").text(`[data-testid="request-state"]`); got != "En trámite" {
		t.Fatalf("state on the page %q", got)
	}
	staff, _ := mustStaffAgent(t, e)
	r := staff.get("/admin/requests")
	if r.doc.Find(`[data-testid="admin-request"][data-state="open"]`).Length() != 1 || !strings.Contains(r.body, "Ana López") {
		t.Fatalf("console list: %.500s", r.body)
	}
	path := "/admin/requests/" + req.ID
	if got := staff.get(path).text(`[data-testid="request-reason"]`); !strings.Contains(got, "para estadísticas") {
		t.Fatalf("reason on the console page %q", got)
	}
	if r := staff.post(path+"/resolve", url.Values{"decision": {"approved"}, "note": {""}}); r.StatusCode != http.StatusOK || r.text(`[data-testid="note-error"]`) == "" {
		t.Fatalf("resolving without a note: %d", r.StatusCode)
	}
	if r := staff.post(path+"/resolve", url.Values{"decision": {"maybe"}, "note": {"Hecho"}}); r.StatusCode != http.StatusOK || r.text(`[data-testid="decision-error"]`) == "" {
		t.Fatalf("resolving without a decision: %d", r.StatusCode)
	}
	note := "Dejamos de usar sus datos para estadísticas."
	if r := staff.post(path+"/resolve", url.Values{"decision": {"approved"}, "note": {note}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("resolving: %d %.300s", r.StatusCode, r.body)
	}
	if r := staff.post(path+"/resolve", url.Values{"decision": {"rejected"}, "note": {"Otra"}}); r.StatusCode != http.StatusOK || r.text(`[data-testid="notice"]`) == "" {
		t.Fatalf("resolving twice: %d", r.StatusCode)
	}
	page := a.get("/privacy")
	if page.text(`[data-testid="request-state"]`) != "Aprobada" || !strings.Contains(page.text(`[data-testid="request-note"]`), note) {
		t.Fatalf("the person's page: %q %q", page.text(`[data-testid="request-state"]`), page.text(`[data-testid="request-note"]`))
	}
	msgs, _, err := e.st.ListMessages(e.client.ID, store.MessageQuery{Limit: 5})
	if err != nil || len(msgs) == 0 || msgs[0].Category != store.CategoryAccount || !strings.Contains(msgs[0].Subject, "ARCO") {
		t.Fatalf("mail to the person: %+v %v", msgs, err)
	}
	body, err := e.st.MessageBodyByID(e.client.ID, msgs[0].ID)
	if err != nil || !strings.Contains(body.Text, note) {
		t.Fatalf("the mail's text lacks the note: %v %.500s", err, body.Text)
	}
	entries, _, err := e.st.ListActivity(e.client.ID, "", 20)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, en := range entries {
		if en.Detail["request"] == req.ID {
			seen[en.Kind] = en.Actor.Kind
		}
	}
	if seen[store.KindRequestFiled] != store.ActorOwner || seen[store.KindRequestResolved] != store.ActorStaff {
		t.Fatalf("history of the request: %v", seen)
	}
}

// TestPrivacyApprovedClosingClosesTheAccount: staff approve a request to close the
// account: its personal data is erased (the account, its exports and its requests), its
// people can no longer sign in, and the history still verifies.
func TestPrivacyApprovedClosingClosesTheAccount(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	_, exp := exportFiles(t, e, a, "")
	a.get("/privacy")
	if r := a.post("/privacy/requests", url.Values{"kind": {store.RequestClose}, "reason": {"Ya no uso el servicio."}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("filing: %d", r.StatusCode)
	}
	list, err := e.st.PersonRequests(e.client.ID, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("requests %v %v", list, err)
	}
	staff, _ := mustStaffAgent(t, e)
	path := "/admin/requests/" + list[0].ID
	if staff.get(path).doc.Find(`[data-testid="close-warning"]`).Length() != 1 {
		t.Fatal("the console does not warn that approving closes the account")
	}
	r := staff.post(path+"/resolve", url.Values{"decision": {"approved"}, "note": {"Cerramos su cuenta."}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/requests" {
		t.Fatalf("approving: %d %q %.300s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	cl, err := e.st.ClientByID(e.client.ID)
	if err != nil || !cl.Closed() || cl.Email != "" || cl.PasswordHash != "" {
		t.Fatalf("the account after closing: %+v %v", cl, err)
	}
	if _, err := e.st.ExportByID(e.client.ID, exp.ID); err != store.ErrNotFound {
		t.Errorf("the export after closing: %v", err)
	}
	if _, err := e.st.RequestByID(list[0].ID); err != store.ErrNotFound {
		t.Errorf("the request after closing: %v", err)
	}
	if r := a.get("/privacy"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the owner's session after closing: %d", r.StatusCode)
	}
	if r := e.agent().signIn(testEmail, testPassword); r.StatusCode != http.StatusOK {
		t.Errorf("signing in to a closed account: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if _, err := e.st.VerifyActivity(e.client.ID); err != nil {
		t.Fatalf("the history after closing: %v", err)
	}
}

// TestPrivacyClosingNoticeReachesThePerson: the account mail answering an approved request
// to close the account outlives the closing: it reaches the person over SMTP, and is
// erased once sent.
func TestPrivacyClosingNoticeReachesThePerson(t *testing.T) {
	m := newMailEnv(t)
	a := m.agent()
	a.mustSignIn()
	a.get("/privacy")
	if r := a.post("/privacy/requests", url.Values{"kind": {store.RequestClose}, "reason": {"Ya no uso el servicio."}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("filing: %d", r.StatusCode)
	}
	list, err := m.st.PersonRequests(m.client.ID, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("requests %v %v", list, err)
	}
	staff, _ := mustStaffAgent(t, m.env)
	note := "Cerramos su cuenta hoy."
	if r := staff.post("/admin/requests/"+list[0].ID+"/resolve", url.Values{"decision": {"approved"}, "note": {note}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("approving: %d %.300s", r.StatusCode, r.body)
	}
	if cl, err := m.st.ClientByID(m.client.ID); err != nil || !cl.Closed() {
		t.Fatalf("the account after approving: %+v %v", cl, err)
	}
	waiting := false
	items, err := m.st.Outbox()
	for _, it := range items {
		waiting = waiting || it.ClientID == m.client.ID
	}
	if err != nil || !waiting {
		t.Fatalf("nothing of the closed account waits for delivery: %+v %v", items, err)
	}
	var notice *mailtest.Received
	for deadline := time.Now().Add(5 * time.Second); notice == nil && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := m.worker.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, r := range m.smtp.Received() {
			if len(r.To) == 1 && r.To[0] == testEmail && bytes.Contains(r.Raw, []byte(note)) {
				notice = &r
			}
		}
	}
	if notice == nil {
		t.Fatalf("the notice never reached %s: %d messages received", testEmail, len(m.smtp.Received()))
	}
	if items, err := m.st.Outbox(); err != nil || len(items) != 0 {
		t.Errorf("outbox after delivery: %+v %v", items, err)
	}
	if msgs, _, err := m.st.ListMessages(m.client.ID, store.MessageQuery{Limit: 5}); err != nil || len(msgs) != 0 {
		t.Errorf("the closed account's mail once delivered: %+v %v", msgs, err)
	}
	if _, err := m.st.VerifyActivity(m.client.ID); err != nil {
		t.Errorf("the history after delivery: %v", err)
	}
}
