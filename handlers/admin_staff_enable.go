package handlers

import "github.com/gofiber/fiber/v2"

// enableStaff lets a disabled staff member sign in again (their old sessions stay ended).
func (s *Server) enableStaff(c *fiber.Ctx) error { return s.setStaffDisabled(c, false) }
