package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// showEmail is "Ver Mensaje": for htmx the viewer that opens inside the archive, else the
// message's own page. The ID is looked up in the principal's account only, so another
// account's message is not found; so is, for a contact, a message not addressed to it.
func (s *Server) showEmail(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	m, err := s.messageFor(p, c.Params("id"))
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
		if p.Contact != nil && cp.PersonID != p.Contact.ID {
			continue // a contact sees its own copy, not who else received the message
		}
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

// messageFor is the message id of p's account that p may read: any for the owner, for a
// contact only one with a copy addressed to it (else ErrNotFound, as for another account's).
func (s *Server) messageFor(p *principal, id string) (*store.Message, error) {
	m, err := s.store.MessageByID(p.ClientID(), id)
	if err != nil {
		return nil, err
	}
	if p.Contact != nil && !m.AddressedTo(p.Contact.ID) {
		return nil, store.ErrNotFound
	}
	return m, nil
}
