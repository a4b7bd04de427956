// Package views holds every HTML view of Zona as templ components: the layout, the pages,
// and the partials that htmx swaps. Views take what they show as arguments and read the
// request's Ctx (language, CSRF token, signed-in person) from the context; they never call
// the store.
package views

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"zona/locales"
)

// Ctx is what every view may need about the request it renders for.
type Ctx struct {
	Tr    *locales.Translator
	CSRF  string
	Brand string
	User  *User // nil when nobody is signed in
	Path  string
	Loc   *time.Location // the operator's time zone for dates
}

// User is the signed-in person as the layout shows them.
type User struct {
	Name  string
	Email string
	// Areas are the sections of the user menu this person may open, in menu order.
	Areas []MenuItem
	// Contact is true for a contact signed in to the owner's account: pages leave out what
	// only the owner may see (the security PIN, the owner's password).
	Contact bool
	// Home is where the brand at the top left leads ("/" when empty); Logout is where the
	// menu's "Salir" posts ("/logout" when empty). A staff member's are the console's.
	Home   string
	Logout string
	// Console is true for a staff member: the page is the operator console, which looks
	// like a different place (its name beside the brand, another accent colour).
	Console bool
}

// inConsole reports whether the page is the operator console.
func inConsole(ctx context.Context) bool {
	u := From(ctx).User
	return u != nil && u.Console
}

// HomeURL is where the brand leads for u.
func (u *User) HomeURL() string {
	if u == nil || u.Home == "" {
		return "/"
	}
	return u.Home
}

// LogoutURL is where u signs out.
func (u *User) LogoutURL() string {
	if u.Logout == "" {
		return "/logout"
	}
	return u.Logout
}

// ownerView reports whether the request's person is the account owner.
func ownerView(ctx context.Context) bool {
	u := From(ctx).User
	return u == nil || !u.Contact
}

// currentPage reports whether the request's page is the section at href or one of its
// pages (/contacts/new is in /contacts).
func currentPage(ctx context.Context, href string) bool {
	path, _, _ := strings.Cut(From(ctx).Path, "?")
	return path == href || strings.HasPrefix(path, href+"/")
}

// MenuItem is one link of the user menu.
type MenuItem struct {
	Href   string
	MsgKey string
	TestID string
}

type ctxKey struct{}

// WithCtx returns ctx carrying v for the views.
func WithCtx(ctx context.Context, v *Ctx) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// From returns the view context of ctx. Rendering without one is a programming error.
func From(ctx context.Context) *Ctx {
	v, ok := ctx.Value(ctxKey{}).(*Ctx)
	if !ok {
		panic("views: render without views.WithCtx")
	}
	return v
}

// T translates key in the request's language.
func T(ctx context.Context, key string, args ...any) string {
	return From(ctx).Tr.T(key, args...)
}

// CSRFField is the name of the hidden form field that carries the CSRF token.
const CSRFField = "_csrf"

// CSRFHeader is the request header in which htmx sends the CSRF token.
const CSRFHeader = "X-CSRF-Token"

// csrfHeaders is the JSON object of the body's hx-headers: htmx sends the token with every
// request it makes.
func csrfHeaders(ctx context.Context) string {
	token, _ := json.Marshal(From(ctx).CSRF)
	return `{"` + CSRFHeader + `":` + string(token) + `}`
}

// htmxConfig keeps htmx within the CSP (no injected style element, no eval) and keeps
// personal pages out of the browser's local history cache.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0,"refreshOnHistoryMiss":true,"selfRequestsOnly":true}`
