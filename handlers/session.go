package handlers

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
)

const (
	principalClient  = "client"
	principalContact = "contact"
	// principalStaff is the session kind of a staff member signed in to the operator
	// console; such a session is no one in the client zone.
	principalStaff = "staff"

	localSession   = "session"
	localPrincipal = "principal"
	localStaff     = "staff"
	localPending   = "pending"

	// seenEvery is how stale the session's last-seen time may get before a request writes it
	// again. Writing it on every request would cost a disk write per page.
	seenEvery = time.Minute

	// sessionPrefix namespaces session records in the sessions store.
	sessionPrefix = "sess."
)

// webSession is a browser's server-side session: a random 256-bit ID in the HttpOnly
// cookie, and a small record under sessionPrefix+ID in the sessions store, written only when
// it changes. Zona keeps this record itself rather than through Fiber's session middleware,
// which gob-decodes a map on every request (a fifth of a dashboard request, measured) and
// recycles the session object when it is saved.
type webSession struct {
	id   string // "" until the session is written
	data sessionData
}

// sessionData is what a session remembers. A zero PID means nobody is signed in.
type sessionData struct {
	Kind    string `json:"k"`
	PID     string `json:"p"`
	Started int64  `json:"s"` // unix seconds of sign-in
	Seen    int64  `json:"n"` // unix seconds of the last request, refreshed at most once a minute
	// The sign-in before this one, shown on the dashboard.
	PrevAt int64  `json:"pa,omitempty"`
	PrevIP string `json:"pi,omitempty"`
	PrevUA string `json:"pu,omitempty"`
	// CSRF is the session's CSRF token, made anew at every sign-in (csrf.go).
	CSRF string `json:"c,omitempty"`
	// Rev is, for a staff session, the staff record's revision at sign-in: a password
	// change raises it and so ends the session.
	Rev uint64 `json:"r,omitempty"`
	// Step is, for a session past its password but not signed in yet, what it still has
	// to do (stepCode or stepEnroll, login_2fa.go). Such a session opens nothing:
	// loadSession gives it no principal and no staff member, only its own CSRF token.
	Step string `json:"st,omitempty"`
	// Next is where a sign-in waiting for its second step leads once it passes.
	Next string `json:"x,omitempty"`
	// TOTP is a TOTP secret being set up on this session, until a first code confirms it.
	// It stays in the server-side record, never in a page's form or a log.
	TOTP string `json:"t,omitempty"`
}

// readSession returns the request's session: the stored one named by the cookie, or an
// empty one.
func (s *Server) readSession(c *fiber.Ctx) (*webSession, error) {
	id := c.Cookies(sessionCookie)
	if id == "" || len(id) > 128 {
		return &webSession{}, nil
	}
	raw, err := s.kv.Get(sessionPrefix + id)
	if err != nil || raw == nil {
		return &webSession{}, err
	}
	ws := &webSession{id: strings.Clone(id)}
	if err := json.Unmarshal(raw, &ws.data); err != nil {
		s.log.Warn("unreadable session record dropped", "err", err)
		return &webSession{}, nil
	}
	return ws, nil
}

// writeSession stores ws (giving it an ID first when it has none) and sets its cookie. The
// record lives for the idle timeout from its last write.
func (s *Server) writeSession(c *fiber.Ctx, ws *webSession) error {
	if ws.id == "" {
		ws.id = secure.Token()
	}
	raw, err := json.Marshal(ws.data)
	if err != nil {
		return err
	}
	if err := s.kv.Set(sessionPrefix+ws.id, raw, s.cfg.IdleTimeout); err != nil {
		return err
	}
	c.Cookie(s.sessionCookie(ws.id, false))
	return nil
}

// dropSession deletes ws from the store and expires its cookie; ws is empty afterwards.
func (s *Server) dropSession(c *fiber.Ctx, ws *webSession) error {
	if ws.id != "" {
		if err := s.kv.Delete(sessionPrefix + ws.id); err != nil {
			return err
		}
		c.Cookie(s.sessionCookie("", true))
	}
	*ws = webSession{}
	return nil
}

// renewSessionID moves ws to a new ID (deleting the old record); the caller writes it.
func (s *Server) renewSessionID(ws *webSession) error {
	if ws.id != "" {
		if err := s.kv.Delete(sessionPrefix + ws.id); err != nil {
			return err
		}
	}
	ws.id = secure.Token()
	return nil
}

func (s *Server) sessionCookie(value string, expire bool) *fiber.Cookie {
	ck := &fiber.Cookie{Name: sessionCookie, Value: value, Path: "/", Secure: s.cfg.SecureCookies,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, SessionOnly: !expire}
	if expire {
		ck.Expires = time.Unix(1, 0)
		ck.MaxAge = -1
	}
	return ck
}

// principal is the person a request acts for: the account owner (Kind principalClient,
// ID the client's) or one of its contacts with access (Kind principalContact, ID the
// contact's, Contact set). Client is the account either way.
type principal struct {
	Kind    string
	ID      string
	Client  *store.Client
	Contact *store.Contact
}

// personOf is the principal for the owner of cl, or for its contact ct when ct is not nil.
func personOf(cl *store.Client, ct *store.Contact) *principal {
	if ct != nil {
		return &principal{Kind: principalContact, ID: ct.ID, Client: cl, Contact: ct}
	}
	return &principal{Kind: principalClient, ID: cl.ID, Client: cl}
}

// Name is how the principal is shown in the user menu.
func (p *principal) Name() string {
	if p.Contact != nil {
		return p.Contact.Name()
	}
	return p.Client.Name()
}

// Email is the principal's sign-in email.
func (p *principal) Email() string {
	if p.Contact != nil {
		return p.Contact.Email
	}
	return p.Client.Email
}

// ClientID is the account the principal acts in.
func (p *principal) ClientID() string { return p.Client.ID }

// isOwner reports whether the principal is the account owner.
func (p *principal) isOwner() bool { return p.Contact == nil }

// person is the principal's ID among the account's people: "" for the owner, the
// contact's ID for a contact (as sessions and mail copies name them).
func (p *principal) person() string {
	if p.Contact != nil {
		return p.Contact.ID
	}
	return ""
}

// may reports whether the principal may open area: the owner everything, a contact the
// areas it holds.
func (p *principal) may(area string) bool { return p.isOwner() || p.Contact.HasArea(area) }

// lang is the principal's saved language, or "".
func (p *principal) lang() string {
	if p.Contact != nil {
		return p.Contact.Lang
	}
	return p.Client.Lang
}

// actor is the principal as recorded in a history.
func (p *principal) actor() store.Actor {
	if p.Contact != nil {
		return store.Actor{Kind: store.ActorContact, ID: p.ID, Name: p.Name()}
	}
	return store.Actor{Kind: store.ActorOwner, ID: p.ID, Name: p.Name()}
}

// sessionPID is how a session names its principal: a client's ID, or for a contact
// "<clientID>/<contactID>" (a contact is found under its account).
func (p *principal) sessionPID() string {
	if p.Contact != nil {
		return p.Client.ID + "/" + p.Contact.ID
	}
	return p.ID
}

func currentPrincipal(c *fiber.Ctx) *principal {
	p, _ := c.Locals(localPrincipal).(*principal)
	return p
}

func currentSession(c *fiber.Ctx) *webSession {
	ws, _ := c.Locals(localSession).(*webSession)
	return ws
}

// loadSession finds the request's session and, when someone is signed in, the principal.
// A session past its idle or absolute timeout, ended from another device, or whose person
// no longer exists (or whose account is suspended), is dropped here: the request goes on signed out. The last-seen time is
// written after the handler ran, at most once a minute, unless the handler replaced or
// dropped the session.
func (s *Server) loadSession(c *fiber.Ctx) error {
	if skipSession(c) {
		return c.Next()
	}
	ws, err := s.readSession(c)
	if err != nil {
		return err
	}
	c.Locals(localSession, ws)
	if ws.data.PID == "" {
		return c.Next()
	}
	now := time.Now()
	if now.Sub(time.Unix(ws.data.Started, 0)) > s.cfg.AbsoluteTimeout || now.Sub(time.Unix(ws.data.Seen, 0)) > s.cfg.IdleTimeout {
		return s.endSession(c, ws)
	}
	if ws.data.Step != "" {
		return s.loadPending(c, ws, now)
	}
	if ws.data.Kind == principalStaff {
		return s.loadStaff(c, ws, now)
	}
	p, err := s.principalFor(ws.data.Kind, ws.data.PID)
	if errors.Is(err, store.ErrNotFound) {
		return s.endSession(c, ws)
	}
	if err != nil {
		return err
	}
	// A session ended elsewhere (a password change, "cerrar sesión" from another device)
	// has lost its device record.
	id, hash := ws.id, deviceHash(ws.id)
	active, err := s.store.DeviceActive(p.ClientID(), hash)
	if err != nil {
		return err
	}
	if !active {
		return s.endSession(c, ws)
	}
	c.Locals(localPrincipal, p)
	err = c.Next()
	if now.Sub(time.Unix(ws.data.Seen, 0)) <= seenEvery || ws.id != id || ws.data.PID == "" {
		return err
	}
	// One request refreshes the last-seen time; others of the same session that arrive
	// meanwhile (a page and its htmx requests, a second tab) go on without writing.
	if _, busy := s.touching.LoadOrStore(hash, struct{}{}); busy {
		return err
	}
	defer s.touching.Delete(hash)
	ws.data.Seen = now.Unix()
	if serr := s.writeSession(c, ws); serr != nil {
		if errors.Is(serr, store.ErrDiskFull) {
			return err // the page was read all the same; a request after space returns refreshes the time
		}
		return errors.Join(err, serr)
	}
	if terr := s.store.TouchDevice(p.ClientID(), hash, c.IP(), now); terr != nil && !errors.Is(terr, store.ErrNotFound) && !errors.Is(terr, store.ErrDiskFull) {
		return errors.Join(err, terr)
	}
	return err
}

// endSession drops a session that may no longer be used; the request goes on signed out.
func (s *Server) endSession(c *fiber.Ctx, ws *webSession) error {
	if err := s.dropSession(c, ws); err != nil {
		return err
	}
	return c.Next()
}

func (s *Server) principalFor(kind, id string) (*principal, error) {
	switch kind {
	case principalClient:
		cl, err := s.store.ClientByID(id)
		if err != nil {
			return nil, err
		}
		if cl.Suspended() || cl.Closed() {
			return nil, store.ErrNotFound
		}
		return &principal{Kind: kind, ID: id, Client: cl}, nil
	case principalContact:
		clientID, contactID, _ := strings.Cut(id, "/")
		ct, err := s.store.ContactByID(clientID, contactID)
		if err != nil {
			return nil, err
		}
		if !ct.CanSignIn() {
			return nil, store.ErrNotFound
		}
		cl, err := s.store.ClientByID(clientID)
		if err != nil {
			return nil, err
		}
		if cl.Suspended() || cl.Closed() {
			return nil, store.ErrNotFound
		}
		return &principal{Kind: kind, ID: contactID, Client: cl, Contact: ct}, nil
	}
	// Any other kind (a staff session of the operator console among them) is no one in
	// the client zone: the request goes on signed out.
	return nil, store.ErrNotFound
}

// startSession signs p in on this browser: the session gets a new ID (so an ID planted
// before sign-in is worthless), the sign-in time and what prev (the previous sign-in, if
// any) recorded; the device list gets this session with the method that proved who it is
// (methodPassword, methodTOTP, ...), and the history the sign-in.
func (s *Server) startSession(c *fiber.Ctx, p *principal, prev *store.Entry, method string) error {
	ws := currentSession(c)
	if err := s.renewSessionID(ws); err != nil {
		return err
	}
	now := time.Now()
	ws.data = sessionData{Kind: p.Kind, PID: p.sessionPID(), Started: now.Unix(), Seen: now.Unix(), CSRF: secure.Token()}
	if prev != nil {
		ws.data.PrevAt, ws.data.PrevIP, ws.data.PrevUA = prev.At.Unix(), prev.IP, prev.UserAgent
	}
	if err := s.writeSession(c, ws); err != nil {
		return err
	}
	d := s.device(c, ws.id, now)
	d.Person, d.Method = p.person(), method
	ev := s.event(c, p, store.KindSignIn)
	ev.Detail = map[string]string{"method": method}
	return s.store.StartDevice(p.ClientID(), d, ev)
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
	return toSignIn(c, "/login")
}

// toSignIn sends the request to the sign-in page at login (an htmx request by HX-Redirect),
// carrying where a GET was going so that signing in leads back there.
func toSignIn(c *fiber.Ctx, login string) error {
	target := login
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
