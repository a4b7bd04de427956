package handlers

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
	"zona/views"
)

const (
	// activityPageSize is how many entries a page of the history shows.
	activityPageSize = 50
	// activityScanLimit is the most entries one request reads to fill a filtered page; past
	// it the page offers to continue the search, so no filter makes a request expensive.
	activityScanLimit = 2000
	// dateLayout is the format of a date input's value.
	dateLayout = "2006-01-02"
)

// secretFields are never shown with values, even if an entry was recorded without Secret.
var secretFields = map[string]bool{"password": true, "pin": true, "password_hash": true, "pin_hash": true, "token": true}

// activityForm is the history's filter form as asked for in the query string.
type activityForm struct {
	who, kind, from, to string
	before              string
	filter              store.ActivityFilter
	errs                map[string]string // field → message key
}

// parseActivityForm reads the filters and the cursor. A filter that is not valid gets a
// message for its field and is left out of the query; dates are whole days in loc, both
// ends included.
func parseActivityForm(c *fiber.Ctx, loc *time.Location) *activityForm {
	f := &activityForm{errs: map[string]string{}}
	f.who, f.kind = queryText(c, "who"), queryText(c, "kind")
	f.from, f.to = queryText(c, "from"), queryText(c, "to")
	f.before = queryText(c, "before")
	if f.who != "" {
		if store.KnownActorKind(f.who) {
			f.filter.ActorKind = f.who
		} else {
			f.errs["who"] = "page.activity.bad_who"
		}
	}
	if f.kind != "" {
		if store.KnownKind(f.kind) {
			f.filter.Kind = f.kind
		} else {
			f.errs["kind"] = "page.activity.bad_kind"
		}
	}
	day := func(field, v string) (time.Time, bool) {
		if v == "" {
			return time.Time{}, false
		}
		d, err := time.ParseInLocation(dateLayout, v, loc)
		if err != nil || d.Year() < 1970 {
			f.errs[field] = "page.activity.bad_date"
			return time.Time{}, false
		}
		return d, true
	}
	from, okFrom := day("from", f.from)
	to, okTo := day("to", f.to)
	if okFrom && okTo && to.Before(from) {
		f.errs["to"] = "page.activity.bad_range"
		okTo = false
	}
	if okFrom {
		f.filter.From = from
	}
	if okTo {
		f.filter.To = to.AddDate(0, 0, 1)
	}
	return f
}

// queryText is a query parameter as text safe to show again: trimmed, valid UTF-8 and short.
func queryText(c *fiber.Ctx, name string) string {
	v := strings.TrimSpace(strings.ToValidUTF8(c.Query(name), "\uFFFD"))
	if utf8.RuneCountInString(v) > 64 {
		v = string([]rune(v)[:64])
	}
	return v
}

// values is the query string of the valid filters, for links that keep them.
func (f *activityForm) values() url.Values {
	v := url.Values{}
	if f.filter.ActorKind != "" {
		v.Set("who", f.who)
	}
	if f.filter.Kind != "" {
		v.Set("kind", f.kind)
	}
	if !f.filter.From.IsZero() {
		v.Set("from", f.from)
	}
	if !f.filter.To.IsZero() {
		v.Set("to", f.to)
	}
	return v
}

func (f *activityForm) filtered() bool {
	return f.who != "" || f.kind != "" || f.from != "" || f.to != ""
}

// link is path with the valid filters and, when set, the cursor.
func (f *activityForm) link(path, before string) string {
	v := f.values()
	if before != "" {
		v.Set("before", before)
	}
	if q := v.Encode(); q != "" {
		return path + "?" + q
	}
	return path
}

func (f *activityForm) page(t *locales.Translator) views.ActivityPage {
	msg := func(field string) string {
		if k := f.errs[field]; k != "" {
			return t.T(k)
		}
		return ""
	}
	who := views.FilterSelect{Name: "who", Label: t.T("page.activity.filter.who"), Value: f.who, Error: msg("who"),
		Options: []views.FilterOption{{Value: "", Label: t.T("page.activity.filter.anyone")}}}
	for _, k := range store.ActorKinds {
		who.Options = append(who.Options, views.FilterOption{Value: k, Label: t.T("page.activity.who." + k)})
	}
	kind := views.FilterSelect{Name: "kind", Label: t.T("page.activity.filter.kind"), Value: f.kind, Error: msg("kind"),
		Options: []views.FilterOption{{Value: "", Label: t.T("page.activity.filter.any_kind")}}}
	for _, k := range store.Kinds {
		kind.Options = append(kind.Options, views.FilterOption{Value: k, Label: t.T("kind." + k)})
	}
	return views.ActivityPage{
		Who:      who,
		Kind:     kind,
		From:     views.Field{Name: "from", Label: t.T("page.activity.filter.from"), Type: "date", Value: f.from, Error: msg("from")},
		To:       views.Field{Name: "to", Label: t.T("page.activity.filter.to"), Type: "date", Value: f.to, Error: msg("to")},
		Filtered: f.filtered(),
		CSVURL:   f.link("/activity.csv", ""),
	}
}

// showActivity is the account's history, newest first, one page at a time.
func (s *Server) showActivity(c *fiber.Ctx) error {
	t := s.tr(c)
	f := parseActivityForm(c, s.cfg.Location)
	page := f.page(t)
	q := store.ActivityQuery{Filter: f.filter, Before: f.before, Limit: activityPageSize, ScanLimit: activityScanLimit}
	res, err := s.store.QueryActivity(currentPrincipal(c).ClientID(), q)
	if errors.Is(err, store.ErrBadCursor) {
		page.Notice = t.T("page.activity.bad_cursor")
		f.before, q.Before = "", ""
		res, err = s.store.QueryActivity(currentPrincipal(c).ClientID(), q)
	}
	if err != nil {
		return err
	}
	rows := newRowMaker(views.WithCtx(c.UserContext(), s.viewCtx(c)))
	for _, e := range res.Entries {
		page.Rows = append(page.Rows, rows.row(e))
	}
	if res.Next != "" {
		if res.Stopped {
			page.ContinueURL, page.Scanned = f.link("/activity", res.Next), res.Scanned
		} else {
			page.OlderURL = f.link("/activity", res.Next)
		}
	}
	if f.before != "" {
		page.NewestURL = f.link("/activity", "")
	}
	return s.render(c, fiber.StatusOK, t.T("page.activity.title"), views.Activity(page))
}

// rowMaker turns entries into rows in the reader's language. It remembers the devices it
// described, since a page holds the same few browsers many times.
type rowMaker struct {
	ctx     context.Context
	t       *locales.Translator
	devices map[string]string
}

func newRowMaker(ctx context.Context) *rowMaker {
	return &rowMaker{ctx: ctx, t: views.From(ctx).Tr, devices: map[string]string{}}
}

func (m *rowMaker) device(ua string) string {
	d, ok := m.devices[ua]
	if !ok {
		d = views.Device(m.ctx, ua)
		m.devices[ua] = d
	}
	return d
}

func (m *rowMaker) row(e store.Entry) views.ActivityRow {
	r := views.ActivityRow{
		ID: e.ID, At: e.At, Kind: e.Kind, Who: views.ActorName(m.ctx, e.Actor), Text: views.Describe(m.ctx, e),
		IP: e.IP, Device: m.device(e.UserAgent),
	}
	if r.IP == "" {
		r.IP = m.t.T("page.activity.no_ip")
	}
	for _, ch := range e.Changes {
		line := views.ActivityChange{Field: m.fieldLabel(ch.Field), Secret: ch.Secret || secretFields[ch.Field]}
		if !line.Secret {
			line.Old, line.New = m.value(ch.Field, ch.Old), m.value(ch.Field, ch.New)
		}
		r.Changes = append(r.Changes, line)
	}
	return r
}

// fieldLabel is a changed field's name in the reader's language: its form label.
func (m *rowMaker) fieldLabel(field string) string {
	key := "field." + field
	if s := m.t.T(key); s != key {
		return s
	}
	return field
}

// value is a field's recorded value as the reader sees it: a code (country, tax regime,
// CFDI use) with its label, a blank in words.
func (m *rowMaker) value(field, v string) string {
	switch {
	case v == "":
		return m.t.T("page.activity.empty_value")
	case field == fCountry:
		return countryName(m.t.Lang(), v)
	case field == fRegimen:
		return labelOf(m.t, "sat.regimen.", v)
	case field == fUsoCFDI:
		return labelOf(m.t, "sat.uso.", v)
	case field == fLang && languageNames[v] != "":
		return languageNames[v]
	case field == fEmailPerms:
		return m.permLabels(v, emailPermField)
	case field == fAreaPerms:
		return m.permLabels(v, areaField)
	}
	return v
}

// permLabels names a contact's recorded permissions (codes joined by ",") by their labels;
// an entry written before the codes were recorded already holds labels and is kept.
func (m *rowMaker) permLabels(v, prefix string) string {
	parts := strings.Split(v, ",")
	for i, code := range parts {
		if key := "field." + prefix + code; m.t.T(key) != key {
			parts[i] = m.t.T(key)
		}
	}
	return strings.Join(parts, ", ")
}
