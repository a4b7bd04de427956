package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/views"
)

func (s *Server) showPassword(c *fiber.Ctx) error {
	t := s.tr(c)
	page := (&passwordForm{}).page(t, "")
	page.Saved = c.Query("saved") == "1"
	return s.render(c, fiber.StatusOK, t.T("page.password.title"), views.Password(page))
}
