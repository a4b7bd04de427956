package handlers

import (
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
	"zona/views"
)

// adminHistorySize is how many of a client's newest history entries the console shows.
const adminHistorySize = 50

// showClient is one client in the console: details in words, the actions on the account,
// contacts and their permissions, sessions, whether a PIN is set (never the PIN), the form
// to check a PIN a caller gives, and the newest history entries.
func (s *Server) showClient(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err // ErrNotFound is the 404 page
	}
	notice := ""
	if key, ok := clientNotices[c.Query("saved")]; ok {
		notice = s.tr(c).T(key)
	}
	return s.renderClient(c, cl, views.PINCheck{}, notice)
}

// clientNotices are the notices of the changes made from a client's page, by the ?saved=
// value that names them.
var clientNotices = map[string]string{
	"1":           "page.admin.client.done_1",
	"suspended":   "page.admin.client.done_suspended",
	"reactivated": "page.admin.client.done_reactivated",
	"invited":     "page.admin.client.done_invited",
	"created":     "page.admin.client.done_created",
	"sent":        "page.admin.client.done_sent",
}

// renderClient answers with the console's page of cl, its PIN form pin and a notice.
func (s *Server) renderClient(c *fiber.Ctx, cl *store.Client, pin views.PINCheck, notice string) error {
	p, err := s.adminClientPage(c, cl, pin)
	if err != nil {
		return err
	}
	p.Notice = notice
	return s.render(c, fiber.StatusOK, cl.Name(), views.AdminClient(p))
}

// afterClientChange answers a change made from a client's page: the page itself with a
// notice for htmx, else a redirect to it that names what was done (?saved=what).
func (s *Server) afterClientChange(c *fiber.Ctx, cl *store.Client, what string) error {
	if !isHTMX(c) {
		return c.Redirect("/admin/clients/"+cl.ID+"?saved="+what, fiber.StatusSeeOther)
	}
	return s.renderClient(c, cl, views.PINCheck{}, s.tr(c).T(clientNotices[what]))
}

// languageNames are the languages of the zone, each by its own name, as its select shows it.
var languageNames = map[string]string{locales.ES: "Español", locales.EN: "English"}

// labelOf is a catalogue code with its label ("601 · General de Ley Personas Morales"),
// the code alone when the catalogue has no such code.
func labelOf(t *locales.Translator, prefix, code string) string {
	if code == "" {
		return ""
	}
	if l := t.T(prefix + code); l != prefix+code {
		return code + " · " + l
	}
	return code
}

// countryName is a country code's name in the reader's language.
func countryName(lang, code string) string {
	for _, o := range countryOptions(lang) {
		if o.Value == code {
			return o.Label
		}
	}
	return code
}

// adminClientPage is the console's page of cl with the PIN form pin (its field filled in
// here). Every code is shown as its label: the state, the country, the tax regime, the
// CFDI use.
func (s *Server) adminClientPage(c *fiber.Ctx, cl *store.Client, pin views.PINCheck) (views.AdminClientPage, error) {
	t := s.tr(c)
	ctx := views.WithCtx(c.UserContext(), s.viewCtx(c))
	lang := languageNames[cl.Lang]
	p := views.AdminClientPage{
		ID:   cl.ID,
		Name: cl.Name(),
		Identity: []views.Fact{
			{Label: t.T("field.first_name"), Value: cl.FirstName},
			{Label: t.T("field.last_name"), Value: cl.LastName},
			{Label: t.T("field.email"), Value: cl.Email},
			{Label: t.T("field.company"), Value: cl.Company},
			{Label: t.T("field.lang"), Value: lang},
			{Label: t.T("page.admin.client.number"), Value: cl.ID},
			{Label: t.T("page.admin.clients.created"), Value: views.When(ctx, cl.CreatedAt)},
		},
		Address: []views.Fact{
			{Label: t.T("field.phone"), Value: store.PhoneDisplay(cl.Phone)},
			{Label: t.T("field.street"), Value: cl.Street},
			{Label: t.T("field.colonia"), Value: cl.Colonia},
			{Label: t.T("field.city"), Value: cl.City},
			{Label: t.T("field.state"), Value: cl.StateLabel()},
			{Label: t.T("field.postal_code"), Value: cl.PostalCode},
			{Label: t.T("field.country"), Value: countryName(t.Lang(), cl.CountryOrDefault())},
		},
		Fiscal: []views.Fact{
			{Label: t.T("field.rfc"), Value: cl.Fiscal.RFC},
			{Label: t.T("field.razon_social"), Value: cl.Fiscal.RazonSocial},
			{Label: t.T("field.regimen"), Value: labelOf(t, "sat.regimen.", cl.Fiscal.Regimen)},
			{Label: t.T("field.uso_cfdi"), Value: labelOf(t, "sat.uso.", cl.Fiscal.UsoCFDI)},
			{Label: t.T("field.cp_fiscal"), Value: cl.Fiscal.PostalCode},
		},
		PINSet:     cl.PINHash != "",
		PINChanged: cl.PINChangedAt,
		PIN:        pin,
		Suspended:  cl.SuspendedAt,
		Closed:     cl.ClosedAt,
	}
	if cl.Closed() {
		// Only the fiscal identity its invoices name is left, in its own record.
		p.Name = t.T("page.admin.client.closed_name")
		kept, err := s.store.FiscalKept(cl.ID)
		if err != nil {
			return p, err
		}
		p.Fiscal = []views.Fact{{Label: t.T("field.rfc"), Value: kept.RFC}, {Label: t.T("field.razon_social"), Value: kept.RazonSocial}}
	}
	p.PIN.Action = "/admin/clients/" + cl.ID + "/pin"
	p.PIN.Field = views.Field{Name: "pin", Label: t.T("page.admin.client.pin_label"), Type: "password",
		Error: p.PIN.Field.Error, Autocomplete: "off", Required: true, MaxLength: store.PINLength}
	contacts, err := s.store.ListContacts(cl.ID)
	if err != nil {
		return p, err
	}
	people := map[string]string{"": cl.Name()}
	for _, ct := range contacts {
		people[ct.ID] = ct.Name()
		line := views.AdminContact{Name: ct.Name(), Email: ct.Email, Access: t.T("page.contacts.access_off"),
			Emails: permList(t, ct.Emails, store.EmailPermissions, emailPermField)}
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
	idle := time.Now().Add(-s.cfg.IdleTimeout)
	for person, name := range people {
		devices, err := s.store.Devices(cl.ID, person, idle)
		if err != nil {
			return p, err
		}
		for _, d := range devices {
			p.Sessions = append(p.Sessions, views.AdminSession{Person: name, Device: views.Device(ctx, d.UserAgent), IP: d.IP, LastSeen: d.LastSeen})
		}
	}
	slices.SortFunc(p.Sessions, func(a, b views.AdminSession) int { return b.LastSeen.Compare(a.LastSeen) })
	entries, _, err := s.store.ListActivity(cl.ID, "", adminHistorySize)
	if err != nil {
		return p, err
	}
	rows := newRowMaker(ctx)
	for _, e := range entries {
		p.History = append(p.History, rows.row(e))
	}
	return p, nil
}
