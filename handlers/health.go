package handlers

import "github.com/gofiber/fiber/v2"

// health answers the liveness probe: the process serves requests and its store answers.
func (s *Server) health(c *fiber.Ctx) error {
	if _, err := s.store.HasStaff(); err != nil {
		s.log.Error("health check", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("store unavailable")
	}
	return c.SendString("ok")
}
