package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/store"
)

// disableStaff disables a staff member: their sessions end at once and they cannot sign
// in. The last enabled admin cannot be disabled, nor can anyone disable themselves here
// (that is what "Salir" is for). It belongs to no client, so it is logged.
func (s *Server) disableStaff(c *fiber.Ctx) error { return s.setStaffDisabled(c, true) }

// setStaffDisabled disables or enables the staff member in the URL and answers with the
// list.
func (s *Server) setStaffDisabled(c *fiber.Ctx, disabled bool) error {
	t := s.tr(c)
	me := currentStaff(c)
	id := c.Params("id")
	if id == me.ID {
		return s.staffListAfter(c, "", t.T("error.staff_self"))
	}
	st, err := s.store.SetStaffDisabled(id, disabled)
	if errors.Is(err, store.ErrLastAdmin) {
		return s.staffListAfter(c, "", t.T("error.last_admin"))
	}
	if err != nil {
		return err // ErrNotFound is the 404 page
	}
	key, what := "page.admin.staff.enabled_notice", "staff member enabled"
	if disabled {
		key, what = "page.admin.staff.disabled_notice", "staff member disabled"
	}
	s.log.Info(what, "staff", st.ID, "by", me.ID, "ip", c.IP())
	return s.staffListAfter(c, t.T(key, "Name", st.Name), "")
}

// staffListAfter answers a change from the staff list: the list itself for htmx, else a
// redirect to it (the notice is then lost to a reload, which a plain form can bear).
func (s *Server) staffListAfter(c *fiber.Ctx, notice, failure string) error {
	if !isHTMX(c) && failure == "" {
		return c.Redirect("/admin/staff", fiber.StatusSeeOther)
	}
	return s.renderStaffList(c, notice, failure)
}
