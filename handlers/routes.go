package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/assets"
)

// access is who may call a route.
type access int

const (
	// public: anyone, signed in or not.
	public access = iota
	// signedIn: a person signed in to the client zone.
	signedIn
)

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
		{fiber.MethodPost, "/language", public, s.saveLanguage},
		{fiber.MethodGet, "/zona", signedIn, s.showDashboard},
		{fiber.MethodGet, "/account", signedIn, s.showAccount},
		{fiber.MethodPost, "/account", signedIn, s.saveAccount},
		{fiber.MethodPost, "/account/check/:field", signedIn, s.checkAccountField},
		{fiber.MethodPost, "/account/pin", signedIn, s.savePIN},
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
		{fiber.MethodGet, "/activity", signedIn, s.showActivity},
		{fiber.MethodGet, "/activity.csv", signedIn, s.exportActivity},
		{fiber.MethodGet, "/emails", signedIn, s.showEmails},
		{fiber.MethodGet, "/emails/:id", signedIn, s.showEmail},
		{fiber.MethodGet, "/emails/:id/body", signedIn, s.showEmailBody},
		{fiber.MethodGet, "/admin/setup/:token", public, s.showSetup},
		{fiber.MethodPost, "/admin/setup/:token", public, s.createFirstStaff},
		{fiber.MethodGet, "/healthz", public, s.health},
	}
}

// routes wires the middleware and the route table into app.
func (s *Server) routes(app *fiber.App) {
	app.Use(s.recoverPanic, s.metrics.observe, requestIDs(), securityHeaders())
	app.Get(assets.Prefix+"*", assets.Handler)
	app.Get("/metrics", s.metrics.handler(s.cfg.MetricsToken))
	app.Use(noStore, s.accessLog, s.loadSession, s.csrfProtection())
	for _, r := range s.table() {
		handlers := []fiber.Handler{r.handler}
		if r.access == signedIn {
			handlers = append([]fiber.Handler{requireSignedIn}, handlers...)
		}
		app.Add(r.method, r.path, handlers...)
	}
	app.Use(func(*fiber.Ctx) error { return fiber.ErrNotFound })
}
