package handlers

import "github.com/gofiber/fiber/v2"

// reactivateClient lets a suspended account sign in again.
func (s *Server) reactivateClient(c *fiber.Ctx) error { return s.setSuspended(c, false) }
