package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/views"
)

// checkStrength answers the live meter: the verdict on the new password as it is typed.
// Nothing of the password is logged or stored.
func (s *Server) checkStrength(c *fiber.Ctx) error {
	return s.renderStrength(c, c.FormValue("new"), personalOfPrincipal(currentPrincipal(c)))
}

// renderStrength answers with the meter fragment for pw.
func (s *Server) renderStrength(c *fiber.Ctx, pw string, personal []string) error {
	strength := strengthView(s.tr(c), pw, secure.EvaluatePassword(pw, personal...))
	c.Status(fiber.StatusOK)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Vary("HX-Request")
	return views.StrengthMeter(strength).Render(views.WithCtx(c.UserContext(), s.viewCtx(c)), c.Response().BodyWriter())
}
