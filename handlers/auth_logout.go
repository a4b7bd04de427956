package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/store"
)

// signOut ("Salir") ends the session on the server, forgets the CSRF token and tells the
// browser to drop what it kept of the site, so that nothing of the account can be seen again
// from this browser, not even with the Back button.
func (s *Server) signOut(c *fiber.Ctx) error {
	ws := currentSession(c)
	if p := currentPrincipal(c); p != nil {
		if _, err := s.store.EndDevices(p.ClientID(), p.person(), []string{deviceHash(ws.id)}, "", s.event(c, p, store.KindSignOut)); err != nil {
			return err
		}
	}
	if err := s.dropSession(c, ws); err != nil {
		return err
	}
	s.forgetCSRF(c)
	c.Set("Clear-Site-Data", `"cache", "storage"`)
	if isHTMX(c) {
		c.Set("HX-Redirect", "/login")
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}
