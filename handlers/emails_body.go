package handlers

import (
	stdhtml "html"
	"regexp"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/microcosm-cc/bluemonday"

	"zona/store"
)

// emailPolicy is how archived email HTML is sanitised: bluemonday's policy for user
// content, plus data: images and the style properties mail layouts use, each value checked
// (no url(), no expression()). What a policy misses, the body's Content-Security-Policy
// still blocks: it runs no script and loads nothing remote unless asked.
var emailPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowDataURIImages()
	p.AllowAttrs("align", "valign", "bgcolor", "width", "height", "cellpadding", "cellspacing", "border").
		OnElements("table", "tr", "td", "th", "tbody", "thead", "tfoot", "img", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowStyles("color", "background-color", "font-size", "font-weight", "font-style", "font-family",
		"text-align", "text-decoration", "text-transform", "line-height", "letter-spacing", "vertical-align",
		"white-space", "word-break", "width", "max-width", "min-width", "height", "max-height", "background",
		"margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
		"padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
		"border", "border-top", "border-right", "border-bottom", "border-left", "border-color", "border-width",
		"border-style", "border-radius", "border-collapse", "display").
		MatchingHandler(func(v string) bool {
			return safeStyleValue.MatchString(v) && !unsafeStyleValue.MatchString(v)
		}).Globally()
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.RequireNoReferrerOnLinks(true)
	return p
})

var (
	safeStyleValue   = regexp.MustCompile(`^[#%(),.\-\w\s'"]*$`)
	unsafeStyleValue = regexp.MustCompile(`(?i)expression|url|javascript|@import|behavior|binding`)
)

const (
	emailDocStart = `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
		`<meta name="viewport" content="width=device-width, initial-scale=1">` +
		`<style>body{margin:8px;font-family:system-ui,sans-serif;overflow-wrap:anywhere}img{max-width:100%;height:auto}` +
		`table{max-width:100%}</style>`
	// emailPreviewStyle keeps a message shown in a narrow frame (a phone) from scrolling
	// inside the page's own scrolling, a trap for a thumb: the frame shows the top of the
	// message, and "Ver completo" opens it full screen (?full=1), where it scrolls as a page.
	// The frame's document is sandboxed in an opaque origin, so no script of the page can
	// read its height to size the frame instead.
	emailPreviewStyle = `<style>@media (max-width:640px){html,body{overflow:hidden}}</style>`
	emailDocBody      = `</head><body>`
	emailDocEnd       = `</body></html>`

	// The body's policy: a sandbox (no script, no forms, an opaque origin), nothing loaded
	// but inline styles and data: images, framed only by Zona's own pages.
	emailCSP = "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'self'; img-src data:"
)

// showEmailBody serves the sanitised HTML of a message for the viewer's sandboxed iframe,
// or with ?full=1 as a page of its own (the same sandbox), which a phone reads full screen.
// Remote images load only with ?images=1, when the reader asked for them.
func (s *Server) showEmailBody(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	if _, err := s.messageFor(p, c.Params("id")); err != nil {
		return err
	}
	body, err := s.store.MessageBodyByID(p.ClientID(), c.Params("id"))
	if err != nil {
		return err
	}
	return serveEmailBody(c, body, c.Query("images") == "1")
}

// serveEmailBody answers with the sanitised HTML of body as a document for a sandboxed
// iframe (remote images only when images is true): the client zone's viewer and the
// console's archive show mail through it.
func serveEmailBody(c *fiber.Ctx, body *store.MessageBody, images bool) error {
	csp := emailCSP
	if images {
		csp += " https:"
		// Remote images carry no CORP header; credentialless loads them without cookies
		// and still satisfies the page's cross-origin isolation.
		c.Set("Cross-Origin-Embedder-Policy", "credentialless")
	}
	c.Set(fiber.HeaderContentSecurityPolicy, csp)
	c.Set(fiber.HeaderXFrameOptions, "SAMEORIGIN")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	html := body.HTML
	if html == "" {
		html = "<pre>" + stdhtml.EscapeString(body.Text) + "</pre>"
	}
	head := emailDocStart + emailPreviewStyle
	if c.Query("full") == "1" {
		head = emailDocStart
	}
	return c.SendString(head + emailDocBody + emailPolicy().Sanitize(html) + emailDocEnd)
}
