package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// outboxState is the monitor's list asked for: "failed", else "queued".
func outboxState(c *fiber.Ctx) string {
	if c.Query("state") == "failed" {
		return "failed"
	}
	return "queued"
}

// showOutbox is the outbox monitor: the copies waiting (?state=queued) or given up
// (?state=failed) across all clients, each with its SMTP answer, attempts and next try.
func (s *Server) showOutbox(c *fiber.Ctx) error { return s.renderOutbox(c, outboxState(c), "", "") }

func (s *Server) renderOutbox(c *fiber.Ctx, state, notice, failure string) error {
	t := s.tr(c)
	list := s.store.QueuedCopies
	if state == "failed" {
		list = s.store.FailedCopies
	}
	copies, err := list()
	if err != nil {
		return err
	}
	p := views.OutboxPage{State: state, Notice: notice, Error: failure}
	type owner struct{ name, url string }
	owners := map[string]owner{}
	for _, v := range copies {
		o, ok := owners[v.Message.ClientID]
		if !ok {
			// A staff member's own mail (an invitation) is filed under the staff ID, and
			// has no client page.
			if cl, err := s.store.ClientByID(v.Message.ClientID); err == nil {
				o = owner{cl.Name(), "/admin/clients/" + cl.ID}
			} else if st, err := s.store.StaffByID(v.Message.ClientID); err == nil {
				o = owner{name: st.Name}
			}
			owners[v.Message.ClientID] = o
		}
		p.Rows = append(p.Rows, views.OutboxRow{ClientURL: o.url, ClientName: o.name,
			Subject: v.Message.Subject, Category: t.T("category." + v.Message.Category),
			Copy:  adminCopy(t.T("copy_state."+v.Copy.Status), v.Copy),
			Retry: v.Copy.Status != store.CopySending && !(state == "failed" && v.Message.Category == store.CategoryAccount)})
	}
	return s.render(c, fiber.StatusOK, t.T("page.admin.outbox.title"), views.AdminOutbox(p))
}
