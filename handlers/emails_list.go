package handlers

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// emailsPerPage is the size of a page of the archive.
const emailsPerPage = 20

// emailQuery is the search of "Emails Recibidos" as read from the URL.
type emailQuery struct {
	q, since, until, before string
}

func parseEmailQuery(c *fiber.Ctx) emailQuery {
	q := strings.ToValidUTF8(strings.TrimSpace(c.Query("q")), "")
	if r := []rune(q); len(r) > 200 {
		q = string(r[:200])
	}
	return emailQuery{q: q, since: strings.TrimSpace(c.Query("since")), until: strings.TrimSpace(c.Query("until")), before: c.Query("before")}
}

// url is the archive's address for this search, starting after the message before.
func (q emailQuery) url(before string) string {
	v := url.Values{}
	for k, val := range map[string]string{"q": q.q, "since": q.since, "until": q.until, "before": before} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if len(v) == 0 {
		return "/emails"
	}
	return "/emails?" + v.Encode()
}

func (s *Server) showEmails(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	q := parseEmailQuery(c)
	page := views.EmailsPage{Q: q.q, Since: q.since, Until: q.until}
	sq := store.MessageQuery{Limit: emailsPerPage, Text: q.q, Person: p.person()}
	var badDate bool
	if sq.Since, badDate = s.parseDay(q.since); badDate {
		page.DateError = s.tr(c).T("page.emails.bad_date")
	}
	until, bad := s.parseDay(q.until)
	if bad {
		page.DateError = s.tr(c).T("page.emails.bad_date")
	} else if !until.IsZero() {
		sq.Until = until.AddDate(0, 0, 1) // the whole of the last day
	}
	if q.before != "" && store.ValidID(q.before) {
		sq.Before = q.before
		page.NewestURL = q.url("")
	}
	page.Filtered = q.q != "" || !sq.Since.IsZero() || !sq.Until.IsZero()
	msgs, next, err := s.store.ListMessages(p.ClientID(), sq)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		page.Rows = append(page.Rows, views.EmailRow{ID: m.ID, At: m.At, Subject: m.Subject, Category: m.Category,
			Status: m.Status(), Private: !m.OpenableBy(p.person())})
	}
	if next != "" {
		page.OlderURL = q.url(next)
	}
	return s.render(c, fiber.StatusOK, s.tr(c).T("page.emails.title"), views.Emails(page))
}

// parseDay reads a YYYY-MM-DD date in the operator's time zone. An empty value is the zero
// time; a malformed one is the zero time and bad.
func (s *Server) parseDay(v string) (t time.Time, bad bool) {
	if v == "" {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", v, s.cfg.Location)
	if err != nil || t.Year() < 1970 || t.Year() > 9999 {
		return time.Time{}, true
	}
	return t, false
}
