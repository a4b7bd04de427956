package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"zona/assets"
	"zona/store"
)

// access is who may call a route: one of public, signedIn, ownerOnly, area(name),
// staffOnly, adminOnly, or apiToken.
type access struct {
	level int
	area  string
}

const (
	levelPublic = iota
	levelSignedIn
	levelOwner
	levelArea
	levelStaff
	levelAdmin
	levelAPI
	levelSecondStep
	levelStaffSecurity
)

var (
	// public: anyone, signed in or not.
	public = access{level: levelPublic}
	// signedIn: any person signed in to the client zone, owner or contact (a contact's own
	// password, sessions and sign-out).
	signedIn = access{level: levelSignedIn}
	// ownerOnly: the account owner alone (the security PIN).
	ownerOnly = access{level: levelOwner}
	// staffOnly: a staff member signed in to the operator console (/admin). No client or
	// contact session ever opens it, and a staff session opens nothing of the client zone.
	staffOnly = access{level: levelStaff}
	// secondStep: a browser past its password that waits for its second step (login_2fa.go);
	// anyone else goes to the sign-in page.
	secondStep = access{level: levelSecondStep}
	// staffSecurity: a staff member signed in, or one past the password who must set up a
	// second factor before the console opens.
	staffSecurity = access{level: levelStaffSecurity}
	// adminOnly: a staff member with the admin role (staff and API tokens). Support staff
	// get the 403 page.
	adminOnly = access{level: levelAdmin}
)

// area: the owner, or a contact holding that area permission (store.Areas).
func area(name string) access { return access{level: levelArea, area: name} }

// allows reports whether p (nil when signed out) may call a route of this access.
func (a access) allows(p *principal) bool {
	switch a.level {
	case levelPublic:
		return true
	case levelSignedIn:
		return p != nil
	case levelOwner:
		return p != nil && p.isOwner()
	case levelArea:
		return p != nil && p.may(a.area)
	}
	return false
}

// allowsStaff reports whether staff member st may call a console route of this access.
// A disabled member's sessions are already gone (loadStaff); the check here stands anyway.
func (a access) allowsStaff(st *store.Staff) bool {
	switch {
	case st == nil || st.Disabled:
		return false
	case a.level == levelStaff:
		return true
	case a.level == levelAdmin:
		return st.IsAdmin()
	}
	return false
}

// authorize is the one check of a route's access: signed out goes to the sign-in page,
// a signed-in person without the right gets the 403 page. Console routes want a staff
// session; anyone else goes to the console's sign-in page.
func authorize(a access) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if a.level == levelAPI {
			return errUnauthorized // API routes go through authorizeAPI; no session opens them
		}
		switch ws := currentPending(c); a.level {
		case levelSecondStep:
			if ws == nil || (ws.data.Kind == principalStaff && ws.data.Step != stepCode) {
				return toSignIn(c, "/login")
			}
			return c.Next()
		case levelStaffSecurity:
			if currentStaff(c) == nil && (ws == nil || ws.data.Kind != principalStaff || ws.data.Step != stepEnroll) {
				return requireStaff(c)
			}
			return c.Next()
		}
		if a.level == levelStaff || a.level == levelAdmin {
			st := currentStaff(c)
			if st == nil {
				return requireStaff(c)
			}
			if !a.allowsStaff(st) {
				return userError(fiber.StatusForbidden, "error.forbidden")
			}
			return c.Next()
		}
		p := currentPrincipal(c)
		if p == nil {
			return requireSignedIn(c)
		}
		if !a.allows(p) {
			return userError(fiber.StatusForbidden, "error.forbidden")
		}
		return c.Next()
	}
}

// route is one line of the route table.
type route struct {
	method  string
	path    string
	access  access
	handler fiber.Handler
}

// table lists every route of Zona in one place. Tests walk it: a route added here is
// covered by the CSRF and authorisation tests without more work.
func (s *Server) table() []route {
	return []route{
		{fiber.MethodGet, "/", public, s.showHome},
		{fiber.MethodGet, "/login", public, s.showLogin},
		{fiber.MethodPost, "/login", public, s.signIn},
		{fiber.MethodPost, "/logout", public, s.signOut},
		{fiber.MethodGet, "/login/2fa", secondStep, s.showSecondStep},
		{fiber.MethodPost, "/login/2fa", secondStep, s.checkSecondStep},
		{fiber.MethodPost, "/login/passkey/begin", public, s.beginPasskeySignIn},
		{fiber.MethodPost, "/login/passkey", public, s.signInWithPasskey},
		{fiber.MethodPost, "/language", public, s.saveLanguage},
		{fiber.MethodGet, "/zona", signedIn, s.showDashboard},
		{fiber.MethodGet, "/account", area(store.AreaProfile), s.showAccount},
		{fiber.MethodPost, "/account", area(store.AreaProfile), s.saveAccount},
		{fiber.MethodPost, "/account/check/:field", area(store.AreaProfile), s.checkAccountField},
		{fiber.MethodPost, "/account/pin", ownerOnly, s.savePIN},
		{fiber.MethodGet, "/account/email/:token", public, s.showEmailConfirm},
		{fiber.MethodPost, "/account/email/:token", public, s.confirmEmail},
		{fiber.MethodGet, "/password", signedIn, s.showPassword},
		{fiber.MethodPost, "/password", signedIn, s.savePassword},
		{fiber.MethodPost, "/password/strength", signedIn, s.checkStrength},
		{fiber.MethodGet, "/password/forgot", public, s.showForgot},
		{fiber.MethodPost, "/password/forgot", public, s.sendReset},
		{fiber.MethodGet, "/password/reset/:token", public, s.showReset},
		{fiber.MethodPost, "/password/reset/:token", public, s.resetPassword},
		{fiber.MethodPost, "/password/reset/:token/strength", public, s.checkResetStrength},
		{fiber.MethodGet, "/sessions", signedIn, s.showSessions},
		{fiber.MethodPost, "/sessions/revoke-others", signedIn, s.revokeOtherSessions},
		{fiber.MethodPost, "/sessions/:id/revoke", signedIn, s.revokeSession},
		{fiber.MethodGet, "/security", signedIn, s.showSecurity},
		{fiber.MethodGet, "/security/totp", signedIn, s.showTOTPSetup},
		{fiber.MethodPost, "/security/totp", signedIn, s.enrollTOTP},
		{fiber.MethodPost, "/security/totp/disable", signedIn, s.disableTOTP},
		{fiber.MethodPost, "/security/recovery-codes", signedIn, s.renewRecoveryCodes},
		{fiber.MethodPost, "/security/passkeys/new", signedIn, s.beginPasskey},
		{fiber.MethodPost, "/security/passkeys", signedIn, s.addPasskey},
		{fiber.MethodPost, "/security/passkeys/:id/remove", signedIn, s.removePasskey},
		{fiber.MethodGet, "/activity", area(store.AreaActivity), s.showActivity},
		{fiber.MethodGet, "/activity.csv", area(store.AreaActivity), s.exportActivity},
		{fiber.MethodGet, "/emails", area(store.AreaEmails), s.showEmails},
		{fiber.MethodGet, "/emails/:id", area(store.AreaEmails), s.showEmail},
		{fiber.MethodGet, "/emails/:id/body", area(store.AreaEmails), s.showEmailBody},
		{fiber.MethodGet, "/emails/:id/attachments/:n", area(store.AreaEmails), s.showAttachment},
		{fiber.MethodPost, "/emails/:id/resend", area(store.AreaEmails), s.resendEmail},
		{fiber.MethodGet, "/privacy", signedIn, s.showPrivacy},
		{fiber.MethodPost, "/privacy/export", signedIn, s.startExport},
		// Public: downloadExport answers 404 to anyone but the export's person, signed out too.
		{fiber.MethodGet, "/privacy/exports/:id", public, s.downloadExport},
		{fiber.MethodPost, "/privacy/requests", signedIn, s.fileRequest},
		{fiber.MethodGet, "/unsubscribe/:token", public, s.showPreferences},
		{fiber.MethodPost, "/unsubscribe/:token", public, s.savePreferences},
		{fiber.MethodGet, "/contacts", area(store.AreaContacts), s.showContacts},
		{fiber.MethodGet, "/contacts/new", area(store.AreaContacts), s.showNewContact},
		{fiber.MethodPost, "/contacts/new", area(store.AreaContacts), s.createContact},
		{fiber.MethodPost, "/contacts/check/:field", area(store.AreaContacts), s.checkContactField},
		{fiber.MethodGet, "/contacts/:id", area(store.AreaContacts), s.showContact},
		{fiber.MethodPost, "/contacts/:id", area(store.AreaContacts), s.saveContact},
		{fiber.MethodGet, "/contacts/:id/row", area(store.AreaContacts), s.showContactRow},
		{fiber.MethodGet, "/contacts/:id/delete", area(store.AreaContacts), s.confirmDeleteContact},
		{fiber.MethodPost, "/contacts/:id/delete", area(store.AreaContacts), s.removeContact},
		{fiber.MethodPost, "/contacts/:id/permissions/:perm", area(store.AreaContacts), s.setContactPermission},
		{fiber.MethodPost, "/contacts/:id/invitation/resend", area(store.AreaContacts), s.resendInvitation},
		{fiber.MethodPost, "/contacts/:id/invitation/cancel", area(store.AreaContacts), s.cancelInvitation},
		{fiber.MethodGet, "/invite/:token", public, s.showInvite},
		{fiber.MethodPost, "/invite/:token", public, s.acceptInvite},
		{fiber.MethodPost, "/invite/:token/strength", public, s.checkInviteStrength},
		{fiber.MethodGet, "/admin/setup/:token", public, s.showSetup},
		{fiber.MethodPost, "/admin/setup/:token", public, s.createFirstStaff},
		{fiber.MethodGet, "/admin/login", public, s.showStaffLogin},
		{fiber.MethodPost, "/admin/login", public, s.staffSignIn},
		{fiber.MethodPost, "/admin/logout", public, s.staffSignOut},
		{fiber.MethodGet, "/admin", staffOnly, s.showClients},
		{fiber.MethodGet, "/admin/clients", staffOnly, s.showClients},
		{fiber.MethodGet, "/admin/clients/new", staffOnly, s.showNewClient},
		{fiber.MethodPost, "/admin/clients/new", staffOnly, s.createClient},
		{fiber.MethodGet, "/admin/clients/:id", staffOnly, s.showClient},
		{fiber.MethodGet, "/admin/clients/:id/edit", staffOnly, s.showClientEdit},
		{fiber.MethodPost, "/admin/clients/:id/edit", staffOnly, s.saveClientEdit},
		{fiber.MethodPost, "/admin/clients/:id/suspend", staffOnly, s.suspendClient},
		{fiber.MethodPost, "/admin/clients/:id/reactivate", staffOnly, s.reactivateClient},
		{fiber.MethodPost, "/admin/clients/:id/invite", staffOnly, s.inviteClient},
		{fiber.MethodGet, "/admin/clients/:id/messages/new", staffOnly, s.showCompose},
		{fiber.MethodPost, "/admin/clients/:id/messages/new", staffOnly, s.sendCompose},
		{fiber.MethodGet, "/admin/clients/:id/messages/preview/:token", staffOnly, s.showPreview},
		{fiber.MethodGet, "/admin/clients/:id/emails", staffOnly, s.showClientEmails},
		{fiber.MethodGet, "/admin/clients/:id/emails/:msg/body", staffOnly, s.showClientEmailBody},
		{fiber.MethodPost, "/admin/clients/:id/emails/:msg/copies/:copy/resend", staffOnly, s.resendClientCopy},
		{fiber.MethodGet, "/admin/requests", staffOnly, s.showRequests},
		{fiber.MethodGet, "/admin/requests/:id", staffOnly, s.showRequest},
		{fiber.MethodPost, "/admin/requests/:id/resolve", staffOnly, s.resolveRequest},
		{fiber.MethodGet, "/admin/outbox", staffOnly, s.showOutbox},
		{fiber.MethodPost, "/admin/outbox/retry-failed", staffOnly, s.retryFailed},
		{fiber.MethodPost, "/admin/outbox/:copy/retry", staffOnly, s.retryCopy},
		{fiber.MethodPost, "/admin/clients/:id/pin", staffOnly, s.checkClientPIN},
		{fiber.MethodGet, "/admin/clients/:id/2fa", staffOnly, s.showClientFactors},
		{fiber.MethodPost, "/admin/clients/:id/2fa/remove", staffOnly, s.removeClientFactor},
		{fiber.MethodGet, "/admin/security", staffSecurity, s.showStaffSecurity},
		{fiber.MethodPost, "/admin/security", staffSecurity, s.enrollStaffTOTP},
		{fiber.MethodGet, "/admin/staff", adminOnly, s.showStaff},
		{fiber.MethodGet, "/admin/staff/new", adminOnly, s.showNewStaff},
		{fiber.MethodPost, "/admin/staff/new", adminOnly, s.inviteStaff},
		{fiber.MethodPost, "/admin/staff/:id/disable", adminOnly, s.disableStaff},
		{fiber.MethodPost, "/admin/staff/:id/enable", adminOnly, s.enableStaff},
		{fiber.MethodPost, "/admin/staff/:id/invite", adminOnly, s.reinviteStaff},
		{fiber.MethodGet, "/admin/tokens", adminOnly, s.showTokens},
		{fiber.MethodGet, "/admin/retention", adminOnly, s.showRetention},
		{fiber.MethodPost, "/admin/tokens/new", adminOnly, s.createToken},
		{fiber.MethodPost, "/admin/tokens/:id/revoke", adminOnly, s.revokeToken},
		{fiber.MethodGet, "/admin/invite/:token", public, s.showStaffInvite},
		{fiber.MethodPost, "/admin/invite/:token", public, s.acceptStaffInvite},
		{fiber.MethodPost, "/admin/invite/:token/strength", public, s.checkStaffInviteStrength},
		{fiber.MethodGet, "/admin/password", staffOnly, s.showStaffPassword},
		{fiber.MethodPost, "/admin/password", staffOnly, s.saveStaffPassword},
		{fiber.MethodPost, "/admin/password/strength", staffOnly, s.checkStaffStrength},
		{fiber.MethodGet, "/admin/sessions", staffOnly, s.showStaffSessions},
		{fiber.MethodPost, "/admin/sessions/revoke-others", staffOnly, s.revokeOtherStaffSessions},
		{fiber.MethodPost, "/admin/sessions/:id/revoke", staffOnly, s.revokeStaffSession},
		{fiber.MethodGet, "/api/v1/openapi.json", public, s.showOpenAPI},
		{fiber.MethodGet, "/api/v1/clients", apiToken, s.apiListClients},
		{fiber.MethodPost, "/api/v1/clients", apiToken, s.apiCreateClient},
		{fiber.MethodGet, "/api/v1/clients/:id", apiToken, s.apiShowClient},
		{fiber.MethodPatch, "/api/v1/clients/:id", apiToken, s.apiUpdateClient},
		{fiber.MethodGet, "/api/v1/clients/:id/contacts", apiToken, s.apiListContacts},
		{fiber.MethodPost, "/api/v1/clients/:id/suspend", apiToken, s.apiSuspendClient},
		{fiber.MethodPost, "/api/v1/clients/:id/reactivate", apiToken, s.apiReactivateClient},
		{fiber.MethodPost, "/api/v1/clients/:id/messages", apiToken, s.apiSendMessage},
		{fiber.MethodGet, "/healthz", public, s.health},
	}
}

// routes wires the middleware and the route table into app.
func (s *Server) routes(app *fiber.App) {
	app.Use(s.metrics.observe, s.recoverPanic, refuseAmbiguousLength, s.forwardedClient, requestID, securityHeaders())
	app.Get(assets.Prefix+"*", named(assets.Prefix+"*"), assets.Handler)
	app.Get("/metrics", named("/metrics"), s.metrics.handler(s.cfg.MetricsToken))
	// Pages and JSON are compressed as they go out (assets, above, are compressed at build
	// time); the CSRF token in a page is masked per response against BREACH (csrf.go).
	app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed}))
	app.Use(noStore, s.accessLog, s.loadSession, s.csrfProtection)
	app.Use("/api", s.limitAPIByIP)
	for _, r := range s.table() {
		handlers := []fiber.Handler{named(r.path), authorize(r.access), r.handler}
		switch r.access {
		case apiToken:
			handlers[1] = s.authorizeAPI
		case public:
			handlers = append(handlers[:1], r.handler)
		}
		app.Add(r.method, r.path, handlers...)
		// Every page answers HEAD as it answers GET, without the body.
		if r.method == fiber.MethodGet {
			app.Add(fiber.MethodHead, r.path, handlers...)
		}
	}
	app.Use(func(*fiber.Ctx) error { return fiber.ErrNotFound })
}
