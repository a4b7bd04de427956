package handlers

import (
	"fmt"

	"github.com/dustin/go-humanize"
	"github.com/gofiber/fiber/v2"
)

// health answers the liveness probe: the process serves requests, its store answers, and
// the data volume has room for writes. While it has not, the probe says so (503): pages
// can be read but nothing can be saved until someone frees space.
func (s *Server) health(c *fiber.Ctx) error {
	if _, err := s.store.HasStaff(); err != nil {
		s.log.Error("health check", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("store unavailable")
	}
	if d := s.store.Disk(); d.Low() {
		return c.Status(fiber.StatusServiceUnavailable).SendString(fmt.Sprintf(
			"disk low: %s free on the data volume, under the floor of %s; writes are refused",
			humanize.IBytes(d.Free()), humanize.IBytes(d.Floor())))
	}
	return c.SendString("ok")
}
