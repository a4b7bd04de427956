package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// sessionsPage builds "Sesiones y dispositivos" for the principal.
func (s *Server) sessionsPage(c *fiber.Ctx, notice string) error {
	p := currentPrincipal(c)
	devices, err := s.store.Devices(p.ClientID(), p.person(), time.Now().Add(-s.cfg.IdleTimeout))
	if err != nil {
		return err
	}
	ctx := views.WithCtx(c.UserContext(), s.viewCtx(c))
	current := deviceHash(currentSession(c).id)
	page := views.SessionsPage{Notice: notice}
	for _, d := range devices {
		page.Devices = append(page.Devices, views.DeviceRow{
			Hash: d.Hash, Device: views.Device(ctx, d.UserAgent), IP: d.IP,
			Started: d.Started, LastSeen: d.LastSeen, Current: d.Hash == current, Method: d.Method,
		})
	}
	return s.render(c, fiber.StatusOK, s.tr(c).T("page.sessions.title"), views.Sessions(page))
}

func (s *Server) showSessions(c *fiber.Ctx) error { return s.sessionsPage(c, "") }

// revokeSession signs out one other session of the principal. The ID in the URL is only
// looked for among the principal's own sessions (a contact's, or the owner's).
func (s *Server) revokeSession(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	hash := c.Params("id")
	if hash == deviceHash(currentSession(c).id) {
		return userError(fiber.StatusBadRequest, "error.bad_request")
	}
	ev := s.event(c, p, store.KindSessionEnded)
	n, err := s.store.EndDevices(p.ClientID(), p.person(), []string{hash}, "", ev)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return s.afterRevoke(c, s.tr(c).T("page.sessions.revoked"))
}

// revokeOtherSessions signs out every session of the principal but this one.
func (s *Server) revokeOtherSessions(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	ev := s.event(c, p, store.KindSessionEnded)
	ev.Detail = map[string]string{"scope": "others"}
	if _, err := s.store.EndDevices(p.ClientID(), p.person(), nil, deviceHash(currentSession(c).id), ev); err != nil {
		return err
	}
	return s.afterRevoke(c, s.tr(c).T("page.sessions.revoked_others"))
}

func (s *Server) afterRevoke(c *fiber.Ctx, notice string) error {
	if isHTMX(c) {
		return s.sessionsPage(c, notice)
	}
	return c.Redirect("/sessions", fiber.StatusSeeOther)
}
