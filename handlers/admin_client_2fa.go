package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/store"
	"zona/views"
)

// showClientFactors lists, in the console, the people of a client who have a second
// factor, each with the form that removes it after a PIN check.
func (s *Server) showClientFactors(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	return s.renderFactors(c, cl, "")
}

func (s *Server) renderFactors(c *fiber.Ctx, cl *store.Client, message string) error {
	t := s.tr(c)
	have, err := s.store.ClientFactors(cl.ID)
	if err != nil {
		return err
	}
	page := views.AdminFactorsPage{ClientID: cl.ID, Name: cl.Name(), Message: message,
		PIN: views.Field{Name: "pin", Label: t.T("field.pin"), Type: "password", Autocomplete: "off", Required: true, MaxLength: store.PINLength}}
	if have[""] {
		page.People = append(page.People, views.AdminFactorPerson{Name: cl.Name()})
	}
	contacts, err := s.store.ListContacts(cl.ID)
	if err != nil {
		return err
	}
	for _, ct := range contacts {
		if have[ct.ID] {
			page.People = append(page.People, views.AdminFactorPerson{ID: ct.ID, Name: ct.Name()})
		}
	}
	return s.render(c, fiber.StatusOK, cl.Name(), views.AdminFactors(page))
}

// removeClientFactor removes every second factor (TOTP and passkeys) of a client's owner
// (person "") or of one of its contacts, for someone who lost their phone. The caller's security PIN, typed by
// the staff member in the same request, must match first (store.VerifyPIN, limited per
// account and address, every check recorded); the removal is recorded in the client's
// history with the staff member's name, and the person is told by email.
func (s *Server) removeClientFactor(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	t := s.tr(c)
	person, _ := formText(c, "person", false)
	var ct *store.Contact
	if person != "" {
		if ct, err = s.store.ContactByID(cl.ID, person); err != nil {
			return err
		}
	}
	answer := func(msgKey string, args ...any) error { return s.renderFactors(c, cl, t.T(msgKey, args...)) }
	if have, err := s.store.ClientFactors(cl.ID); err != nil {
		return err
	} else if !have[person] {
		return answer("page.admin.client.2fa_none")
	}
	pin, ok := formText(c, "pin", false)
	if !ok || len(pin) != store.PINLength || !allDigits(pin) {
		return answer("form.pin_format")
	}
	if cl.PINHash == "" {
		return answer("page.admin.client.pin_unset")
	}
	st := currentStaff(c)
	ev := s.event(c, nil, "")
	ev.Actor = store.Actor{Kind: store.ActorStaff, ID: st.ID, Name: st.Name}
	res, wait, err := s.verifyPINFromIP(c, cl.ID, pin, ev)
	if err != nil {
		return err
	}
	switch res {
	case store.PINMatch:
	case store.PINLocked:
		return answer("page.admin.client.pin_locked", "Count", minutes(wait))
	default:
		return answer("page.admin.client.pin_no_match")
	}
	ev.Kind, ev.Detail = store.KindTwoFARemoved, map[string]string{"person": person}
	if err := s.store.RemoveAllFactors(cl.ID, person, ev); err != nil {
		return err
	}
	d := mail.TemplateData{When: time.Now(), IP: c.IP()}
	if err := s.sendPersonMail(c, personOf(cl, ct), mail.TplTwoFARemoved, d, ev.Actor); err != nil {
		return err
	}
	return answer("page.admin.client.2fa_removed")
}
