package handlers

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPISpec is the OpenAPI 3.1 description of the JSON API. A test checks that it
// lists exactly the /api/v1 routes of the route table.
//
//go:embed openapi.json
var openAPISpec []byte

// showOpenAPI serves the API's OpenAPI document. It holds nothing secret, so it needs no
// token.
func (s *Server) showOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPISpec)
}
