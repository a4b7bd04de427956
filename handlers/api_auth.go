package handlers

import (
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
	"zona/web"
)

// apiToken: a request of the JSON API carrying a live bearer token (zona api token
// create). No cookie session ever opens an API route, and a token opens nothing else.
var apiToken = access{level: levelAPI}

const (
	localAPIToken = "apitoken"
	// defaultAPIRateLimit is how many API requests a token, and an IP address, may make
	// in a minute.
	defaultAPIRateLimit = 600
)

// isAPI reports whether the request is one of the JSON API: no cookie session, no CSRF
// token, JSON errors.
func isAPI(c *fiber.Ctx) bool {
	p := c.Path()
	return p == "/api" || strings.HasPrefix(p, "/api/")
}

// limitAPIByIP counts every API request, with or without a valid token, against the
// caller's address: guessing tokens is slow, and one address cannot flood the store.
func (s *Server) limitAPIByIP(c *fiber.Ctx) error {
	if err := s.apiLimit(c, web.APIIP, c.IP()); err != nil {
		return err
	}
	return c.Next()
}

// authorizeAPI goes on with a request whose "Authorization: Bearer TOKEN" names a stored
// API token, counted against that token's rate limit; anything else is 401. Cookies are
// never read.
func (s *Server) authorizeAPI(c *fiber.Ctx) error {
	scheme, token, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > 256 {
		return errUnauthorized
	}
	t, err := s.store.APITokenByHash(secure.TokenHash(token))
	if errors.Is(err, store.ErrNotFound) {
		s.log.Info("api token refused", "ip", c.IP(), "path", c.Path())
		return errUnauthorized
	}
	if err != nil {
		return err
	}
	if err := s.apiLimit(c, web.APIToken, hex.EncodeToString(t.Hash[:12])); err != nil {
		return err
	}
	if err := s.store.TouchAPIToken(t, time.Now()); err != nil {
		s.log.Warn("api token last-used time not saved", "err", err, "token", t.Name)
	}
	c.Locals(localAPIToken, t)
	return c.Next()
}

// apiLimit counts one request against the API limit name (web.APIIP or web.APIToken) of
// subject, and refuses it (429, with Retry-After) past the configured rate.
func (s *Server) apiLimit(c *fiber.Ctx, name, subject string) error {
	l := web.APILimit(name, s.cfg.APIRateLimit).For(subject)
	n, err := s.kv.Hit(l.Key, l.Window)
	if errors.Is(err, store.ErrDiskFull) && (c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead) {
		// A full disk cannot count the request: a read goes on uncounted, as pages do for
		// people, while anything that writes is refused by the store itself.
		return nil
	}
	if err != nil {
		return err
	}
	if n > l.Max {
		_, left, _ := s.kv.Count(l.Key)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(left.Seconds()+0.999))))
		return &apiError{status: fiber.StatusTooManyRequests, code: "rate_limited",
			message: "Too many requests: at most " + strconv.Itoa(s.cfg.APIRateLimit) + " a minute."}
	}
	return nil
}

// currentAPIToken is the token of an API request, after authorizeAPI.
func currentAPIToken(c *fiber.Ctx) *store.APIToken {
	t, _ := c.Locals(localAPIToken).(*store.APIToken)
	return t
}

// apiEvent is a history entry caused by an API request: the system acting for the
// token's holder, with the token's name (never the token).
func apiEvent(c *fiber.Ctx, kind string) store.Event {
	name := ""
	if t := currentAPIToken(c); t != nil {
		name = t.Name
	}
	return store.Event{Kind: kind, Actor: store.Actor{Kind: store.ActorSystem}, IP: c.IP(),
		UserAgent: c.Get(fiber.HeaderUserAgent), Detail: map[string]string{"via": "api", "token": name}}
}
