package handlers

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
	"zona/views"
)

// loadStaff goes on with a staff session of the operator console: the staff account must
// still exist, enabled, with the revision it had at sign-in (a password change or being
// disabled moves it on), and the session's record (store.StaffDevice) must still be there
// (the member ended it from another browser). Timeouts were checked by loadSession.
func (s *Server) loadStaff(c *fiber.Ctx, ws *webSession, now time.Time) error {
	st, err := s.store.StaffByID(ws.data.PID)
	if errors.Is(err, store.ErrNotFound) {
		return s.endSession(c, ws)
	}
	if err != nil {
		return err
	}
	if st.Rev != ws.data.Rev || st.Disabled {
		return s.endSession(c, ws)
	}
	hash := deviceHash(ws.id)
	if active, err := s.store.StaffDeviceActive(st.ID, hash); err != nil {
		return err
	} else if !active {
		return s.endSession(c, ws)
	}
	c.Locals(localStaff, st)
	id := ws.id
	err = c.Next()
	if now.Sub(time.Unix(ws.data.Seen, 0)) <= seenEvery || ws.id != id || ws.data.PID == "" {
		return err
	}
	ws.data.Seen = now.Unix()
	if serr := s.writeSession(c, ws); serr != nil && !errors.Is(serr, store.ErrDiskFull) {
		return errors.Join(err, serr)
	}
	return err
}

// startStaffSession signs st in to the console on this browser: a new session ID, the
// staff record's revision, and a session record that "Sesiones y dispositivos" lists and
// ends. csrf is the session's CSRF token; "" makes a new one (a sign-in).
func (s *Server) startStaffSession(c *fiber.Ctx, st *store.Staff, csrf string) error {
	ws := currentSession(c)
	if err := s.renewSessionID(ws); err != nil {
		return err
	}
	now := time.Now()
	if csrf == "" {
		csrf = secure.Token()
	}
	ws.data = sessionData{Kind: principalStaff, PID: st.ID, Started: now.Unix(), Seen: now.Unix(), Rev: st.Rev, CSRF: csrf}
	d := &store.StaffDevice{Hash: deviceHash(ws.id), Started: now.UTC(), Expires: now.Add(s.cfg.AbsoluteTimeout).UTC(),
		IP: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 512)}
	if err := s.store.StartStaffDevice(st.ID, d); err != nil {
		return err
	}
	return s.writeSession(c, ws)
}

// staffEvent is a history event of kind made by the staff member signed in, with their
// name: everything staff do to an account is recorded in its history so.
func (s *Server) staffEvent(c *fiber.Ctx, kind string) store.Event {
	st := currentStaff(c)
	ev := s.event(c, nil, kind)
	ev.Actor = store.Actor{Kind: store.ActorStaff, ID: st.ID, Name: st.Name}
	return ev
}

// currentStaff is the staff member signed in to the console, or nil.
func currentStaff(c *fiber.Ctx) *store.Staff {
	st, _ := c.Locals(localStaff).(*store.Staff)
	return st
}

// requireStaff sends a request without a staff session to the console's sign-in page, to
// come back where it was going.
func requireStaff(c *fiber.Ctx) error { return toSignIn(c, "/admin/login") }

// staffNext is where the console's sign-in leads: next when it is a console page, else the
// list of clients.
func staffNext(next string) string {
	n := safeNext(next)
	if n == "/admin" || strings.HasPrefix(n, "/admin/") || strings.HasPrefix(n, "/admin?") {
		return n
	}
	return "/admin"
}

// staffMenu is the user menu of staff member st ("Salir" is always added by the layout):
// what the route table lets st open.
func staffMenu(st *store.Staff) []views.MenuItem {
	items := []views.MenuItem{{Href: "/admin", MsgKey: "menu.clients", TestID: "menu-clients"},
		{Href: "/admin/outbox", MsgKey: "menu.outbox", TestID: "menu-outbox"},
		{Href: "/admin/requests", MsgKey: "menu.requests", TestID: "menu-requests"}}
	if adminOnly.allowsStaff(st) {
		items = append(items, views.MenuItem{Href: "/admin/staff", MsgKey: "menu.staff", TestID: "menu-staff"},
			views.MenuItem{Href: "/admin/tokens", MsgKey: "menu.tokens", TestID: "menu-tokens"},
			views.MenuItem{Href: "/admin/retention", MsgKey: "menu.retention", TestID: "menu-retention"})
	}
	return append(items,
		views.MenuItem{Href: "/admin/password", MsgKey: "menu.password", TestID: "menu-password"},
		views.MenuItem{Href: "/admin/sessions", MsgKey: "menu.sessions", TestID: "menu-sessions"},
		views.MenuItem{Href: "/admin/security", MsgKey: "menu.security", TestID: "menu-security"})
}
