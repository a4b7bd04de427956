package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zona/mail"
	"zona/store"
	"zona/store/storetest"
)

// authzRule is what one route answers, kept here apart from the route table so that the
// table cannot grant what this test does not expect.
//
// who is who may call it: "public", "signed" (anyone signed in), "owner", "area:<name>"
// (the owner or a contact holding that area), or "staff" (a staff member signed in to the
// operator console; everyone else is sent to the console's sign-in page), "pending" (a
// browser past its password waiting for its second step: everyone here, signed in or
// not, is sent to the sign-in page), or "api" (a JSON
// API route: it wants a bearer token, so every cookie session, of any kind, gets 401). ok is the status an allowed person of the
// first account gets; "admin" is a staff route for the admin role alone (support gets the
// 403 page, everyone else the console's sign-in page). okOut, when set, the status of a public route for someone signed out
// (or in a staff session), which differs when the page redirects a signed-in person. idor
// says the URL names a record of the first account: a contact of another account must get
// 404 there, never the record. okStaff, when set, is the status of a public route for a
// staff session, when it differs from okOut.
type authzRule struct {
	who     string
	ok      int
	okOut   int
	okStaff int
	idor    bool
	body    url.Values
}

func authzRules() map[string]authzRule {
	contact := contactValues(nil, "Nuevo", "nuevo.contacto@example.mx")
	return map[string]authzRule{
		"GET /":                                          {who: "public", ok: 303, okOut: 303},
		"GET /login":                                     {who: "public", ok: 303, okOut: 200},
		"POST /login":                                    {who: "public", ok: 200, okOut: 200},
		"POST /logout":                                   {who: "public", ok: 303, okOut: 303},
		"POST /language":                                 {who: "public", ok: 303, okOut: 303, body: url.Values{"lang": {"en"}}},
		"GET /zona":                                      {who: "signed", ok: 200},
		"GET /account":                                   {who: "area:profile", ok: 200},
		"POST /account":                                  {who: "area:profile", ok: 200},
		"POST /account/check/:field":                     {who: "area:profile", ok: 200},
		"POST /account/pin":                              {who: "owner", ok: 200},
		"GET /account/email/:token":                      {who: "public", ok: 200, okOut: 200},
		"POST /account/email/:token":                     {who: "public", ok: 200, okOut: 200},
		"GET /password":                                  {who: "signed", ok: 200},
		"POST /password":                                 {who: "signed", ok: 200},
		"POST /password/strength":                        {who: "signed", ok: 200},
		"GET /password/forgot":                           {who: "public", ok: 200, okOut: 200},
		"POST /password/forgot":                          {who: "public", ok: 200, okOut: 200},
		"GET /password/reset/:token":                     {who: "public", ok: 410, okOut: 410},
		"POST /password/reset/:token":                    {who: "public", ok: 410, okOut: 410},
		"POST /password/reset/:token/strength":           {who: "public", ok: 410, okOut: 410},
		"GET /sessions":                                  {who: "signed", ok: 200},
		"POST /sessions/revoke-others":                   {who: "signed", ok: 303},
		"POST /sessions/:id/revoke":                      {who: "owner-device", ok: 303, idor: true},
		"GET /activity":                                  {who: "area:activity", ok: 200},
		"GET /activity.csv":                              {who: "area:activity", ok: 200},
		"GET /emails":                                    {who: "area:emails", ok: 200},
		"GET /emails/:id":                                {who: "area:emails", ok: 200, idor: true},
		"GET /emails/:id/body":                           {who: "area:emails", ok: 200, idor: true},
		"GET /contacts":                                  {who: "area:contacts", ok: 200},
		"GET /contacts/new":                              {who: "area:contacts", ok: 200},
		"POST /contacts/new":                             {who: "area:contacts", ok: 303, body: contact},
		"POST /contacts/check/:field":                    {who: "area:contacts", ok: 200, body: contact},
		"GET /contacts/:id":                              {who: "area:contacts", ok: 200, idor: true},
		"POST /contacts/:id":                             {who: "area:contacts", ok: 303, idor: true},
		"GET /contacts/:id/row":                          {who: "area:contacts", ok: 303, idor: true},
		"GET /contacts/:id/delete":                       {who: "area:contacts", ok: 200, idor: true},
		"POST /contacts/:id/delete":                      {who: "area:contacts", ok: 303, idor: true},
		"POST /contacts/:id/permissions/:perm":           {who: "area:contacts", ok: 303, idor: true, body: url.Values{"on": {"1"}}},
		"POST /contacts/:id/invitation/resend":           {who: "area:contacts", ok: 303, idor: true},
		"POST /contacts/:id/invitation/cancel":           {who: "area:contacts", ok: 303, idor: true},
		"GET /invite/:token":                             {who: "public", ok: 410, okOut: 410},
		"POST /invite/:token":                            {who: "public", ok: 410, okOut: 410},
		"POST /invite/:token/strength":                   {who: "public", ok: 410, okOut: 410},
		"GET /admin/setup/:token":                        {who: "public", ok: 404, okOut: 404},
		"POST /admin/setup/:token":                       {who: "public", ok: 404, okOut: 404},
		"GET /admin/login":                               {who: "public", ok: 200, okOut: 200, okStaff: 303},
		"POST /admin/login":                              {who: "public", ok: 200, okOut: 200},
		"POST /admin/logout":                             {who: "public", ok: 303, okOut: 303},
		"GET /admin":                                     {who: "staff", ok: 200},
		"GET /admin/clients/:id":                         {who: "staff", ok: 200},
		"POST /admin/clients/:id/pin":                    {who: "staff", ok: 200},
		"GET /admin/clients":                             {who: "staff", ok: 200},
		"GET /admin/clients/new":                         {who: "staff", ok: 200},
		"POST /admin/clients/new":                        {who: "staff", ok: 200},
		"GET /admin/clients/:id/edit":                    {who: "staff", ok: 200},
		"POST /admin/clients/:id/edit":                   {who: "staff", ok: 200},
		"POST /admin/clients/:id/suspend":                {who: "staff", ok: 303},
		"POST /admin/clients/:id/reactivate":             {who: "staff", ok: 303},
		"POST /admin/clients/:id/invite":                 {who: "staff", ok: 303},
		"GET /admin/clients/:id/messages/new":            {who: "staff", ok: 200},
		"POST /admin/clients/:id/messages/new":           {who: "staff", ok: 200},
		"GET /admin/clients/:id/messages/preview/:token": {who: "staff", ok: 404},
		"GET /admin/clients/:id/emails":                  {who: "staff", ok: 200},
		"GET /admin/clients/:id/emails/:msg/body":        {who: "staff", ok: 200},
		"POST /admin/clients/:id/emails/:msg/copies/:copy/resend": {who: "staff", ok: 303},
		"GET /admin/outbox":                   {who: "staff", ok: 200},
		"POST /admin/outbox/retry-failed":     {who: "staff", ok: 303},
		"POST /admin/outbox/:copy/retry":      {who: "staff", ok: 303},
		"GET /admin/staff":                    {who: "admin", ok: 200},
		"GET /admin/tokens":                   {who: "admin", ok: 200},
		"GET /admin/retention":                {who: "admin", ok: 200},
		"POST /admin/tokens/new":              {who: "admin", ok: 200},
		"POST /admin/tokens/:id/revoke":       {who: "admin", ok: 404},
		"GET /admin/staff/new":                {who: "admin", ok: 200},
		"POST /admin/staff/new":               {who: "admin", ok: 303, body: url.Values{"name": {"Nueva Persona"}, "email": {"nueva.staff@example.mx"}, "role": {"support"}}},
		"POST /admin/staff/:id/disable":       {who: "admin", ok: 303},
		"POST /admin/staff/:id/enable":        {who: "admin", ok: 303},
		"POST /admin/staff/:id/invite":        {who: "admin", ok: 200},
		"GET /admin/invite/:token":            {who: "public", ok: 410, okOut: 410},
		"POST /admin/invite/:token":           {who: "public", ok: 410, okOut: 410},
		"POST /admin/invite/:token/strength":  {who: "public", ok: 410, okOut: 410},
		"GET /admin/password":                 {who: "staff", ok: 200},
		"POST /admin/password":                {who: "staff", ok: 200},
		"POST /admin/password/strength":       {who: "staff", ok: 200},
		"GET /admin/sessions":                 {who: "staff", ok: 200},
		"POST /admin/sessions/revoke-others":  {who: "staff", ok: 303},
		"POST /admin/sessions/:id/revoke":     {who: "staff", ok: 404},
		"GET /assets/*":                       {who: "public", ok: 404, okOut: 404},
		"HEAD /assets/*":                      {who: "public", ok: 404, okOut: 404},
		"GET /metrics":                        {who: "public", ok: 200, okOut: 200},
		"HEAD /metrics":                       {who: "public", ok: 200, okOut: 200},
		"GET /healthz":                        {who: "public", ok: 200, okOut: 200},
		"GET /api/v1/openapi.json":            {who: "public", ok: 200, okOut: 200},
		"GET /api/v1/clients":                 {who: "api"},
		"POST /api/v1/clients":                {who: "api"},
		"GET /api/v1/clients/:id":             {who: "api"},
		"POST /api/v1/clients/:id/messages":   {who: "api"},
		"PATCH /api/v1/clients/:id":           {who: "api"},
		"GET /api/v1/clients/:id/contacts":    {who: "api"},
		"POST /api/v1/clients/:id/suspend":    {who: "api"},
		"POST /api/v1/clients/:id/reactivate": {who: "api"},
		"GET /login/2fa":                      {who: "pending"},
		"POST /login/2fa":                     {who: "pending"},
		"POST /login/passkey/begin":           {who: "public", ok: 200, okOut: 200},
		"POST /login/passkey":                 {who: "public", ok: 400, okOut: 400},
		"GET /security":                       {who: "signed", ok: 200},
		"GET /security/totp":                  {who: "signed", ok: 200},
		"POST /security/totp":                 {who: "signed", ok: 200},
		"POST /security/totp/disable":         {who: "signed", ok: 200},
		"POST /security/recovery-codes":       {who: "signed", ok: 303},
		"POST /security/passkeys/new":         {who: "signed", ok: 200},
		"POST /security/passkeys":             {who: "signed", ok: 400},
		"POST /security/passkeys/:id/remove":  {who: "signed", ok: 404},
		"GET /emails/:id/attachments/:n":      {who: "area:emails", ok: 200, idor: true},
		"POST /emails/:id/resend":             {who: "area:emails", ok: 200, idor: true},
		"GET /unsubscribe/:token":             {who: "public", ok: 404, okOut: 404},
		"POST /unsubscribe/:token":            {who: "public", ok: 404, okOut: 404},
		"GET /admin/clients/:id/2fa":          {who: "staff", ok: 200},
		"GET /privacy":                        {who: "signed", ok: 200},
		"POST /privacy/export":                {who: "signed", ok: 303},
		"GET /privacy/exports/:id":            {who: "public", ok: 404, okOut: 404},
		"POST /privacy/requests":              {who: "signed", ok: 303, body: url.Values{"kind": {"oppose"}, "reason": {"Sin promociones"}}},
		"GET /admin/requests":                 {who: "staff", ok: 200},
		"GET /admin/requests/:id":             {who: "staff", ok: 404},
		"POST /admin/requests/:id/resolve":    {who: "staff", ok: 404, body: url.Values{"decision": {"rejected"}, "note": {"No procede"}}},
		"POST /admin/clients/:id/2fa/remove":  {who: "staff", ok: 200},
		"GET /admin/security":                 {who: "staff", ok: 200},
		"POST /admin/security":                {who: "staff", ok: 200},
	}
}

// authzPerson is one kind of caller of the test.
type authzPerson struct {
	name string
	// kind: "owner", "contact" (of the first account, holding area), "other" (a contact
	// of another account holding every area), "staff" (an admin), "support" (a staff
	// member with the support role), "disabled" (a staff session of a member disabled
	// since: it is over), "out".
	kind, area string
}

var authzPeople = []authzPerson{
	{name: "signed out", kind: "out"},
	{name: "admin staff session", kind: "staff"},
	{name: "support staff session", kind: "support"},
	{name: "disabled staff session", kind: "disabled"},
	{name: "contact without areas", kind: "contact"},
	{name: "contact with profile", kind: "contact", area: store.AreaProfile},
	{name: "contact with contacts", kind: "contact", area: store.AreaContacts},
	{name: "contact with emails", kind: "contact", area: store.AreaEmails},
	{name: "contact with activity", kind: "contact", area: store.AreaActivity},
	{name: "contact of another account", kind: "other"},
	{name: "owner", kind: "owner"},
}

// isStaff reports whether p has a live staff session (a disabled member's has ended).
func (p authzPerson) isStaff() bool { return p.kind == "staff" || p.kind == "support" }

// want is the status rule r gives person p.
func (r authzRule) want(p authzPerson) int {
	signedIn := p.kind == "owner" || p.kind == "contact" || p.kind == "other"
	if r.who == "api" {
		return http.StatusUnauthorized
	}
	if r.who == "pending" {
		return http.StatusSeeOther
	}
	if r.who == "staff" || r.who == "admin" {
		switch {
		case p.kind == "staff", p.kind == "support" && r.who == "staff":
			return r.ok
		case p.kind == "support":
			return http.StatusForbidden
		}
		return http.StatusSeeOther // to the console's sign-in page
	}
	if r.who == "public" && p.isStaff() && r.okStaff != 0 {
		return r.okStaff
	}
	if r.who == "public" {
		if signedIn {
			return r.ok
		}
		return r.okOut
	}
	if !signedIn {
		return http.StatusSeeOther // to the sign-in page
	}
	allowed := false
	switch {
	case r.who == "signed":
		allowed = true
	case r.who == "owner":
		allowed = p.kind == "owner"
	case r.who == "owner-device":
		// Every person may end their own sessions; the device in the URL is the owner's,
		// so anyone else does not find it.
		if p.kind != "owner" {
			return http.StatusNotFound
		}
		allowed = true
	case strings.HasPrefix(r.who, "area:"):
		allowed = p.kind == "owner" || p.kind == "other" || p.area == strings.TrimPrefix(r.who, "area:")
	}
	switch {
	case !allowed:
		return http.StatusForbidden
	case p.kind == "other" && r.idor:
		return http.StatusNotFound
	}
	return r.ok
}

// TestAuthorisationFromRouteTable calls every route of the app as each kind of person and
// checks the answer against authzRules: a route without a rule fails, and so does a rule
// whose route is gone. IDs in the URLs name records of the first account.
func TestAuthorisationFromRouteTable(t *testing.T) {
	rules := authzRules()
	seen := map[string]bool{}
	for _, rt := range newEnv(t).app.GetRoutes(true) {
		name := rt.Method + " " + rt.Path
		seen[name] = true
		// HEAD is GET without the body: the same people may ask.
		rule, ok := rules[strings.Replace(name, http.MethodHead+" ", http.MethodGet+" ", 1)]
		if !ok {
			t.Errorf("no authorisation rule for %s: add one to authzRules", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			other := storetest.MustCreateClient(t, e.st, "otra@example.mx", "Otra", "Cuenta", testPassword)
			// The first account's message, addressed to the owner and every contact holding
			// "general" (all the test's contacts do).
			for _, p := range authzPeople {
				if p.kind != "contact" {
					continue
				}
				spec := contactSpec{first: "C" + p.area, email: "c-" + p.area + "@example.mx", access: true, signIn: true,
					emails: []string{store.CategoryGeneral}}
				if p.area != "" {
					spec.areas = []string{p.area}
				}
				mustContact(t, e.st, e.client.ID, spec)
			}
			msg, err := mail.NewMailer(e.st, mail.Config{}, nil, nil).Send(mail.Outgoing{ClientID: e.client.ID,
				Category: store.CategoryGeneral, Subject: "Aviso", HTML: "<p>Hola</p>",
				Attachments: []mail.File{{Name: "aviso.txt", Data: []byte("Hola")}}})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range authzPeople {
				t.Run(p.name, func(t *testing.T) {
					a := authzAgent(t, e, other, p)
					// Each person acts on a target of its own, so that one's removal does
					// not change the next one's answer.
					metaEmail := "meta-" + strings.ToLower(store.NewID()) + "@example.mx"
					target, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Meta", email: metaEmail, access: true})
					owner := plantSession(t, e, "client", e.client.ID, e.client.ID, "")
					member := mustStaffRole(t, e, "Objetivo", "objetivo-"+strings.ToLower(store.NewID())+"@example.mx", store.RoleSupport)
					path := authzPath(t, e, rt.Path, target, msg.ID, owner, member.ID)
					if strings.HasSuffix(rt.Path, "/suspend") {
						// A suspension ends the account's sessions: each caller suspends an
						// account of its own, so that the next callers keep theirs.
						spare := storetest.MustCreateClient(t, e.st, "susp-"+strings.ToLower(store.NewID())+"@example.mx", "Sus", "Pendida", testPassword)
						path = strings.Replace(path, e.client.ID, spare.ID, 1)
					}
					switch {
					case p.isStaff():
						a.get("/admin")
					case p.kind == "out" || p.kind == "disabled":
						a.get("/login")
					default:
						a.get("/password")
					}
					body := rule.body
					if rt.Path == "/contacts/:id" && rt.Method == http.MethodPost {
						body = contactValues(target, "Meta", metaEmail)
					}
					var res *response
					switch rt.Method {
					case http.MethodPost:
						res = a.post(path, cloneValues(body))
					default:
						res = a.do(newRequest(rt.Method, path))
					}
					want := rule.want(p)
					if res.StatusCode != want {
						t.Fatalf("%s %s as %s: status %d, want %d; location %q; body %.200s",
							rt.Method, path, p.name, res.StatusCode, want, res.Header.Get("Location"), res.body)
					}
					switch {
					case (rule.who == "staff" || rule.who == "admin") && !p.isStaff():
						if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/admin/login") {
							t.Fatalf("%s sent to %q, want the console's sign-in page", p.name, loc)
						}
					case rule.who == "api":
						if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
							t.Fatalf("%s: Content-Type %q, want JSON", p.name, ct)
						}
					case rule.who == "pending" || (p.kind == "out" || p.kind == "disabled" || p.isStaff()) && rule.who != "public" && rule.who != "staff" && rule.who != "admin":
						if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
							t.Fatalf("signed out sent to %q, want the sign-in page", loc)
						}
					}
				})
			}
		})
	}
	for name := range rules {
		if !seen[name] {
			t.Errorf("rule for %s, which is not a route", name)
		}
	}
}

// authzAgent is a browser of person p.
func authzAgent(t *testing.T, e *env, other *store.Client, p authzPerson) *agent {
	switch p.kind {
	case "owner":
		return plantSession(t, e, "client", e.client.ID, e.client.ID, "")
	case "contact":
		for _, ct := range mustList(t, e.st, e.client.ID) {
			if ct.FirstName == "C"+p.area {
				return plantSession(t, e, "contact", e.client.ID+"/"+ct.ID, e.client.ID, ct.ID)
			}
		}
		t.Fatalf("no contact for %s", p.name)
	case "other":
		ct, _ := mustContact(t, e.st, other.ID, contactSpec{first: "Ajeno", email: "ajeno-" + strings.ToLower(store.NewID()) + "@example.mx",
			access: true, signIn: true, areas: store.Areas, emails: store.EmailPermissions})
		return plantSession(t, e, "contact", other.ID+"/"+ct.ID, other.ID, ct.ID)
	case "staff":
		return plantStaffSession(t, e, mustStaff(t, e, "Luis Pérez", "ops-"+strings.ToLower(store.NewID())+"@example.mx"))
	case "support":
		return plantStaffSession(t, e, mustStaffRole(t, e, "Sofía Ruiz", "sop-"+strings.ToLower(store.NewID())+"@example.mx", store.RoleSupport))
	case "disabled":
		st := mustStaffRole(t, e, "Ex Empleado", "ex-"+strings.ToLower(store.NewID())+"@example.mx", store.RoleSupport)
		a := plantStaffSession(t, e, st)
		if _, err := e.st.SetStaffDisabled(st.ID, true); err != nil {
			t.Fatal(err)
		}
		return a
	}
	return e.agent()
}

func mustList(t *testing.T, st *store.Store, clientID string) []store.Contact {
	list, err := st.ListContacts(clientID)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// authzPath fills a route's parameters with the first account's records (and, for the
// staff routes, the staff member staffID).
func authzPath(t *testing.T, e *env, path string, target *store.Contact, msgID string, owner *agent, staffID string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch p {
		case ":id":
			switch {
			case parts[1] == "admin" && parts[2] == "staff":
				parts[i] = staffID
			case parts[1] == "admin" || parts[1] == "api":
				parts[i] = e.client.ID
			case parts[1] == "contacts":
				parts[i] = target.ID
			case parts[1] == "emails":
				parts[i] = msgID
			case parts[1] == "sessions":
				parts[i] = deviceOf(t, owner)
			}
		case ":msg":
			parts[i] = msgID
		case ":copy":
			m, err := e.st.MessageByID(e.client.ID, msgID)
			if err != nil {
				t.Fatal(err)
			}
			parts[i] = m.Copies[0].ID
		case ":perm":
			parts[i] = store.CategoryGeneral
		case ":n":
			parts[i] = "1"
		case ":field":
			parts[i] = "phone"
		case ":token":
			parts[i] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		}
	}
	return strings.Join(parts, "/")
}

func deviceOf(_ *testing.T, a *agent) string {
	return hashOf(a.cookies["zona_session"])
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func newRequest(method, path string) *http.Request {
	req, _ := http.NewRequest(method, path, nil)
	return req
}
