package handlers

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"

	"zona/store"
)

// Keys of the session's data.
const (
	sessKind    = "kind" // principal kind: "client"
	sessID      = "pid"  // principal ID
	sessStarted = "iat"  // unix seconds of sign-in
	sessSeen    = "seen" // unix seconds of the last request, refreshed at most once a minute
	// The sign-in before this one, shown on the dashboard: unix seconds, IP, User-Agent.
	sessPrevAt = "prev_at"
	sessPrevIP = "prev_ip"
	sessPrevUA = "prev_ua"
)

const (
	principalClient = "client"

	localSession   = "session"
	localPrincipal = "principal"

	// seenEvery is how stale the session's last-seen time may get before a request writes it
	// again. Writing it on every request would cost a disk write per page.
	seenEvery = time.Minute
)

// principal is the person a request acts for.
type principal struct {
	Kind   string
	ID     string
	Client *store.Client
}

// Name is how the principal is shown in the user menu.
func (p *principal) Name() string { return p.Client.Name() }

// Email is the principal's sign-in email.
func (p *principal) Email() string { return p.Client.Email }

// ClientID is the account the principal acts in.
func (p *principal) ClientID() string { return p.Client.ID }

// actor is the principal as recorded in a history.
func (p *principal) actor() store.Actor {
	return store.Actor{Kind: store.ActorOwner, ID: p.ID, Name: p.Name()}
}

func currentPrincipal(c *fiber.Ctx) *principal {
	p, _ := c.Locals(localPrincipal).(*principal)
	return p
}

func currentSession(c *fiber.Ctx) *session.Session {
	sess, _ := c.Locals(localSession).(*session.Session)
	return sess
}

// loadSession finds the request's session and, when someone is signed in, the principal.
// A session past its idle or absolute timeout, or whose person no longer exists, is
// destroyed here: the request goes on signed out.
func (s *Server) loadSession(c *fiber.Ctx) error {
	if isStatic(c) {
		return c.Next()
	}
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	c.Locals(localSession, sess)
	kind, _ := sess.Get(sessKind).(string)
	id, _ := sess.Get(sessID).(string)
	if kind == "" || id == "" {
		return c.Next()
	}
	now := time.Now()
	started, _ := sess.Get(sessStarted).(int64)
	seen, _ := sess.Get(sessSeen).(int64)
	if now.Sub(time.Unix(started, 0)) > s.cfg.AbsoluteTimeout || now.Sub(time.Unix(seen, 0)) > s.cfg.IdleTimeout {
		return s.endSession(c, sess)
	}
	p, err := s.principalFor(kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return s.endSession(c, sess)
	}
	if err != nil {
		return err
	}
	if now.Sub(time.Unix(seen, 0)) > seenEvery {
		sess.Set(sessSeen, now.Unix())
		if err := sess.Save(); err != nil {
			return err
		}
	}
	c.Locals(localPrincipal, p)
	return c.Next()
}

func (s *Server) endSession(c *fiber.Ctx, sess *session.Session) error {
	if err := sess.Destroy(); err != nil {
		return err
	}
	fresh, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	c.Locals(localSession, fresh)
	return c.Next()
}

func (s *Server) principalFor(kind, id string) (*principal, error) {
	switch kind {
	case principalClient:
		cl, err := s.store.ClientByID(id)
		if err != nil {
			return nil, err
		}
		return &principal{Kind: kind, ID: id, Client: cl}, nil
	}
	return nil, store.ErrNotFound
}

// startSession signs a principal in on this browser: the session gets a new ID (so an ID
// planted before sign-in is worthless), the sign-in time, and what prev (the previous
// sign-in, if any) recorded.
func (s *Server) startSession(c *fiber.Ctx, kind, id string, prev *store.Entry) error {
	sess := currentSession(c)
	if err := sess.Regenerate(); err != nil {
		return err
	}
	now := time.Now().Unix()
	sess.Set(sessKind, kind)
	sess.Set(sessID, id)
	sess.Set(sessStarted, now)
	sess.Set(sessSeen, now)
	if prev != nil {
		sess.Set(sessPrevAt, prev.At.Unix())
		sess.Set(sessPrevIP, prev.IP)
		sess.Set(sessPrevUA, prev.UserAgent)
	}
	return sess.Save()
}

// requireSignedIn lets the request through only for a signed-in principal. Anybody else goes
// to the sign-in page, and comes back to where they were going after signing in.
func requireSignedIn(c *fiber.Ctx) error {
	if currentPrincipal(c) != nil {
		return c.Next()
	}
	target := "/login"
	if c.Method() == fiber.MethodGet && c.Path() != "/" {
		target += "?next=" + url.QueryEscape(string(c.Request().URI().RequestURI()))
	}
	if isHTMX(c) {
		c.Set("HX-Redirect", target)
		return c.SendStatus(fiber.StatusUnauthorized)
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// safeNext returns next when it is a path on this site, else "/zona": a sign-in link can
// never send a person elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/zona"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/zona"
	}
	return next
}
