package handlers

import (
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"

	"zona/secure"
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

	localSession     = "session"
	localSessionDone = "session_done"
	localPrincipal   = "principal"

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
// A session past its idle or absolute timeout, ended from another device, or whose person
// no longer exists, is destroyed here: the request goes on signed out.
//
// Fiber releases a session to its pool when it is saved, so nothing may touch it after
// Save: handlers that save or destroy it go through saveSession and destroySession, and the
// last-seen refresh is saved here after the handler ran, unless a handler already did.
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
	// A session ended elsewhere (a password change, "cerrar sesión" from another device)
	// has lost its device record.
	hash := deviceHash(sess.ID())
	active, err := s.store.DeviceActive(p.ClientID(), hash)
	if err != nil {
		return err
	}
	if !active {
		return s.endSession(c, sess)
	}
	c.Locals(localPrincipal, p)
	err = c.Next()
	if now.Sub(time.Unix(seen, 0)) <= seenEvery || c.Locals(localSessionDone) != nil {
		return err
	}
	sess.Set(sessSeen, now.Unix())
	if serr := s.saveSession(c, sess); serr != nil {
		return errors.Join(err, serr)
	}
	if terr := s.store.TouchDevice(p.ClientID(), hash, c.IP(), now); terr != nil && !errors.Is(terr, store.ErrNotFound) {
		return errors.Join(err, terr)
	}
	return err
}

// saveSession stores sess and returns; sess is unusable afterwards (Fiber pools it).
func (s *Server) saveSession(c *fiber.Ctx, sess *session.Session) error {
	c.Locals(localSessionDone, true)
	return sess.Save()
}

// destroySession deletes sess from the store and expires its cookie.
func (s *Server) destroySession(c *fiber.Ctx, sess *session.Session) error {
	c.Locals(localSessionDone, true)
	return sess.Destroy()
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

// startSession signs p in on this browser: the session gets a new ID (so an ID planted
// before sign-in is worthless), the sign-in time and what prev (the previous sign-in, if
// any) recorded; the device list gets this session, and the history the sign-in.
func (s *Server) startSession(c *fiber.Ctx, p *principal, prev *store.Entry) error {
	sess := currentSession(c)
	if err := sess.Regenerate(); err != nil {
		return err
	}
	now := time.Now()
	sess.Set(sessKind, p.Kind)
	sess.Set(sessID, p.ID)
	sess.Set(sessStarted, now.Unix())
	sess.Set(sessSeen, now.Unix())
	if prev != nil {
		sess.Set(sessPrevAt, prev.At.Unix())
		sess.Set(sessPrevIP, prev.IP)
		sess.Set(sessPrevUA, prev.UserAgent)
	}
	sid := sess.ID()
	if err := s.saveSession(c, sess); err != nil {
		return err
	}
	return s.store.StartDevice(p.ClientID(), s.device(c, sid, now), s.event(c, p, store.KindSignIn))
}

// device is the device record of session id, started at started, as seen in this request.
func (s *Server) device(c *fiber.Ctx, id string, started time.Time) *store.Device {
	return &store.Device{
		Hash: deviceHash(id), Started: started.UTC(), LastSeen: time.Now().UTC(),
		Expires: started.Add(s.cfg.AbsoluteTimeout).UTC(), IP: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 512),
	}
}

// deviceHash is how a session is named outside the sessions store: the SHA-256 of its ID.
func deviceHash(id string) string { return hex.EncodeToString(secure.TokenHash(id)) }

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
