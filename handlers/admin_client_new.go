package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
	"zona/views"
)

// newClientForm is the console's form that creates a client, as typed: the identity block
// of the customer's own form (same fields, rules and messages) and a language.
type newClientForm struct {
	identityForm
	lang string
	errs map[string]string
}

func parseNewClient(c *fiber.Ctx) *newClientForm {
	f := &newClientForm{errs: map[string]string{}}
	f.identityForm = parseIdentity(c, f.errs)
	f.lang = c.FormValue(fLang)
	f.identityForm.validate(f.errs)
	if f.lang != "" && !locales.Supported(f.lang) {
		f.errs[fLang] = "form.choose_option"
	}
	return f
}

func (f *newClientForm) page(t *locales.Translator, notice string) views.AdminClientNewPage {
	langs := []views.Option{{Value: locales.ES, Label: "Español"}, {Value: locales.EN, Label: "English"}}
	msg := ""
	if k := f.errs[fLang]; k != "" {
		msg = t.T(k)
	}
	return views.AdminClientNewPage{
		Identity: f.identityForm.view(t, f.errs, ""),
		Lang:     views.Select{Name: fLang, Label: t.T("field.lang"), Value: f.lang, Options: langs, Error: msg},
		Error:    notice,
	}
}

// showNewClient is the console's form that creates a client.
func (s *Server) showNewClient(c *fiber.Ctx) error {
	t := s.tr(c)
	f := &newClientForm{identityForm: identityOf("", "", "", "", store.Address{}), lang: locales.ES, errs: map[string]string{}}
	return s.render(c, fiber.StatusOK, t.T("page.admin.clients.new"), views.AdminClientNew(f.page(t, "")))
}

// createClient creates a client without a password and sends the welcome: a link to set
// one (sendWelcome). The new client's history records the creation and the welcome with
// the staff member's name.
func (s *Server) createClient(c *fiber.Ctx) error {
	t := s.tr(c)
	f := parseNewClient(c)
	again := func() error {
		return s.render(c, fiber.StatusOK, t.T("page.admin.clients.new"), views.AdminClientNew(f.page(t, t.T("form.fix_errors"))))
	}
	if len(f.errs) > 0 {
		return again()
	}
	cl := &store.Client{Email: f.Email, FirstName: f.FirstName, LastName: f.LastName, Company: f.Company,
		Address: f.Address, Lang: f.lang}
	ev := s.staffEvent(c, store.KindAccountCreated)
	ev.Detail = map[string]string{"via": "console"}
	if err := s.store.CreateClient(cl, ev); errors.Is(err, store.ErrEmailTaken) {
		f.errs[fEmail] = "error.email_taken"
		return again()
	} else if err != nil {
		return err
	}
	if err := s.sendWelcome(c, cl, s.staffEvent(c, "")); err != nil {
		return err
	}
	if isHTMX(c) {
		c.Set("HX-Retarget", "#main")
		c.Set("HX-Reswap", "innerHTML")
		c.Set("HX-Push-Url", "/admin/clients/"+cl.ID)
	}
	return s.afterClientChange(c, cl, "created")
}
