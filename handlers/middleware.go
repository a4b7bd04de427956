package handlers

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"

	"zona/assets"
	"zona/secure"
)

const (
	sessionCookie = "zona_session"
	csrfCookie    = "zona_csrf"
	langCookie    = "zona_lang"

	localRequestID = "requestid"
	localCSRFNonce = "csrf_nonce"
)

// contentSecurityPolicy allows nothing inline and nothing from elsewhere. Pico's form
// controls use data: SVG images.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// isStatic reports whether a path is served without a session: assets and probes.
func isStatic(c *fiber.Ctx) bool {
	p := c.Path()
	return strings.HasPrefix(p, assets.Prefix) || p == "/healthz" || p == "/metrics" || p == "/favicon.ico"
}

// skipSession reports whether a request goes without the cookie session and the CSRF
// check: static files and probes, and the JSON API, which a bearer token authorises and
// where a cookie opens nothing (so a forged cross-site request has nothing to ride on).
func skipSession(c *fiber.Ctx) bool { return isStatic(c) || isAPI(c) }

// recoverPanic turns a panic into the "internal error" page with a request ID; the stack
// goes to the log, never to the browser.
func (s *Server) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "err", r, "path", c.Path(), "request_id", c.Locals(localRequestID), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return c.Next()
}

func securityHeaders() fiber.Handler {
	return helmet.New(helmet.Config{
		ContentSecurityPolicy:     contentSecurityPolicy,
		ReferrerPolicy:            "same-origin",
		HSTSMaxAge:                63072000,
		CrossOriginEmbedderPolicy: "require-corp",
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginResourcePolicy: "same-origin",
		PermissionPolicy:          "camera=(), microphone=(), geolocation=(), payment=()",
	})
}

// requestID names every request with an ID of its own, shown on error pages and logged. An
// X-Request-Id sent by the client is not believed: it would let anyone choose the ID that
// an error is filed under.
func requestID(c *fiber.Ctx) error {
	id := secure.Token()[:16]
	c.Locals(localRequestID, id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

// forwardedClient keeps, of the X-Forwarded-For header of a request from a trusted proxy,
// only the client's address: the last one that no trusted proxy wrote, walking from the
// right, where each proxy appended what it saw. Addresses further left are whatever the
// client wrote, and Fiber's c.IP() would otherwise answer the whole list, so a client could
// choose its own rate-limit key and the address in its history.
func (s *Server) forwardedClient(c *fiber.Ctx) error {
	if !c.IsProxyTrusted() {
		return c.Next()
	}
	h := string(c.Request().Header.Peek(fiber.HeaderXForwardedFor))
	if !strings.Contains(h, ",") {
		return c.Next()
	}
	hops := strings.Split(h, ",")
	client := strings.TrimSpace(hops[0])
	for i := len(hops) - 1; i > 0; i-- {
		if ip := strings.TrimSpace(hops[i]); !s.isTrustedProxy(ip) {
			client = ip
			break
		}
	}
	c.Request().Header.Set(fiber.HeaderXForwardedFor, client)
	return c.Next()
}

// isTrustedProxy reports whether ip is one of the operator's trusted proxies.
func (s *Server) isTrustedProxy(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, p := range s.trustedProxies {
		if p.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

// parseProxies reads --trusted-proxies entries, each an address or a CIDR range.
func parseProxies(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, e := range list {
		if p, err := netip.ParsePrefix(e); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(e); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out
}

// refuseAmbiguousLength answers 400 to a request whose length two proxies could read two
// ways: two Content-Length headers, or Content-Length beside Transfer-Encoding. fasthttp
// keeps the last Content-Length; a proxy in front that read the first would then see
// another request inside this one's body (request smuggling).
func refuseAmbiguousLength(c *fiber.Ctx) error {
	lengths, chunked := 0, false
	for line := range bytes.SplitSeq(c.Request().Header.RawHeaders(), []byte("\n")) {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name)
		switch {
		case bytes.EqualFold(name, []byte(fiber.HeaderContentLength)):
			lengths++
		case bytes.EqualFold(name, []byte(fiber.HeaderTransferEncoding)):
			chunked = true
		}
	}
	if lengths > 1 || (lengths == 1 && chunked) {
		return fiber.ErrBadRequest
	}
	return c.Next()
}

// noStore keeps every page out of caches: pages carry personal data or CSRF tokens, and after
// sign-out none of them may come back from the browser's cache.
func noStore(c *fiber.Ctx) error {
	if isStatic(c) {
		return c.Next()
	}
	err := c.Next()
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
	return err
}

// accessLog logs one line per request at debug level, and server errors at error level.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if s.log.Enabled(c.UserContext(), slog.LevelDebug) {
		s.log.Debug("request", "method", c.Method(), "path", c.Path(), "status", c.Response().StatusCode(),
			"ms", time.Since(start).Milliseconds(), "ip", c.IP(), "request_id", c.Locals(localRequestID))
	}
	return err
}
