package handlers

import (
	"bytes"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"zona/assets"
	"zona/secure"
	"zona/views"
)

const (
	sessionCookie = "zona_session"
	csrfCookie    = "zona_csrf"
	langCookie    = "zona_lang"

	localRequestID = "requestid"
	localCSRF      = "csrf"
	localCSRFHdl   = "csrf_handler"
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

func requestIDs() fiber.Handler {
	return requestid.New(requestid.Config{ContextKey: localRequestID, Generator: func() string { return secure.Token()[:16] }})
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

// csrfProtection checks a token on every state-changing request: a hidden field in plain
// form posts, a header in htmx requests (the layout's hx-headers). Tokens live in the
// sessions store, bound to a cookie of their own.
func (s *Server) csrfProtection() fiber.Handler {
	return csrf.New(csrf.Config{
		Next:              skipSession,
		CookieName:        csrfCookie,
		CookieSecure:      s.cfg.SecureCookies,
		CookieHTTPOnly:    true,
		CookieSameSite:    fiber.CookieSameSiteLaxMode,
		CookieSessionOnly: true,
		Expiration:        s.cfg.AbsoluteTimeout,
		KeyGenerator:      func() string { return "csrf." + secure.Token() },
		Storage:           newLazyTouch(s.kv, 5*time.Minute),
		ContextKey:        localCSRF,
		HandlerContextKey: localCSRFHdl,
		Extractor:         csrfFromHeaderOrForm,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			s.log.Info("csrf refused", "err", err, "path", c.Path(), "ip", c.IP())
			return userError(fiber.StatusForbidden, "error.csrf")
		},
	})
}

func csrfFromHeaderOrForm(c *fiber.Ctx) (string, error) {
	if t := c.Get(views.CSRFHeader); t != "" {
		return t, nil
	}
	if t := c.FormValue(views.CSRFField); t != "" {
		return t, nil
	}
	return "", csrf.ErrTokenNotFound
}

// lazyTouch wraps the storage of CSRF tokens. Fiber's CSRF middleware reads the token on
// every request and writes it again only to push its expiry forward. This lets that write
// through at most once per interval for each token, and answers the reads of a token
// written within the interval from memory: reading a page then costs no disk access for
// the token. A skipped write loses nothing but a few minutes of the token's lifetime, and
// a token deleted here (sign-out) is forgotten here too.
type lazyTouch struct {
	fiber.Storage
	every time.Duration

	mu    sync.Mutex
	last  map[string]written
	swept time.Time
}

type written struct {
	at  time.Time
	val []byte
}

func newLazyTouch(st fiber.Storage, every time.Duration) *lazyTouch {
	return &lazyTouch{Storage: st, every: every, last: map[string]written{}, swept: time.Now()}
}

func (l *lazyTouch) Get(key string) ([]byte, error) {
	l.mu.Lock()
	w, ok := l.last[key]
	l.mu.Unlock()
	if ok && time.Since(w.at) < l.every {
		return w.val, nil
	}
	return l.Storage.Get(key)
}

func (l *lazyTouch) Set(key string, val []byte, exp time.Duration) error {
	now := time.Now()
	l.mu.Lock()
	if w, ok := l.last[key]; ok && now.Sub(w.at) < l.every && bytes.Equal(w.val, val) {
		l.mu.Unlock()
		return nil
	}
	l.last[key] = written{at: now, val: bytes.Clone(val)}
	if now.Sub(l.swept) > l.every {
		for k, w := range l.last {
			if now.Sub(w.at) >= l.every {
				delete(l.last, k)
			}
		}
		l.swept = now
	}
	l.mu.Unlock()
	return l.Storage.Set(key, val, exp)
}

func (l *lazyTouch) Delete(key string) error {
	l.mu.Lock()
	delete(l.last, key)
	l.mu.Unlock()
	return l.Storage.Delete(key)
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
