package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// adminEmailsPageSize is how many messages a page of a client's archive shows in the console.
const adminEmailsPageSize = 20

// showClientEmails is a client's "Emails Recibidos" as staff read it: newest first, each
// copy with its delivery state, attempts, next try and the SMTP server's answer. A
// security (account) mail shows that it was sent and to whom, never its body.
func (s *Server) showClientEmails(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	t := s.tr(c)
	before := c.Query("before")
	if before != "" && !store.ValidID(before) {
		before = ""
	}
	msgs, next, err := s.store.ListMessages(cl.ID, store.MessageQuery{Before: before, Limit: adminEmailsPageSize})
	if err != nil {
		return err
	}
	p := views.AdminEmailsPage{ClientID: cl.ID, ClientName: cl.Name()}
	if c.Query("resent") != "" {
		p.Notice = t.T("page.admin.emails.resent")
	}
	for _, m := range msgs {
		row := views.AdminEmail{ID: m.ID, At: m.At, Subject: m.Subject, Category: t.T("category." + m.Category),
			Private: !m.OpenableByStaff()}
		for _, cp := range m.Copies {
			ac := adminCopy(t.T("copy_state."+cp.Status), cp)
			if !row.Private {
				ac.ResendURL = "/admin/clients/" + cl.ID + "/emails/" + m.ID + "/copies/" + cp.ID + "/resend"
			}
			row.Copies = append(row.Copies, ac)
		}
		p.Rows = append(p.Rows, row)
	}
	if next != "" {
		p.OlderURL = "/admin/clients/" + cl.ID + "/emails?before=" + next
	}
	return s.render(c, fiber.StatusOK, t.T("page.admin.emails.title", "Name", cl.Name()), views.AdminEmails(p))
}

// adminCopy is one copy's delivery as staff see it, its state in words.
func adminCopy(state string, cp store.Copy) views.AdminCopy {
	return views.AdminCopy{ID: cp.ID, To: cp.To, State: state, Status: cp.Status, Attempts: strconv.Itoa(cp.Attempts),
		Next: cp.NextAttempt, Answer: cp.LastError, Sent: cp.SentAt}
}

// showClientEmailBody serves a message's sanitised body for the console's sandboxed frame;
// a security mail's body is not found.
func (s *Server) showClientEmailBody(c *fiber.Ctx) error {
	m, err := s.store.MessageByID(c.Params("id"), c.Params("msg"))
	if err != nil {
		return err
	}
	if !m.OpenableByStaff() {
		return store.ErrNotFound
	}
	body, err := s.store.MessageBodyByID(m.ClientID, m.ID)
	if err != nil {
		return err
	}
	return serveEmailBody(c, body, false)
}
