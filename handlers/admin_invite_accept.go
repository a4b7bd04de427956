package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
	"zona/views"
)

// invitedStaff is the staff member of the live invitation in the URL, looked up like a
// contact's invitation (linkRecord): guessing links is refused after a few.
func (s *Server) invitedStaff(c *fiber.Ctx) (*store.Staff, []byte, error) {
	return linkRecord(s, c, s.store.StaffInvitation, store.ErrStaffInvite, "error.staff_invite")
}

func personalOfStaff(st *store.Staff) []string { return []string{st.Email, st.Name} }

func (s *Server) staffInvitePage(c *fiber.Ctx, st *store.Staff, f *passwordForm) views.StaffInvitePage {
	pf := f.page(s.tr(c), "")
	return views.StaffInvitePage{Token: c.Params("token"), Name: st.Name, Email: st.Email,
		New: pf.New, Confirm: pf.Confirm, Strength: pf.Strength}
}

// showStaffInvite is the form where an invited staff member chooses their password.
func (s *Server) showStaffInvite(c *fiber.Ctx) error {
	st, _, err := s.invitedStaff(c)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, s.tr(c).T("page.admin.invite.title"), views.StaffInvite(s.staffInvitePage(c, st, &passwordForm{})))
}

// checkStaffInviteStrength is the live meter of the staff invitation form.
func (s *Server) checkStaffInviteStrength(c *fiber.Ctx) error {
	st, _, err := s.invitedStaff(c)
	if err != nil {
		return err
	}
	return s.renderStrength(c, c.FormValue("new"), personalOfStaff(st))
}

// acceptStaffInvite sets the invited staff member's password under the password policy;
// the link works once. The member then signs in at /admin/login.
func (s *Server) acceptStaffInvite(c *fiber.Ctx) error {
	st, hash, err := s.invitedStaff(c)
	if err != nil {
		return err
	}
	t := s.tr(c)
	f := parseNewPassword(c, personalOfStaff(st))
	if len(f.errs) > 0 {
		return s.render(c, fiber.StatusOK, t.T("page.admin.invite.title"), views.StaffInvite(s.staffInvitePage(c, st, f)))
	}
	pw, err := secure.Hash(c.UserContext(), f.new)
	if err != nil {
		return err
	}
	if _, err := s.store.AcceptStaffInvitation(hash, pw); errors.Is(err, store.ErrStaffInvite) {
		return userError(fiber.StatusGone, "error.staff_invite")
	} else if err != nil {
		return err
	}
	s.log.Info("staff member set their password", "staff", st.ID, "ip", c.IP())
	return s.render(c, fiber.StatusOK, t.T("page.admin.invite.title"), views.StaffInvite(views.StaffInvitePage{Done: true}))
}
