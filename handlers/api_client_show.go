package handlers

import "github.com/gofiber/fiber/v2"

// apiShowClient is one client (404 when the ID names none).
func (s *Server) apiShowClient(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(apiClientOf(cl))
}
