package handlers

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// loadStaff goes on with a staff session of the operator console: the staff account must
// still exist with the revision it had at sign-in (a password change ends the session).
// Timeouts were checked by loadSession. A staff session has no device record: it lives in
// the sessions store alone, which sign-out clears.
func (s *Server) loadStaff(c *fiber.Ctx, ws *webSession, now time.Time) error {
	st, err := s.store.StaffByID(ws.data.PID)
	if errors.Is(err, store.ErrNotFound) {
		return s.endSession(c, ws)
	}
	if err != nil {
		return err
	}
	if st.Rev != ws.data.Rev {
		return s.endSession(c, ws)
	}
	c.Locals(localStaff, st)
	id := ws.id
	err = c.Next()
	if now.Sub(time.Unix(ws.data.Seen, 0)) <= seenEvery || ws.id != id || ws.data.PID == "" {
		return err
	}
	ws.data.Seen = now.Unix()
	if serr := s.writeSession(c, ws); serr != nil {
		return errors.Join(err, serr)
	}
	return err
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

// staffMenu is the user menu of a staff member ("Salir" is always added by the layout).
func staffMenu() []views.MenuItem {
	return []views.MenuItem{{Href: "/admin", MsgKey: "menu.clients", TestID: "menu-clients"}}
}
