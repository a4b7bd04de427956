package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
	"zona/views"
)

// CSRF tokens. Every state-changing request carries one: a hidden field (_csrf) in plain
// form posts, the X-CSRF-Token header in htmx requests (the layout's hx-headers), never
// the query string. The token is bound to who is asking:
//
//   - A signed-in session (client zone or console) has a random token of its own in its
//     server-side record, made anew at every sign-in: a token from before the sign-in, or
//     from another session, is refused.
//   - A visitor (the sign-in, reset and invitation forms) has a random nonce in the
//     HttpOnly cookie zona_csrf and the token HMAC(server secret, nonce): nothing is stored,
//     so a visitor, a bot or a 404 costs no disk.
//
// Pages are compressed, and a page can echo what a request asked for (a search) beside its
// token; so the token a page carries is masked anew for every response (a random pad, then
// the token XOR the pad), as Django and Rails do, and a BREACH-style guess at it through
// compressed sizes learns nothing.
//
// A request that the browser says comes from another site (Sec-Fetch-Site cross-site or
// same-site, an Origin that is not Zona's, or over HTTPS a Referer that is not) is refused
// whatever it carries, which also stops a cookie planted from a sibling domain from riding
// along.
const csrfNonceLen = 43

// csrfProtection refuses a state-changing request without the token of its session or
// visitor, and makes sure a page read has a token to put in its forms.
func (s *Server) csrfProtection(c *fiber.Ctx) error {
	if skipSession(c) || csrfExempt(c) {
		return c.Next()
	}
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		if err := s.ensureCSRF(c); err != nil {
			return err
		}
		return c.Next()
	}
	if !s.sameOrigin(c) || !s.validCSRF(c, csrfFromRequest(c)) {
		s.log.Info("csrf refused", "path", c.Path(), "ip", c.IP())
		return userError(fiber.StatusForbidden, "error.csrf")
	}
	return c.Next()
}

// csrfExempt reports whether c is the one state-changing request that carries no CSRF
// token by design: a POST to a preferences link, /unsubscribe/<token>, which a mail program
// sends for an RFC 8058 one-click unsubscribe from its own server, with no cookie and no
// page loaded first. The token in the path is its authorisation (savePreferences).
func csrfExempt(c *fiber.Ctx) bool {
	rest, ok := strings.CutPrefix(c.Path(), "/unsubscribe/")
	return ok && c.Method() == fiber.MethodPost && rest != "" && !strings.Contains(rest, "/")
}

// ensureCSRF gives a request that has no token source one: a visitor a nonce cookie, and
// a session from before tokens were kept in sessions a token of its own.
func (s *Server) ensureCSRF(c *fiber.Ctx) error {
	ws := currentSession(c)
	if ws != nil && ws.data.PID != "" {
		if ws.data.CSRF == "" {
			ws.data.CSRF = secure.Token()
			if err := s.writeSession(c, ws); err != nil && !errors.Is(err, store.ErrDiskFull) {
				return err // on a full disk the page is read all the same; posts wait for space
			}
		}
		return nil
	}
	if len(c.Cookies(csrfCookie)) != csrfNonceLen {
		nonce := secure.Token()
		c.Locals(localCSRFNonce, nonce)
		c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: nonce, Path: "/", Secure: s.cfg.SecureCookies,
			HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, SessionOnly: true})
	}
	return nil
}

// maskedCSRF is the token the forms of this request's page carry, masked for this
// response, or "" when the request has none.
func (s *Server) maskedCSRF(c *fiber.Ctx) string {
	token := s.csrfToken(c)
	if token == "" {
		return ""
	}
	out := make([]byte, 2*len(token))
	pad, masked := out[:len(token)], out[len(token):]
	rand.Read(pad)
	subtle.XORBytes(masked, pad, []byte(token))
	return base64.RawURLEncoding.EncodeToString(out)
}

// unmaskCSRF is the token inside a masked one, or "" when got is not one.
func unmaskCSRF(got string) string {
	b, err := base64.RawURLEncoding.DecodeString(got)
	if err != nil || len(b) == 0 || len(b)%2 != 0 {
		return ""
	}
	n := len(b) / 2
	subtle.XORBytes(b[n:], b[:n], b[n:])
	return string(b[n:])
}

// csrfToken is the unmasked token of this request's session or visitor, or "" when it has
// none.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	if ws := currentSession(c); ws != nil && ws.data.PID != "" {
		return ws.data.CSRF
	}
	nonce, _ := c.Locals(localCSRFNonce).(string)
	if nonce == "" {
		nonce = c.Cookies(csrfCookie)
	}
	if len(nonce) != csrfNonceLen {
		return ""
	}
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF reports whether got, a masked token from a form or header, holds the token of
// this request's session or visitor.
func (s *Server) validCSRF(c *fiber.Ctx, got string) bool {
	want := s.csrfToken(c)
	token := unmaskCSRF(got)
	return want != "" && token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1
}

// csrfFromRequest is the token in the header or in the form body; a token in the query
// string is not looked at (it would leak through logs and Referer headers).
func csrfFromRequest(c *fiber.Ctx) string {
	if t := c.Get(views.CSRFHeader); t != "" {
		return t
	}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		if f, err := c.MultipartForm(); err == nil && len(f.Value[views.CSRFField]) > 0 {
			return f.Value[views.CSRFField][0]
		}
		return ""
	}
	return string(c.Request().PostArgs().Peek(views.CSRFField))
}

// sameOrigin reports whether the browser says the request comes from Zona's own pages:
// Sec-Fetch-Site, else Origin, else (over HTTPS, where browsers send it under the
// same-origin Referrer-Policy) Referer. A client that sends none of them over plain HTTP (a
// script, an old browser) is judged by its token alone.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	switch c.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return false
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" {
		return s.isOwn(c, origin)
	}
	if c.Protocol() == "https" {
		return s.isOwn(c, c.Get(fiber.HeaderReferer))
	}
	return true
}

// isOwn reports whether raw (an Origin or a Referer) names this host, as the request or the
// configured base URL says it.
func (s *Server) isOwn(c *fiber.Ctx, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, c.Hostname()) && u.Scheme == c.Protocol() {
		return true
	}
	base, err := url.Parse(s.cfg.BaseURL)
	return err == nil && base.Host != "" && strings.EqualFold(u.Host, base.Host) && u.Scheme == base.Scheme
}

// forgetCSRF drops the visitor's nonce at sign-out: the next page gets a new one.
func (s *Server) forgetCSRF(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: "", Path: "/", Secure: s.cfg.SecureCookies, HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(1, 0), MaxAge: -1})
}
