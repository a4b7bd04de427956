package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/views"
)

// revokeToken deletes the API token named in the URL: it stops working at once.
func (s *Server) revokeToken(c *fiber.Ctx) error {
	name := c.Params("id")
	if err := s.store.RevokeAPIToken(name); err != nil {
		return err // ErrNotFound is the 404 page
	}
	s.log.Info("API token revoked", "name", name, "staff", currentStaff(c).ID, "ip", c.IP())
	if !isHTMX(c) {
		return c.Redirect("/admin/tokens?saved=revoked", fiber.StatusSeeOther)
	}
	return s.renderTokens(c, views.TokensPage{Notice: s.tr(c).T("page.admin.tokens.revoked")}, "", "")
}
