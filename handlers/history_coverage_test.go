package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"zona/mail"
	"zona/secure"
	"zona/store"
)

// historyRule says what a successful call of one state-changing route leaves in the
// client's history: exactly one entry of kind by an actor of actorKind, plus one
// email.queued entry per message it sends. kind "" means the route changes nothing of a
// client's account (why says what it does instead).
type historyRule struct {
	kind, actorKind string
	mails           int
	why             string
	// also are further entries the call writes, by kind (a PIN check before the change).
	also map[string]int
	// prepare sets up what a valid call needs (for the env's client, with a signed-in
	// agent) and returns the call itself; only what the call writes is counted.
	prepare func(t *testing.T, e *env, a *agent) func() *response
}

func historyRules() map[string]historyRule {
	return map[string]historyRule{
		"POST /login": {kind: store.KindSignIn, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b := e.agent()
				return func() *response { return b.signIn(testEmail, testPassword) }
			}},
		"POST /logout": {kind: store.KindSignOut, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				return func() *response { return a.post("/logout", nil) }
			}},
		"POST /language": {kind: store.KindLanguage, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				return func() *response { return a.post("/language", url.Values{"lang": {"en"}}) }
			}},
		"POST /password": {kind: store.KindPasswordChanged, actorKind: store.ActorOwner, mails: 1,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				a.get("/password")
				return func() *response {
					return a.post("/password", url.Values{"current": {testPassword}, "new": {newPassword}, "confirm": {newPassword}})
				}
			}},
		"POST /password/strength": {why: "reads a password to rate it; stores nothing",
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				return func() *response { return a.post("/password/strength", url.Values{"new": {newPassword}}) }
			}},
		"POST /password/forgot": {kind: store.KindResetRequested, actorKind: store.ActorSystem, mails: 1,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b := e.agent()
				b.get("/password/forgot")
				return func() *response {
					r := b.post("/password/forgot", url.Values{"email": {testEmail}})
					waitQueued(t, e.st, e.client.ID, 1) // the link is made after the answer
					return r
				}
			}},
		"POST /password/reset/:token": {kind: store.KindPasswordReset, actorKind: store.ActorOwner, mails: 1,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, path := e.agent(), resetPath(t, e)
				b.get(path)
				return func() *response { return b.post(path, url.Values{"new": {newPassword}, "confirm": {newPassword}}) }
			}},
		"POST /password/reset/:token/strength": {why: "rates a password for the reset form; stores nothing",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, path := e.agent(), resetPath(t, e)
				b.get(path)
				return func() *response { return b.post(path+"/strength", url.Values{"new": {newPassword}}) }
			}},
		"POST /sessions/revoke-others": {kind: store.KindSessionEnded, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				e.agent().mustSignIn()
				a.get("/sessions")
				return func() *response { return a.post("/sessions/revoke-others", nil) }
			}},
		"POST /sessions/:id/revoke": {kind: store.KindSessionEnded, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				e.agent().mustSignIn()
				res := a.get("/sessions")
				action, _ := res.doc.Find(`[data-testid="device"] form`).First().Attr("action")
				return func() *response { return a.post(action, nil) }
			}},
		"POST /account": {kind: store.KindAccountUpdated, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				form := accountForm(t, a)
				return func() *response { return a.post("/account", form) }
			}},
		"POST /account/check/:field": {why: "checks one field of the account form as it is typed; stores nothing",
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				form := accountForm(t, a)
				return func() *response { return a.post("/account/check/phone", form) }
			}},
		"POST /account/pin": {kind: store.KindPINChanged, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				a.get("/account")
				return func() *response {
					return a.post("/account/pin", url.Values{"pin": {"402917"}, "pin_confirm": {"402917"}, "pin_current": {testPassword}})
				}
			}},
		"POST /account/email/:token": {kind: store.KindEmailChanged, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				token := secure.Token()
				ev := store.Event{Kind: store.KindEmailChangeRequested, Actor: store.Actor{Kind: store.ActorOwner}, IP: "192.0.2.1"}
				if err := e.st.RequestEmailChange(e.client.ID, "nuevo@example.mx", secure.TokenHash(token), time.Hour, ev); err != nil {
					t.Fatal(err)
				}
				b := e.agent()
				b.get("/account/email/" + token)
				return func() *response { return b.post("/account/email/"+token, nil) }
			}},
		"POST /contacts/new": {kind: store.KindContactCreated, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				a.get("/contacts/new")
				return func() *response { return a.post("/contacts/new", contactValues(nil, "Luis", "luis@example.mx")) }
			}},
		"POST /contacts/check/:field": {why: "checks one field of a contact form as it is typed; stores nothing",
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				a.get("/contacts/new")
				return func() *response {
					return a.post("/contacts/check/phone", contactValues(nil, "Luis", "luis@example.mx"))
				}
			}},
		"POST /contacts/:id": {kind: store.KindContactUpdated, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				ct, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx"})
				a.get("/contacts/" + ct.ID)
				return func() *response { return a.post("/contacts/"+ct.ID, contactValues(ct, "Luisa", "luis@example.mx")) }
			}},
		"POST /contacts/:id/delete": {kind: store.KindContactDeleted, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				ct, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx"})
				a.get("/contacts/" + ct.ID + "/delete")
				return func() *response { return a.post("/contacts/"+ct.ID+"/delete", nil) }
			}},
		"POST /contacts/:id/permissions/:perm": {kind: store.KindContactPermission, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				ct, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx"})
				a.get("/contacts")
				return func() *response {
					return a.post("/contacts/"+ct.ID+"/permissions/support", url.Values{"on": {"1"}})
				}
			}},
		"POST /contacts/:id/invitation/resend": {kind: store.KindContactInvited, actorKind: store.ActorOwner, mails: 1,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				ct, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx", access: true})
				a.get("/contacts")
				return func() *response { return a.post("/contacts/"+ct.ID+"/invitation/resend", nil) }
			}},
		"POST /contacts/:id/invitation/cancel": {kind: store.KindContactUninvited, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				ct, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx", access: true})
				a.get("/contacts")
				return func() *response { return a.post("/contacts/"+ct.ID+"/invitation/cancel", nil) }
			}},
		"POST /invite/:token": {kind: store.KindContactJoined, actorKind: store.ActorContact,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				_, tok := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx", access: true})
				b := e.agent()
				b.get("/invite/" + tok)
				return func() *response {
					return b.post("/invite/"+tok, url.Values{"new": {contactPassword}, "confirm": {contactPassword}})
				}
			}},
		"POST /invite/:token/strength": {why: "rates a password for the invitation form; stores nothing",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				_, tok := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx", access: true})
				b := e.agent()
				b.get("/invite/" + tok)
				return func() *response { return b.post("/invite/"+tok+"/strength", url.Values{"new": {contactPassword}}) }
			}},
		"POST /admin/setup/:token": {why: "creates the first staff account, which belongs to no client",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				token := secure.Token()
				if err := e.st.SetSetupToken(secure.TokenHash(token), time.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
				b := e.agent()
				b.get("/admin/setup/" + token)
				return func() *response {
					return b.post("/admin/setup/"+token, url.Values{"name": {"Operadora"}, "email": {"ops@example.mx"},
						"password": {newPassword}, "confirm": {newPassword}})
				}
			}},
		"POST /admin/login": {why: "signs a staff member in to the operator console, which belongs to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				st := mustStaff(t, e, "Luis Pérez", "luis.ops@example.mx")
				b := e.agent()
				b.get("/admin/login")
				return func() *response {
					return b.post("/admin/login", url.Values{"email": {st.Email}, "password": {staffPassword}})
				}
			}},
		"POST /admin/logout": {why: "ends a staff member's console session, which belongs to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				b.get("/admin")
				return func() *response { return b.post("/admin/logout", nil) }
			}},
		"POST /api/v1/clients": {why: "creates another client, whose own history records it (TestAPICreateClient checks that entry)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				token := mustAPIToken(t, e, "billing")
				return func() *response {
					return apiCall(e, token, http.MethodPost, "/api/v1/clients",
						`{"email":"nuevo@example.mx","first_name":"Nuevo","last_name":"Cliente"}`)
				}
			}},
		"POST /api/v1/clients/:id/messages": {actorKind: store.ActorSystem, mails: 1,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				token := mustAPIToken(t, e, "billing")
				return func() *response {
					return apiCall(e, token, http.MethodPost, "/api/v1/clients/"+e.client.ID+"/messages",
						`{"category":"general","subject":"Factura","html":"<p>Su factura</p>"}`)
				}
			}},
		"POST /emails/:id/resend": {kind: store.KindEmailResent, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				m := queue(t, e.st, e.client.ID, store.CategoryNotes, "Nota de pago", "<p>Pago recibido</p>")
				a.get("/emails/" + m.ID)
				return func() *response { return a.post("/emails/"+m.ID+"/resend", nil) }
			}},
		"POST /unsubscribe/:token": {kind: store.KindMarketingOptOut, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				path := ownerPrefPath(t, e)
				return func() *response { return e.agent().postRaw(path, "List-Unsubscribe=One-Click") }
			}},
		"POST /login/2fa": {kind: store.KindSignIn, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				secret, _ := mustEnroll(t, e, store.ClientFactor(e.client.ID, ""), e.client.ID)
				b := e.agent()
				b.signIn(testEmail, testPassword)
				return func() *response { return b.post("/login/2fa", url.Values{"code": {totpCode(t, secret, time.Now())}}) }
			}},
		"POST /login/passkey/begin": {why: "starts a passkey sign-in: the challenge goes in a signed cookie; stores nothing",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b := e.agent()
				b.get("/login")
				return func() *response { return b.postJSON("/login/passkey/begin", nil) }
			}},
		"POST /login/passkey": {kind: store.KindSignIn, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				key := newSoftKey(t)
				a.mustAddPasskey(t, key, "Mi teléfono")
				b := e.agent()
				b.get("/login")
				body := key.assert(t, b.postJSON("/login/passkey/begin", nil).body)
				return func() *response { return b.postJSON("/login/passkey", body) }
			}},
		"POST /security/passkeys/new": {why: "starts adding a passkey: the challenge goes in a signed cookie; stores nothing",
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				a.get("/security")
				return func() *response { return a.postJSON("/security/passkeys/new", nil) }
			}},
		"POST /security/passkeys": {kind: store.KindPasskeyAdded, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				a.get("/security")
				body := newSoftKey(t).register(t, a.postJSON("/security/passkeys/new", nil).body, "Mi teléfono")
				return func() *response { return a.postJSON("/security/passkeys", body) }
			}},
		"POST /security/passkeys/:id/remove": {kind: store.KindPasskeyRemoved, actorKind: store.ActorOwner, mails: 1,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				key := newSoftKey(t)
				a.mustAddPasskey(t, key, "Mi teléfono")
				a.get("/security")
				return func() *response { return a.post("/security/passkeys/"+b64u.EncodeToString(key.id)+"/remove", nil) }
			}},
		"POST /security/totp": {kind: store.KindTwoFAEnabled, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				secret := secretOf(t, a.get("/security/totp"))
				return func() *response {
					return a.post("/security/totp", url.Values{"code": {totpCode(t, secret, time.Now())}})
				}
			}},
		"POST /security/totp/disable": {kind: store.KindTwoFARemoved, actorKind: store.ActorOwner, mails: 1,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				mustEnroll(t, e, store.ClientFactor(e.client.ID, ""), e.client.ID)
				a.get("/security")
				return func() *response {
					return a.post("/security/totp/disable", url.Values{"disable_password": {testPassword}})
				}
			}},
		"POST /security/recovery-codes": {kind: store.KindRecoveryRenewed, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				mustEnroll(t, e, store.ClientFactor(e.client.ID, ""), e.client.ID)
				a.get("/security")
				return func() *response {
					return a.post("/security/recovery-codes", url.Values{"renew_password": {testPassword}})
				}
			}},
		"POST /admin/security": {why: "sets up a staff member's own second factor, which belongs to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b := plantStaffSession(t, e, mustStaff(t, e, "Luis Pérez", "luis.ops@example.mx"))
				secret := secretOf(t, b.get("/admin/security"))
				return func() *response {
					return b.post("/admin/security", url.Values{"code": {totpCode(t, secret, time.Now())}})
				}
			}},
		"POST /admin/clients/:id/2fa/remove": {kind: store.KindTwoFARemoved, actorKind: store.ActorStaff, mails: 1,
			also: map[string]int{store.KindPINMatched: 1},
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				setPIN(t, e, "402917")
				mustEnroll(t, e, store.ClientFactor(e.client.ID, ""), e.client.ID)
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/clients/" + e.client.ID + "/2fa")
				return func() *response {
					return b.post("/admin/clients/"+e.client.ID+"/2fa/remove", url.Values{"pin": {"402917"}})
				}
			}},
		"POST /admin/clients/new": {why: "creates another client, whose own history records it (TestConsoleCreatesClientWithWelcome checks those entries)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/clients/new")
				return func() *response {
					return b.post("/admin/clients/new", url.Values{"first_name": {"Rosa"}, "last_name": {"Anaya"}, "email": {"rosa@example.mx"},
						"country": {"MX"}, "lang": {"es"}})
				}
			}},
		"POST /admin/clients/:id/edit": {kind: store.KindAccountUpdated, actorKind: store.ActorStaff,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				form := accountFormAt(t, b, "/admin/clients/"+e.client.ID+"/edit")
				return func() *response { return b.post("/admin/clients/"+e.client.ID+"/edit", form) }
			}},
		"POST /admin/clients/:id/suspend": {kind: store.KindAccountSuspended, actorKind: store.ActorStaff,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/clients/" + e.client.ID)
				return func() *response { return b.post("/admin/clients/"+e.client.ID+"/suspend", nil) }
			}},
		"POST /admin/clients/:id/reactivate": {kind: store.KindAccountReactivated, actorKind: store.ActorStaff,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				if _, _, err := e.st.SetClientSuspended(e.client.ID, true, store.Event{Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
					t.Fatal(err)
				}
				b.get("/admin/clients/" + e.client.ID)
				return func() *response { return b.post("/admin/clients/"+e.client.ID+"/reactivate", nil) }
			}},
		"POST /admin/clients/:id/invite": {kind: store.KindWelcomeSent, actorKind: store.ActorStaff, mails: 1,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/clients/" + e.client.ID)
				return func() *response { return b.post("/admin/clients/"+e.client.ID+"/invite", nil) }
			}},
		"POST /admin/clients/:id/messages/new": {actorKind: store.ActorStaff, mails: 1,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/clients/" + e.client.ID + "/messages/new")
				return func() *response {
					return b.post("/admin/clients/"+e.client.ID+"/messages/new", url.Values{"category": {"notes"}, "subject": {"Nota de pago"},
						"format": {"markdown"}, "body": {"Su **nota** de pago"}, "step": {"send"}})
				}
			}},
		"POST /admin/clients/:id/emails/:msg/copies/:copy/resend": {kind: store.KindEmailResent, actorKind: store.ActorStaff,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				m := queue(t, e.st, e.client.ID, store.CategoryNotes, "Nota de pago", "<p>Pago recibido</p>")
				b.get("/admin/clients/" + e.client.ID + "/emails")
				return func() *response {
					return b.post("/admin/clients/"+e.client.ID+"/emails/"+m.ID+"/copies/"+m.Copies[0].ID+"/resend", nil)
				}
			}},
		"POST /admin/outbox/:copy/retry": {why: "makes a queued or failed copy due now; the copy changes, not the account (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				m, err := mail.NewMailer(e.st, mail.Config{}, nil, nil).Send(mail.Outgoing{ClientID: e.client.ID,
					Category: store.CategoryGeneral, Subject: "Aviso", HTML: "<p>Hola</p>"})
				if err != nil {
					t.Fatal(err)
				}
				b.get("/admin/outbox")
				return func() *response { return b.post("/admin/outbox/"+m.Copies[0].ID+"/retry", nil) }
			}},
		"POST /admin/outbox/retry-failed": {why: "puts failed copies back in the outbox; the copies change, not the account (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/outbox?state=failed")
				return func() *response { return b.post("/admin/outbox/retry-failed", nil) }
			}},
		"POST /admin/tokens/new": {why: "makes a JSON API token, which belongs to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/tokens")
				return func() *response { return b.post("/admin/tokens/new", url.Values{"name": {"facturacion"}}) }
			}},
		"POST /admin/tokens/:id/revoke": {why: "revokes a JSON API token, which belongs to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				mustAPIToken(t, e, "facturacion")
				b.get("/admin/tokens")
				return func() *response { return b.post("/admin/tokens/facturacion/revoke", nil) }
			}},
		"POST /admin/staff/new": {why: "invites a staff member, who belongs to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/staff/new")
				return func() *response {
					return b.post("/admin/staff/new", url.Values{"name": {"Sofía Ruiz"}, "email": {"sofia@example.mx"}, "role": {"support"}})
				}
			}},
		"POST /admin/staff/:id/disable": {why: "disables a staff member, who belongs to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				other := mustStaffRole(t, e, "Sofía Ruiz", "sofia@example.mx", store.RoleSupport)
				b.get("/admin/staff")
				return func() *response { return b.post("/admin/staff/"+other.ID+"/disable", nil) }
			}},
		"POST /admin/staff/:id/enable": {why: "enables a staff member, who belongs to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				other := mustStaffRole(t, e, "Sofía Ruiz", "sofia@example.mx", store.RoleSupport)
				if _, err := e.st.SetStaffDisabled(other.ID, true); err != nil {
					t.Fatal(err)
				}
				b.get("/admin/staff")
				return func() *response { return b.post("/admin/staff/"+other.ID+"/enable", nil) }
			}},
		"POST /admin/staff/:id/invite": {why: "sends a staff member a new invitation; staff belong to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				other := &store.Staff{Name: "Sofía Ruiz", Email: "sofia@example.mx", Role: store.RoleSupport}
				if err := e.st.InviteStaff(other, secure.TokenHash(secure.Token())); err != nil {
					t.Fatal(err)
				}
				b.get("/admin/staff")
				return func() *response { return b.post("/admin/staff/"+other.ID+"/invite", nil) }
			}},
		"POST /admin/invite/:token": {why: "an invited staff member sets their password; staff belong to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				tok := secure.Token()
				if err := e.st.InviteStaff(&store.Staff{Name: "Sofía Ruiz", Email: "sofia@example.mx", Role: store.RoleSupport}, secure.TokenHash(tok)); err != nil {
					t.Fatal(err)
				}
				b := e.agent()
				b.get("/admin/invite/" + tok)
				return func() *response {
					return b.post("/admin/invite/"+tok, url.Values{"new": {newPassword}, "confirm": {newPassword}})
				}
			}},
		"POST /admin/invite/:token/strength": {why: "rates a password for the staff invitation form; stores nothing",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				tok := secure.Token()
				if err := e.st.InviteStaff(&store.Staff{Name: "Sofía Ruiz", Email: "sofia@example.mx", Role: store.RoleSupport}, secure.TokenHash(tok)); err != nil {
					t.Fatal(err)
				}
				b := e.agent()
				b.get("/admin/invite/" + tok)
				return func() *response { return b.post("/admin/invite/"+tok+"/strength", url.Values{"new": {newPassword}}) }
			}},
		"POST /admin/password": {why: "changes a staff member's own password; staff belong to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/password")
				return func() *response {
					return b.post("/admin/password", url.Values{"current": {staffPassword}, "new": {newPassword}, "confirm": {newPassword}})
				}
			}},
		"POST /admin/password/strength": {why: "rates a staff member's new password; stores nothing",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/password")
				return func() *response { return b.post("/admin/password/strength", url.Values{"new": {newPassword}}) }
			}},
		"POST /admin/sessions/revoke-others": {why: "ends a staff member's other console sessions; staff belong to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, st := mustStaffAgent(t, e)
				e.agent().staffSignIn(st.Email, staffPassword)
				b.get("/admin/sessions")
				return func() *response { return b.post("/admin/sessions/revoke-others", nil) }
			}},
		"POST /admin/sessions/:id/revoke": {why: "ends one of a staff member's console sessions; staff belong to no client (logged)",
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				b, st := mustStaffAgent(t, e)
				other := e.agent()
				other.staffSignIn(st.Email, staffPassword)
				b.get("/admin/sessions")
				return func() *response {
					return b.post("/admin/sessions/"+hashOf(other.cookies["zona_session"])+"/revoke", nil)
				}
			}},
		"PATCH /api/v1/clients/:id": {kind: store.KindAccountUpdated, actorKind: store.ActorSystem,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				token := mustAPIToken(t, e, "billing")
				return func() *response {
					return apiCall(e, token, http.MethodPatch, "/api/v1/clients/"+e.client.ID, `{"address":{"city":"Mérida"}}`)
				}
			}},
		"POST /api/v1/clients/:id/suspend": {kind: store.KindAccountSuspended, actorKind: store.ActorSystem,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				token := mustAPIToken(t, e, "billing")
				return func() *response {
					return apiCall(e, token, http.MethodPost, "/api/v1/clients/"+e.client.ID+"/suspend", "")
				}
			}},
		"POST /api/v1/clients/:id/reactivate": {kind: store.KindAccountReactivated, actorKind: store.ActorSystem,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				token := mustAPIToken(t, e, "billing")
				if _, _, err := e.st.SetClientSuspended(e.client.ID, true, store.Event{Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
					t.Fatal(err)
				}
				return func() *response {
					return apiCall(e, token, http.MethodPost, "/api/v1/clients/"+e.client.ID+"/reactivate", "")
				}
			}},
		"POST /privacy/export": {kind: store.KindExportRequested, actorKind: store.ActorOwner, also: map[string]int{store.KindExportReady: 1},
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				a.get("/privacy")
				return func() *response {
					r := a.post("/privacy/export", nil)
					waitExport(t, e.st, e.client.ID, "") // built after the answer
					return r
				}
			}},
		"POST /privacy/requests": {kind: store.KindRequestFiled, actorKind: store.ActorOwner,
			prepare: func(t *testing.T, e *env, a *agent) func() *response {
				a.get("/privacy")
				return func() *response {
					return a.post("/privacy/requests", url.Values{"kind": {store.RequestRectify}, "reason": {"Mi nombre lleva acento."}})
				}
			}},
		"POST /admin/requests/:id/resolve": {kind: store.KindRequestResolved, actorKind: store.ActorStaff, mails: 1,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				r := &store.Request{ClientID: e.client.ID, Name: "Ana López", Kind: store.RequestOppose, Reason: "Sin promociones"}
				if err := e.st.FileRequest(r, time.UTC, store.Event{Actor: store.Actor{Kind: store.ActorOwner}, IP: "192.0.2.1"}); err != nil {
					t.Fatal(err)
				}
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/requests/" + r.ID)
				return func() *response {
					return b.post("/admin/requests/"+r.ID+"/resolve", url.Values{"decision": {"rejected"}, "note": {"Ya no recibe promociones."}})
				}
			}},
		"POST /admin/clients/:id/pin": {kind: store.KindPINMatched, actorKind: store.ActorStaff,
			prepare: func(t *testing.T, e *env, _ *agent) func() *response {
				setPIN(t, e, "402917")
				b, _ := mustStaffAgent(t, e)
				b.get("/admin/clients/" + e.client.ID)
				return func() *response {
					return b.post("/admin/clients/"+e.client.ID+"/pin", url.Values{"pin": {"402917"}})
				}
			}},
	}
}

// setPIN gives the env's client the security PIN pin.
func setPIN(t *testing.T, e *env, pin string) {
	t.Helper()
	hash, err := secure.Hash(context.Background(), pin)
	if err != nil {
		t.Fatal(err)
	}
	ev := store.Event{Actor: store.Actor{Kind: store.ActorOwner, ID: e.client.ID}, IP: "192.0.2.1"}
	if _, err := e.st.SetPIN(e.client.ID, hash, ev); err != nil {
		t.Fatal(err)
	}
}

// resetPath makes a live reset link for the env's client.
func resetPath(t *testing.T, e *env) string {
	token := secure.Token()
	if err := e.st.CreateReset(e.client, nil, secure.TokenHash(token), time.Now().Add(time.Hour),
		store.Event{Kind: store.KindResetRequested, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	return "/password/reset/" + token
}

// TestEveryStateChangeIsRecordedOnce walks the route table: each state-changing route must
// have a rule above (a new route without one fails), and a valid call must leave exactly the
// entries its rule names, written with the right actor, and no secret in any of them.
func TestEveryStateChangeIsRecordedOnce(t *testing.T) {
	rules := historyRules()
	for _, r := range stateChanging(newEnv(t).app) {
		name := r.Method + " " + r.Path
		t.Run(name, func(t *testing.T) {
			rule, ok := rules[name]
			if !ok {
				t.Fatalf("no history rule for %s: add one to historyRules", name)
			}
			e := newEnv(t)
			a := e.agent()
			a.mustSignIn()
			call := rule.prepare(t, e, a)
			before, _, err := e.st.ListActivity(e.client.ID, "", 1000)
			if err != nil {
				t.Fatal(err)
			}
			res := call()
			if res.StatusCode >= 400 {
				t.Fatalf("the valid call failed: %d %.300s", res.StatusCode, res.body)
			}
			after, _, err := e.st.ListActivity(e.client.ID, "", 1000)
			if err != nil {
				t.Fatal(err)
			}
			added := after[:len(after)-len(before)]
			kinds := map[string]int{}
			for _, en := range added {
				kinds[en.Kind]++
				raw, _ := json.Marshal(en)
				for _, secret := range []string{testPassword, newPassword, "argon2id", "$argon2"} {
					if strings.Contains(string(raw), secret) {
						t.Errorf("entry %s contains a secret: %s", en.Kind, raw)
					}
				}
				if en.IP == "" {
					t.Errorf("entry %s has no IP", en.Kind)
				}
				if en.Kind == rule.kind && en.Actor.Kind != rule.actorKind {
					t.Errorf("entry %s by %q, want %q", en.Kind, en.Actor.Kind, rule.actorKind)
				}
			}
			want := map[string]int{}
			if rule.kind != "" {
				want[rule.kind] = 1
			}
			if rule.mails > 0 {
				want[store.KindEmailQueued] = rule.mails
			}
			for k, n := range rule.also {
				want[k] = n
			}
			if len(kinds) != len(want) {
				t.Fatalf("entries written %v, want %v", kinds, want)
			}
			for k, n := range want {
				if kinds[k] != n {
					t.Fatalf("entries written %v, want %v", kinds, want)
				}
			}
			if _, err := e.st.VerifyActivity(e.client.ID); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode == http.StatusOK && rule.kind != "" && res.doc != nil && res.doc.Find(`[aria-invalid="true"]`).Length() > 0 {
				t.Fatal("the call came back with a form error")
			}
		})
	}
}
