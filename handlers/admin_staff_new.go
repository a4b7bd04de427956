package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/mail"
	"zona/store"
	"zona/views"
)

// staffForm is the form that adds a staff member, as typed.
type staffForm struct {
	name, email, role string
	errs              map[string]string
}

func parseStaffForm(c *fiber.Ctx) *staffForm {
	f := &staffForm{errs: map[string]string{}, role: c.FormValue("role")}
	var ok bool
	f.name, ok = formText(c, "name", false)
	if k := checkText(f.name, ok, maxNameLen); k != "" {
		f.errs["name"] = k
	}
	f.email, ok = formText(c, "email", false)
	if k := checkEmail(f.email, ok); k != "" {
		f.errs["email"] = k
	}
	if !store.ValidRole(f.role) {
		f.errs["role"] = "error.staff_role"
	}
	return f
}

func (f *staffForm) page(t *locales.Translator, notice string) views.StaffNewPage {
	msg := func(field string) string {
		if k := f.errs[field]; k != "" {
			return t.T(k)
		}
		return ""
	}
	role := views.Select{Name: "role", Label: t.T("field.role"), Value: f.role, Error: msg("role"), Required: true}
	for _, r := range store.Roles {
		role.Options = append(role.Options, views.Option{Value: r, Label: roleLabel(t, r) + " — " + t.T("role."+r+".what")})
	}
	return views.StaffNewPage{
		Name: views.Field{Name: "name", Label: t.T("field.name"), Type: "text", Value: f.name, Error: msg("name"),
			Autocomplete: "off", Required: true, MaxLength: maxNameLen},
		Email: views.Field{Name: "email", Label: t.T("field.email"), Type: "email", Value: f.email, Error: msg("email"),
			Autocomplete: "off", Required: true, MaxLength: maxEmailLen},
		Role:  role,
		Error: notice,
	}
}

// showNewStaff is the form that adds a staff member.
func (s *Server) showNewStaff(c *fiber.Ctx) error {
	t := s.tr(c)
	f := &staffForm{role: store.RoleSupport}
	return s.render(c, fiber.StatusOK, t.T("page.admin.staff.new"), views.AdminStaffNew(f.page(t, "")))
}

// inviteStaff adds a staff member without a password and mails them a one-time link to
// choose their own: the admin never picks or sees another person's password. The change
// belongs to no client, so it goes to the log with the admin who made it.
func (s *Server) inviteStaff(c *fiber.Ctx) error {
	t := s.tr(c)
	f := parseStaffForm(c)
	again := func(notice string) error {
		return s.render(c, fiber.StatusOK, t.T("page.admin.staff.new"), views.AdminStaffNew(f.page(t, notice)))
	}
	if len(f.errs) > 0 {
		return again("")
	}
	tok := newToken()
	st := &store.Staff{Name: f.name, Email: f.email, Role: f.role}
	if err := s.store.InviteStaff(st, tok.hash); errors.Is(err, store.ErrEmailTaken) {
		f.errs["email"] = "error.staff_email_taken"
		return again("")
	} else if err != nil {
		return err
	}
	if err := s.sendStaffInvitation(c, st, tok.value); err != nil {
		return err
	}
	s.log.Info("staff member invited", "staff", st.ID, "role", st.Role, "by", currentStaff(c).ID, "ip", c.IP())
	if !isHTMX(c) {
		return c.Redirect("/admin/staff?saved=invited", fiber.StatusSeeOther)
	}
	c.Set("HX-Push-Url", "/admin/staff")
	return s.renderStaffList(c, t.T("page.admin.staff.invited_notice"), "")
}

// sendStaffInvitation mails st the link to set their password, to st alone.
func (s *Server) sendStaffInvitation(c *fiber.Ctx, st *store.Staff, tok string) error {
	d := mail.TemplateData{Name: st.Name, Link: s.link("/admin/invite/" + tok), Valid: store.InviteValid}
	r, err := mail.Render(mail.TplStaffInvitation, s.tr(c).Lang(), s.cfg.Brand, s.cfg.Location, d)
	if err != nil {
		return err
	}
	return s.mailer.SendStaff(st, r)
}
