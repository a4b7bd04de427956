package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// adminHistorySize is how many of a client's newest history entries the console shows.
const adminHistorySize = 50

// showClient is one client in the console: details, contacts, whether a PIN is set (never
// the PIN), the form to check a PIN a caller gives, and the newest history entries.
func (s *Server) showClient(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err // ErrNotFound is the 404 page
	}
	p, err := s.adminClientPage(c, cl, views.PINCheck{})
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, cl.Name(), views.AdminClient(p))
}

// adminClientPage is the console's page of cl with the PIN form pin (its field filled in
// here).
func (s *Server) adminClientPage(c *fiber.Ctx, cl *store.Client, pin views.PINCheck) (views.AdminClientPage, error) {
	t := s.tr(c)
	p := views.AdminClientPage{
		Name: cl.Name(),
		Identity: []views.Fact{
			{Label: t.T("field.first_name"), Value: cl.FirstName},
			{Label: t.T("field.last_name"), Value: cl.LastName},
			{Label: t.T("field.email"), Value: cl.Email},
			{Label: t.T("field.company"), Value: cl.Company},
			{Label: t.T("page.admin.clients.created"), Value: views.When(views.WithCtx(c.UserContext(), s.viewCtx(c)), cl.CreatedAt)},
		},
		Address: []views.Fact{
			{Label: t.T("field.phone"), Value: cl.Phone},
			{Label: t.T("field.street"), Value: cl.Street},
			{Label: t.T("field.colonia"), Value: cl.Colonia},
			{Label: t.T("field.city"), Value: cl.City},
			{Label: t.T("field.state"), Value: cl.State},
			{Label: t.T("field.postal_code"), Value: cl.PostalCode},
			{Label: t.T("field.country"), Value: cl.CountryOrDefault()},
		},
		Fiscal: []views.Fact{
			{Label: t.T("field.rfc"), Value: cl.Fiscal.RFC},
			{Label: t.T("field.razon_social"), Value: cl.Fiscal.RazonSocial},
			{Label: t.T("field.regimen"), Value: cl.Fiscal.Regimen},
			{Label: t.T("field.uso_cfdi"), Value: cl.Fiscal.UsoCFDI},
			{Label: t.T("field.cp_fiscal"), Value: cl.Fiscal.PostalCode},
		},
		PINSet:     cl.PINHash != "",
		PINChanged: cl.PINChangedAt,
		PIN:        pin,
	}
	p.PIN.Action = "/admin/clients/" + cl.ID + "/pin"
	p.PIN.Field = views.Field{Name: "pin", Label: t.T("page.admin.client.pin_label"), Type: "password",
		Error: p.PIN.Field.Error, Autocomplete: "off", Required: true, MaxLength: store.PINLength}
	contacts, err := s.store.ListContacts(cl.ID)
	if err != nil {
		return p, err
	}
	for _, ct := range contacts {
		line := views.AdminContact{Name: ct.Name(), Email: ct.Email, Access: t.T("page.contacts.access_off")}
		if ct.Access {
			line.Access = t.T("page.contacts.access_on")
			var areas []string
			for _, a := range store.Areas {
				if ct.HasArea(a) {
					areas = append(areas, t.T("field."+areaField+a))
				}
			}
			line.Areas = strings.Join(areas, ", ")
		}
		p.Contacts = append(p.Contacts, line)
	}
	entries, _, err := s.store.ListActivity(cl.ID, "", adminHistorySize)
	if err != nil {
		return p, err
	}
	rows := newRowMaker(views.WithCtx(c.UserContext(), s.viewCtx(c)))
	for _, e := range entries {
		p.History = append(p.History, rows.row(e))
	}
	return p, nil
}
