package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
	"zona/views"
)

// showStaff lists the staff members with their role and state, and the buttons to
// disable, enable or invite again (admins only, by the route table).
func (s *Server) showStaff(c *fiber.Ctx) error {
	notice := ""
	if c.Query("saved") == "invited" {
		notice = s.tr(c).T("page.admin.staff.invited_notice")
	}
	return s.renderStaffList(c, notice, "")
}

// renderStaffList answers with the staff list and a notice (success) or error.
func (s *Server) renderStaffList(c *fiber.Ctx, notice, failure string) error {
	t := s.tr(c)
	list, err := s.store.ListStaff()
	if err != nil {
		return err
	}
	me := currentStaff(c)
	p := views.StaffListPage{Notice: notice, Error: failure}
	for _, st := range list {
		p.Rows = append(p.Rows, views.StaffRow{ID: st.ID, Name: st.Name, Email: st.Email, Role: roleLabel(t, st.RoleOrAdmin()),
			State: staffState(t, &st), Disabled: st.Disabled, Invited: st.Invited(), Self: st.ID == me.ID})
	}
	return s.render(c, fiber.StatusOK, t.T("page.admin.staff.title"), views.AdminStaff(p))
}

func roleLabel(t *locales.Translator, role string) string { return t.T("role." + role) }

// staffState is a staff member's state in words: disabled, invited (no password yet) or
// active.
func staffState(t *locales.Translator, st *store.Staff) string {
	switch {
	case st.Disabled:
		return t.T("page.admin.staff.disabled")
	case st.Invited():
		return t.T("page.admin.staff.invited")
	}
	return t.T("page.admin.staff.active")
}
