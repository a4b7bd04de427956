package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/views"
)

// showEmail is "Ver Mensaje": for htmx the viewer that opens inside the archive, else the
// message's own page. The ID is looked up in the principal's account only, so another
// account's message is not found.
func (s *Server) showEmail(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	m, err := s.store.MessageByID(p.ClientID(), c.Params("id"))
	if err != nil {
		return err
	}
	if c.Query("close") != "" && isHTMX(c) {
		c.Vary("HX-Request")
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString("")
	}
	v := views.EmailView{
		ID: m.ID, At: m.At, Subject: m.Subject, From: m.From, Category: m.Category, Status: m.Status(),
		Text: c.Query("view") == "text", Images: c.Query("images") == "1",
	}
	for _, cp := range m.Copies {
		v.Copies = append(v.Copies, views.EmailCopy{To: cp.To, Status: cp.Status, Attempts: cp.Attempts, Error: cp.LastError})
	}
	if v.Text {
		body, err := s.store.MessageBodyByID(p.ClientID(), m.ID)
		if err != nil {
			return err
		}
		v.Body = body.Text
	}
	if isHTMX(c) {
		return s.render(c, fiber.StatusOK, m.Subject, views.EmailViewer(v))
	}
	return s.render(c, fiber.StatusOK, m.Subject, views.EmailPage(v))
}
