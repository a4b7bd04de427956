package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/views"
)

// adminSessionsPath is the staff member's own list of console sessions.
const adminSessionsPath = "/admin/sessions"

// showStaffSessions lists the signed-in staff member's own console sessions.
func (s *Server) showStaffSessions(c *fiber.Ctx) error { return s.staffSessionsPage(c, "") }

func (s *Server) staffSessionsPage(c *fiber.Ctx, notice string) error {
	st := currentStaff(c)
	devices, err := s.store.StaffDevices(st.ID)
	if err != nil {
		return err
	}
	ctx := views.WithCtx(c.UserContext(), s.viewCtx(c))
	current := deviceHash(currentSession(c).id)
	page := views.SessionsPage{Notice: notice, Base: adminSessionsPath}
	for _, d := range devices {
		page.Devices = append(page.Devices, views.DeviceRow{Hash: d.Hash, Device: views.Device(ctx, d.UserAgent), IP: d.IP,
			Started: d.Started, LastSeen: d.Started, Current: d.Hash == current})
	}
	return s.render(c, fiber.StatusOK, s.tr(c).T("page.sessions.title"), views.Sessions(page))
}

// revokeStaffSession ends one other console session of the signed-in staff member; a hash
// that is not one of theirs is not found.
func (s *Server) revokeStaffSession(c *fiber.Ctx) error {
	st := currentStaff(c)
	hash := c.Params("id")
	if hash == deviceHash(currentSession(c).id) {
		return userError(fiber.StatusBadRequest, "error.bad_request")
	}
	n, err := s.store.EndStaffDevices(st.ID, []string{hash}, "")
	if err != nil {
		return err
	}
	if n == 0 {
		return userError(fiber.StatusNotFound, "error.not_found")
	}
	s.log.Info("staff session ended", "staff", st.ID, "ip", c.IP())
	return s.afterStaffRevoke(c, s.tr(c).T("page.sessions.revoked"))
}

// revokeOtherStaffSessions ends every console session of the staff member but this one.
func (s *Server) revokeOtherStaffSessions(c *fiber.Ctx) error {
	st := currentStaff(c)
	if _, err := s.store.EndStaffDevices(st.ID, nil, deviceHash(currentSession(c).id)); err != nil {
		return err
	}
	s.log.Info("staff sessions ended", "staff", st.ID, "scope", "others", "ip", c.IP())
	return s.afterStaffRevoke(c, s.tr(c).T("page.sessions.revoked_others"))
}

func (s *Server) afterStaffRevoke(c *fiber.Ctx, notice string) error {
	if isHTMX(c) {
		return s.staffSessionsPage(c, notice)
	}
	return c.Redirect(adminSessionsPath, fiber.StatusSeeOther)
}
