package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// showEmail is "Ver Mensaje": for htmx the viewer that opens inside the archive, else the
// message's own page. The ID is looked up in the principal's account only, so another
// account's message is not found; so is one the principal may not open (messageFor). Each
// copy's delivery is shown in words: the SMTP server's answer is for staff.
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
	return s.renderEmail(c, p, m, "")
}

// renderEmail shows m to p, in the viewer for htmx and on its own page otherwise, with
// notice (the outcome of an action on it) when not empty.
func (s *Server) renderEmail(c *fiber.Ctx, p *principal, m *store.Message, notice string) error {
	v := views.EmailView{
		ID: m.ID, At: m.At, Subject: m.Subject, From: m.From, Category: m.Category, Status: m.Status(),
		Text: c.Query("view") == "text", Images: c.Query("images") == "1", Notice: notice,
	}
	for _, cp := range m.Copies {
		if p.Contact != nil && cp.PersonID != p.Contact.ID {
			continue // a contact sees its own copy, not who else received the message
		}
		v.Copies = append(v.Copies, views.EmailCopy{To: cp.To, Status: cp.Status})
	}
	for i, a := range m.Attachments {
		v.Attachments = append(v.Attachments, views.EmailAttachment{
			URL: "/emails/" + m.ID + "/attachments/" + strconv.Itoa(i+1), Name: a.Name, Type: a.Type, Size: a.Size})
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

// messageFor is the message id of p's account that p may open (store.Message.OpenableBy):
// for a contact one addressed to it, for the owner any but another person's security mail.
// Any other is ErrNotFound, as another account's is.
func (s *Server) messageFor(p *principal, id string) (*store.Message, error) {
	m, err := s.store.MessageByID(p.ClientID(), id)
	if err != nil {
		return nil, err
	}
	if !m.OpenableBy(p.person()) {
		return nil, store.ErrNotFound
	}
	return m, nil
}
