package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// staffSignOut ("Salir" in the console) ends a staff session on the server and tells the
// browser to drop what it kept, as the client zone's sign-out does. A client's session is
// left alone: this form only ever signs staff out.
func (s *Server) staffSignOut(c *fiber.Ctx) error {
	if st := currentStaff(c); st != nil {
		ws := currentSession(c)
		if _, err := s.store.EndStaffDevices(st.ID, []string{deviceHash(ws.id)}, ""); err != nil {
			return err
		}
		if err := s.dropSession(c, ws); err != nil {
			return err
		}
		s.forgetCSRF(c)
		c.Set("Clear-Site-Data", `"cache", "storage"`)
		s.log.Info("staff signed out", "staff", st.ID, "ip", c.IP())
	}
	if isHTMX(c) {
		c.Set("HX-Redirect", "/admin/login")
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect("/admin/login", fiber.StatusSeeOther)
}
