package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"zona/handlers"
	"zona/secure"
	"zona/store"
)

// mustAPIToken stores an API token named name and returns the token itself.
func mustAPIToken(t testing.TB, e *env, name string) string {
	t.Helper()
	token := secure.Token()
	if _, err := e.st.CreateAPIToken(name, secure.TokenHash(token)); err != nil {
		t.Fatal(err)
	}
	return token
}

// apiCall sends one API request with token (none when "") and body (JSON, none when "").
func apiCall(e *env, token, method, path, body string) *response {
	return apiCallWith(e.agent(), token, method, path, body)
}

func apiCallWith(a *agent, token, method, path, body string) *response {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return a.do(req)
}

// apiErr is the JSON error body of the API.
type apiErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// mustJSON decodes res's body into v, failing unless it is JSON with status want.
func mustJSON(t *testing.T, res *response, want int, v any) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("status %d, want %d: %.400s", res.StatusCode, want, res.body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON: %.200s", ct, res.body)
	}
	if v == nil {
		return
	}
	if err := json.Unmarshal([]byte(res.body), v); err != nil {
		t.Fatalf("body is not JSON: %v: %.300s", err, res.body)
	}
}

func wantAPIError(t *testing.T, res *response, status int, code string) apiErr {
	t.Helper()
	var got apiErr
	mustJSON(t, res, status, &got)
	if got.Error.Code != code || got.Error.Message == "" {
		t.Fatalf("error %+v, want code %q with a message", got.Error, code)
	}
	return got
}

type apiClientJSON struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Lang      string `json:"lang"`
	PINSet    bool   `json:"pin_set"`
	Password  bool   `json:"password_set"`
}

func TestAPIWantsAValidBearerToken(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	revoked := mustAPIToken(t, e, "old-billing")
	if err := e.st.RevokeAPIToken("old-billing"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, header string }{
		{"no header", ""},
		{"unknown token", "Bearer " + secure.Token()},
		{"revoked token", "Bearer " + revoked},
		{"basic scheme", "Basic " + token},
		{"empty bearer", "Bearer "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/clients", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			res := e.agent().do(req)
			wantAPIError(t, res, http.StatusUnauthorized, "unauthorized")
			if res.Header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate header")
			}
			if strings.Contains(res.body, e.client.Email) {
				t.Fatal("the refusal shows data")
			}
		})
	}
	if res := apiCall(e, token, http.MethodGet, "/api/v1/clients", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("valid token: %d %.200s", res.StatusCode, res.body)
	}
	tokens, err := e.st.APITokens()
	if err != nil || len(tokens) != 1 || tokens[0].Name != "billing" || tokens[0].LastUsedAt.IsZero() {
		t.Fatalf("tokens after a call: %+v, %v (want billing with a last-used time)", tokens, err)
	}
}

func TestAPIRefusesCookieSessions(t *testing.T) {
	e := newEnv(t)
	owner := e.agent()
	owner.mustSignIn()
	staff, _ := mustStaffAgent(t, e)
	for name, a := range map[string]*agent{"client session": owner, "staff session": staff} {
		for _, r := range []struct{ method, path, body string }{
			{http.MethodGet, "/api/v1/clients", ""},
			{http.MethodGet, "/api/v1/clients/" + e.client.ID, ""},
			{http.MethodPost, "/api/v1/clients", `{"email":"x@example.mx","first_name":"X","last_name":"Y"}`},
			{http.MethodPost, "/api/v1/clients/" + e.client.ID + "/messages", `{"category":"general","subject":"S","html":"<p>x</p>"}`},
		} {
			a.headers["X-CSRF-Token"] = a.csrf
			res := apiCallWith(a, "", r.method, r.path, r.body)
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s: %s %s: status %d, want 401", name, r.method, r.path, res.StatusCode)
			}
		}
	}
	if _, err := e.st.ClientByEmail("x@example.mx"); err == nil {
		t.Fatal("a cookie session created a client through the API")
	}
}

func TestAPIErrorsAreJSON(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	wantAPIError(t, apiCall(e, token, http.MethodGet, "/api/v1/nothing", ""), http.StatusNotFound, "not_found")
	wantAPIError(t, apiCall(e, "", http.MethodGet, "/api/v2/clients", ""), http.StatusNotFound, "not_found")
	wantAPIError(t, apiCall(e, token, http.MethodGet, "/api/v1/clients/nope", ""), http.StatusNotFound, "not_found")
	wantAPIError(t, apiCall(e, token, http.MethodGet, "/api/v1/clients/"+store.NewID(), ""), http.StatusNotFound, "not_found")
	wantAPIError(t, apiCall(e, token, http.MethodGet, "/api/v1/clients?page=x", ""), http.StatusUnprocessableEntity, "invalid")
}

func TestAPIRateLimit(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.APIRateLimit = 3 })
	token := mustAPIToken(t, e, "billing")
	for i := 1; i <= 3; i++ {
		if res := apiCall(e, token, http.MethodGet, "/api/v1/clients", ""); res.StatusCode != http.StatusOK {
			t.Fatalf("call %d: %d", i, res.StatusCode)
		}
	}
	res := apiCall(e, token, http.MethodGet, "/api/v1/clients", "")
	wantAPIError(t, res, http.StatusTooManyRequests, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Guessing tokens from the same address is counted too.
	wantAPIError(t, apiCall(e, secure.Token(), http.MethodGet, "/api/v1/clients", ""), http.StatusTooManyRequests, "rate_limited")
}

func TestAPIListAndSearchClients(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	for _, c := range []struct{ email, first, last, company string }{
		{"jose@example.mx", "José", "Núñez", "Hosting Peñasco"},
		{"maria@example.mx", "María", "Ortiz", ""},
	} {
		cl := &store.Client{Email: c.email, FirstName: c.first, LastName: c.last, Company: c.company}
		if err := e.st.CreateClient(cl, store.Event{Kind: store.KindAccountCreated}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct creation times, newest first
	}
	var list struct {
		Clients []apiClientJSON `json:"clients"`
		Total   int             `json:"total"`
		Page    int             `json:"page"`
		Pages   int             `json:"pages"`
	}
	mustJSON(t, apiCall(e, token, http.MethodGet, "/api/v1/clients", ""), http.StatusOK, &list)
	if list.Total != 3 || len(list.Clients) != 3 || list.Clients[0].Email != "maria@example.mx" || list.Page != 1 || list.Pages != 1 {
		t.Fatalf("list: %+v", list)
	}
	for q, want := range map[string]string{"penasco": "jose@example.mx", "NUNEZ": "jose@example.mx", "maría": "maria@example.mx", "ana@": testEmail} {
		mustJSON(t, apiCall(e, token, http.MethodGet, "/api/v1/clients?q="+url.QueryEscape(q), ""), http.StatusOK, &list)
		if list.Total != 1 || list.Clients[0].Email != want {
			t.Errorf("q=%q: %+v, want %s", q, list.Clients, want)
		}
	}
	mustJSON(t, apiCall(e, token, http.MethodGet, "/api/v1/clients?page=2", ""), http.StatusOK, &list)
	if len(list.Clients) != 0 || list.Total != 3 || list.Page != 2 {
		t.Fatalf("page past the last: %+v", list)
	}
}

func TestAPIShowClient(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	var got apiClientJSON
	res := apiCall(e, token, http.MethodGet, "/api/v1/clients/"+e.client.ID, "")
	mustJSON(t, res, http.StatusOK, &got)
	if got.ID != e.client.ID || got.Email != testEmail || got.FirstName != "Ana" || got.PINSet || !got.Password {
		t.Fatalf("client: %+v", got)
	}
	setPIN(t, e, "402917")
	res = apiCall(e, token, http.MethodGet, "/api/v1/clients/"+e.client.ID, "")
	mustJSON(t, res, http.StatusOK, &got)
	if !got.PINSet {
		t.Fatal("pin_set false after a PIN was set")
	}
	for _, secret := range []string{"argon2", "password_hash", "pin_hash"} {
		if strings.Contains(res.body, secret) {
			t.Fatalf("the client's JSON holds %q: %s", secret, res.body)
		}
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

func TestAPICreateClient(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	body := `{"email":"nuevo@example.mx","first_name":"Nuevo","last_name":"Cliente","company":"Nuevo SA","lang":"en","welcome":false}`
	res := apiCall(e, token, http.MethodPost, "/api/v1/clients", body)
	var got apiClientJSON
	mustJSON(t, res, http.StatusCreated, &got)
	if got.ID == "" || got.Email != "nuevo@example.mx" || got.Lang != "en" || got.Password {
		t.Fatalf("created: %+v", got)
	}
	if loc := res.Header.Get("Location"); loc != "/api/v1/clients/"+got.ID {
		t.Errorf("Location %q", loc)
	}
	entries, _, err := e.st.ListActivity(got.ID, "", 10)
	if err != nil || len(entries) != 1 {
		t.Fatalf("history of the new client: %v, %v", entries, err)
	}
	en := entries[0]
	if en.Kind != store.KindAccountCreated || en.Actor.Kind != store.ActorSystem || en.Detail["via"] != "api" ||
		en.Detail["token"] != "billing" || en.IP == "" {
		t.Fatalf("history entry %+v", en)
	}
	// Nobody can sign in to it until the client sets a password through "¿Olvidó su contraseña?".
	if res := e.agent().signIn("nuevo@example.mx", ""); res.StatusCode == http.StatusSeeOther {
		t.Fatal("signed in without a password")
	}

	wantAPIError(t, apiCall(e, token, http.MethodPost, "/api/v1/clients", body), http.StatusConflict, "email_taken")
	wantAPIError(t, apiCall(e, token, http.MethodPost, "/api/v1/clients",
		`{"email":"ANA@example.mx","first_name":"A","last_name":"B"}`), http.StatusConflict, "email_taken")

	// A password given is held to the policy; a good one signs in.
	bad := wantAPIError(t, apiCall(e, token, http.MethodPost, "/api/v1/clients",
		`{"email":"con@example.mx","first_name":"Con","last_name":"Clave","password":"123456"}`), http.StatusUnprocessableEntity, "invalid")
	if bad.Error.Fields["password"] == "" {
		t.Fatalf("weak password: fields %v", bad.Error.Fields)
	}
	mustJSON(t, apiCall(e, token, http.MethodPost, "/api/v1/clients",
		`{"email":"con@example.mx","first_name":"Pedro","last_name":"Ramos","password":"`+testPassword+`"}`), http.StatusCreated, nil)
	if res := e.agent().signIn("con@example.mx", testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with the password given through the API: %d", res.StatusCode)
	}
}

func TestAPIBadBodies(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	for _, tc := range []struct {
		name, body, ctype string
		status            int
		code              string
		fields            []string
	}{
		{"missing fields", `{}`, "", 422, "invalid", []string{"email", "first_name", "last_name"}},
		{"bad email and lang", `{"email":"no","first_name":"A","last_name":"B","lang":"fr"}`, "", 422, "invalid", []string{"email", "lang"}},
		{"long name", `{"email":"a@example.mx","first_name":"` + strings.Repeat("a", 101) + `","last_name":"B"}`, "", 422, "invalid", []string{"first_name"}},
		{"unknown field", `{"email":"a@example.mx","first_name":"A","last_name":"B","admin":true}`, "", 400, "bad_request", nil},
		{"wrong type", `{"email":7}`, "", 400, "bad_request", nil},
		{"not JSON", `email=a`, "", 400, "bad_request", nil},
		{"two values", `{} {}`, "", 400, "bad_request", nil},
		{"empty", ``, "application/json", 400, "bad_request", nil},
		{"invalid UTF-8", "{\"email\":\"a\xff@example.mx\",\"first_name\":\"A\",\"last_name\":\"B\"}", "", 400, "bad_request", nil},
		{"form body", `email=a`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/clients", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			got := wantAPIError(t, e.agent().do(req), tc.status, tc.code)
			for _, f := range tc.fields {
				if got.Error.Fields[f] == "" {
					t.Errorf("no message for %s: %v", f, got.Error.Fields)
				}
			}
		})
	}
}

func TestAPISendMessageToEachCategory(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	// One contact per permission category, holding it alone; one who opted in to promotions.
	for _, cat := range store.EmailPermissions {
		mustContact(t, e.st, e.client.ID, contactSpec{first: "C" + cat, email: cat + "@example.mx", emails: []string{cat}})
	}
	promo := &store.Contact{ClientID: e.client.ID, FirstName: "Promo", LastName: "Prueba", Email: "promo@example.mx",
		Areas: map[string]bool{}, Emails: map[string]bool{}, Marketing: store.Consent{Given: true, At: time.Now()}}
	if _, err := e.st.CreateContact(promo, 0, nil, store.Event{Kind: store.KindContactCreated, Actor: store.Actor{Kind: store.ActorOwner}}); err != nil {
		t.Fatal(err)
	}
	for _, cat := range store.Categories {
		t.Run(cat, func(t *testing.T) {
			want := []string{testEmail, cat + "@example.mx"}
			switch cat {
			case store.CategoryMarketing:
				want = []string{"promo@example.mx"}
			case store.CategoryAccount:
				want = []string{testEmail}
			}
			body := `{"category":"` + cat + `","subject":"Aviso ` + cat + `","html":"<p>Hola</p>","text":"Hola"}`
			var msg struct {
				ID         string `json:"id"`
				Category   string `json:"category"`
				Recipients []struct {
					Email string `json:"email"`
				} `json:"recipients"`
			}
			mustJSON(t, apiCall(e, token, http.MethodPost, "/api/v1/clients/"+e.client.ID+"/messages", body), http.StatusCreated, &msg)
			var got []string
			for _, r := range msg.Recipients {
				got = append(got, r.Email)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || msg.Category != cat {
				t.Fatalf("recipients %v, want %v (%+v)", got, want, msg)
			}
			stored, err := e.st.MessageByID(e.client.ID, msg.ID)
			if err != nil || stored.Subject != "Aviso "+cat || len(stored.Copies) != len(want) {
				t.Fatalf("archived message: %+v, %v", stored, err)
			}
		})
	}
	entries, _, err := e.st.ListActivity(e.client.ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	queued := 0
	for _, en := range entries {
		if en.Kind == store.KindEmailQueued {
			queued++
			if en.Detail["via"] != "api" || en.Detail["token"] != "billing" || en.Actor.Kind != store.ActorSystem {
				t.Errorf("history entry %+v", en)
			}
		}
	}
	if queued != len(store.Categories) {
		t.Fatalf("%d email.queued entries, want %d", queued, len(store.Categories))
	}
}

func TestAPISendMessageInvalid(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	path := "/api/v1/clients/" + e.client.ID + "/messages"
	got := wantAPIError(t, apiCall(e, token, http.MethodPost, path, `{"category":"invoices","subject":" ","html":""}`),
		http.StatusUnprocessableEntity, "invalid")
	for _, f := range []string{"category", "subject", "html"} {
		if got.Error.Fields[f] == "" {
			t.Errorf("no message for %s: %v", f, got.Error.Fields)
		}
	}
	// Nobody opted in to promotions: nothing is archived.
	wantAPIError(t, apiCall(e, token, http.MethodPost, path, `{"category":"marketing","subject":"Oferta","html":"<p>x</p>"}`),
		http.StatusUnprocessableEntity, "no_recipients")
	wantAPIError(t, apiCall(e, token, http.MethodPost, "/api/v1/clients/"+store.NewID()+"/messages",
		`{"category":"general","subject":"S","html":"<p>x</p>"}`), http.StatusNotFound, "not_found")
	msgs, _, err := e.st.ListMessages(e.client.ID, store.MessageQuery{Limit: 10})
	if err != nil || len(msgs) != 0 {
		t.Fatalf("messages archived by refused calls: %v, %v", msgs, err)
	}
}

func TestOpenAPIListsEveryAPIRoute(t *testing.T) {
	e := newEnv(t)
	res := e.agent().get("/api/v1/openapi.json")
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	mustJSON(t, res, http.StatusOK, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	var documented, routed []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, r := range e.app.GetRoutes(true) {
		if strings.HasPrefix(r.Path, "/api/v1/") && r.Method != http.MethodHead {
			parts := strings.Split(r.Path, "/")
			for i, p := range parts {
				if strings.HasPrefix(p, ":") {
					parts[i] = "{" + p[1:] + "}"
				}
			}
			routed = append(routed, r.Method+" "+strings.Join(parts, "/"))
		}
	}
	slices.Sort(documented)
	slices.Sort(routed)
	if len(routed) < 5 || !slices.Equal(documented, routed) {
		t.Fatalf("documented %v\nrouted     %v", documented, routed)
	}
}

// TestAPIUpdateClient: PATCH applies the account form's own rules (an RFC with a wrong
// check digit needs rfc_confirmed; a bad postal code is 422 naming the field); a good
// change is recorded field by field with the token's name; the email cannot change here.
func TestAPIUpdateClient(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	path := "/api/v1/clients/" + e.client.ID
	bad := wantAPIError(t, apiCall(e, token, http.MethodPatch, path, `{"address":{"postal_code":"12"},"fiscal":{"rfc":"XYZ"}}`),
		http.StatusUnprocessableEntity, "invalid")
	if bad.Error.Fields["address.postal_code"] == "" || bad.Error.Fields["fiscal.rfc"] == "" {
		t.Fatalf("fields %v", bad.Error.Fields)
	}
	wantAPIError(t, apiCall(e, token, http.MethodPatch, path, `{"email":"otra@example.mx"}`), http.StatusBadRequest, "bad_request")
	var got apiClientJSON
	mustJSON(t, apiCall(e, token, http.MethodPatch, path,
		`{"phone":"55 1234 5678","address":{"city":"Mérida","state":"YUC","postal_code":"97000"},"fiscal":{"rfc":"LOLA850101AB1","rfc_confirmed":true,"regimen":"612"}}`),
		http.StatusOK, &got)
	en, err := e.st.LastOfKind(e.client.ID, store.KindAccountUpdated, 5)
	if err != nil || en.Actor.Kind != store.ActorSystem || en.Detail["token"] != "billing" {
		t.Fatalf("history %+v %v", en, err)
	}
	changed := map[string]string{}
	for _, ch := range en.Changes {
		changed[ch.Field] = ch.New
	}
	if changed["city"] != "Mérida" || changed["phone"] != "+525512345678" || changed["rfc"] != "LOLA850101AB1" || changed["regimen"] != "612" {
		t.Fatalf("changes %v", changed)
	}
	if cl, _ := e.st.ClientByID(e.client.ID); cl.Phone != "+525512345678" || cl.State != "YUC" {
		t.Fatalf("stored %+v", cl.Address)
	}
	// The index follows: the new phone finds the client.
	var list struct {
		Total int `json:"total"`
	}
	mustJSON(t, apiCall(e, token, http.MethodGet, "/api/v1/clients?q="+url.QueryEscape("044 55 1234 5678"), ""), http.StatusOK, &list)
	if list.Total != 1 {
		t.Fatalf("searching the new phone found %d", list.Total)
	}
}

func TestAPIContactsSuspendAndWelcome(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	mustContact(t, e.st, e.client.ID, contactSpec{first: "Pagos", email: "pagos@example.mx", emails: []string{store.CategoryNotes}})
	var contacts struct {
		Contacts []struct {
			Email  string   `json:"email"`
			Emails []string `json:"emails"`
			Areas  []string `json:"areas"`
		} `json:"contacts"`
	}
	res := apiCall(e, token, http.MethodGet, "/api/v1/clients/"+e.client.ID+"/contacts", "")
	mustJSON(t, res, http.StatusOK, &contacts)
	if len(contacts.Contacts) != 1 || contacts.Contacts[0].Email != "pagos@example.mx" || len(contacts.Contacts[0].Emails) != 1 ||
		contacts.Contacts[0].Areas == nil || strings.Contains(res.body, "password_hash") {
		t.Fatalf("contacts %s", res.body)
	}
	owner := e.agent()
	owner.mustSignIn()
	var got struct {
		SuspendedAt *string `json:"suspended_at"`
	}
	mustJSON(t, apiCall(e, token, http.MethodPost, "/api/v1/clients/"+e.client.ID+"/suspend", ""), http.StatusOK, &got)
	if got.SuspendedAt == nil {
		t.Fatal("suspended_at missing")
	}
	if r := owner.get("/zona"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the owner's session goes on: %d", r.StatusCode)
	}
	mustJSON(t, apiCall(e, token, http.MethodPost, "/api/v1/clients/"+e.client.ID+"/reactivate", ""), http.StatusOK, &got)
	if got.SuspendedAt != nil {
		t.Fatal("still suspended")
	}
	e.agent().mustSignIn()
	// Created without a password: the welcome goes out unless the call says not to.
	var created apiClientJSON
	mustJSON(t, apiCall(e, token, http.MethodPost, "/api/v1/clients", `{"email":"bienvenida@example.mx","first_name":"Rosa","last_name":"Anaya"}`),
		http.StatusCreated, &created)
	if en, err := e.st.LastOfKind(created.ID, store.KindWelcomeSent, 5); err != nil || en.Detail["token"] != "billing" {
		t.Fatalf("welcome %+v %v", en, err)
	}
}
