package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
	"zona/views"
)

// isHTMX reports whether the request is an htmx request for a fragment: sent by htmx and
// not a boosted navigation (which wants the whole page).
func isHTMX(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-Boosted") != "true"
}

// render answers with body: alone for an htmx request, inside the layout otherwise. This is
// the one place that decides between fragment and full page.
func (s *Server) render(c *fiber.Ctx, status int, title string, body templ.Component) error {
	c.Vary("HX-Request")
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	ctx := views.WithCtx(c.UserContext(), s.viewCtx(c))
	if isHTMX(c) {
		return body.Render(ctx, c.Response().BodyWriter())
	}
	return views.Layout(title).Render(templ.WithChildren(ctx, body), c.Response().BodyWriter())
}

// tr is the translator for the request's language: the signed-in person's saved choice,
// else the language cookie, else the browser's Accept-Language, else Spanish.
func (s *Server) tr(c *fiber.Ctx) *locales.Translator {
	if t, ok := c.Locals("tr").(*locales.Translator); ok {
		return t
	}
	choice := c.Cookies(langCookie)
	if p := currentPrincipal(c); p != nil && p.lang() != "" {
		choice = p.lang()
	}
	t := locales.For(locales.Negotiate(choice, c.Get(fiber.HeaderAcceptLanguage)))
	c.Locals("tr", t)
	return t
}

// viewCtx is what the views need to know about the request, made once per request.
func (s *Server) viewCtx(c *fiber.Ctx) *views.Ctx {
	if v, ok := c.Locals("view").(*views.Ctx); ok {
		return v
	}
	v := &views.Ctx{
		Tr:    s.tr(c),
		Brand: s.cfg.Brand,
		Path:  string(c.Request().URI().RequestURI()),
		Loc:   s.cfg.Location,
	}
	v.CSRF = s.maskedCSRF(c)
	if p := currentPrincipal(c); p != nil {
		v.User = &views.User{Name: p.Name(), Email: p.Email(), Areas: menuFor(p), Contact: !p.isOwner()}
	} else if st := currentStaff(c); st != nil {
		v.User = &views.User{Name: st.Name, Email: st.Email, Areas: staffMenu(st), Home: "/admin", Logout: "/admin/logout", Console: true}
	}
	c.Locals("view", v)
	return v
}

// menuFor lists the areas of the user menu that p may open, in the order of the customer
// help page (SPEC §5). The dashboard is not in it: the brand at the top left leads there.
func menuFor(p *principal) []views.MenuItem {
	all := []struct {
		item views.MenuItem
		need access
	}{
		{views.MenuItem{Href: "/account", MsgKey: "menu.account", TestID: "menu-account"}, area(store.AreaProfile)},
		{views.MenuItem{Href: "/contacts", MsgKey: "menu.contacts", TestID: "menu-contacts"}, area(store.AreaContacts)},
		{views.MenuItem{Href: "/password", MsgKey: "menu.password", TestID: "menu-password"}, signedIn},
		{views.MenuItem{Href: "/emails", MsgKey: "menu.emails", TestID: "menu-emails"}, area(store.AreaEmails)},
		{views.MenuItem{Href: "/activity", MsgKey: "menu.activity", TestID: "menu-activity"}, area(store.AreaActivity)},
		{views.MenuItem{Href: "/sessions", MsgKey: "menu.sessions", TestID: "menu-sessions"}, signedIn},
		{views.MenuItem{Href: "/security", MsgKey: "menu.security", TestID: "menu-security"}, signedIn},
		{views.MenuItem{Href: "/privacy", MsgKey: "menu.privacy", TestID: "menu-privacy"}, signedIn},
	}
	var out []views.MenuItem
	for _, a := range all {
		if a.need.allows(p) { // the route table's rule for the same page: the menu never offers a 403
			out = append(out, a.item)
		}
	}
	return out
}
