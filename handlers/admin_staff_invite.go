package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/store"
)

// reinviteStaff sends a staff member who has not set a password yet a new invitation
// link; the old link stops working.
func (s *Server) reinviteStaff(c *fiber.Ctx) error {
	tok := newToken()
	st, err := s.store.ReinviteStaff(c.Params("id"), tok.hash)
	if errors.Is(err, store.ErrStaffInvite) {
		return s.staffListAfter(c, "", s.tr(c).T("error.staff_invite_done"))
	}
	if err != nil {
		return err
	}
	if err := s.sendStaffInvitation(c, st, tok.value); err != nil {
		return err
	}
	s.log.Info("staff member invited again", "staff", st.ID, "by", currentStaff(c).ID, "ip", c.IP())
	return s.staffListAfter(c, s.tr(c).T("page.admin.staff.invited_notice"), "")
}
