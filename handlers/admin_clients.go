package handlers

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// clientsPageSize is how many clients a page of the console's list shows.
const clientsPageSize = 50

// clientFinder is one search of the clients, read a page at a time: the console and the
// JSON API search with it.
type clientFinder struct {
	s *Server
	q string
	// hits are the ranked matches of a search; with no q, the list is every client,
	// newest first.
	hits    []store.SearchHit
	total   int
	limited bool
}

// findClients searches the clients with q through the store's search index (name,
// company, email, RFC, phone as a caller says it, a contact's email, client ID; exact
// matches first); an empty q lists them all, newest first.
func (s *Server) findClients(q string) (*clientFinder, error) {
	f := &clientFinder{s: s, q: q}
	var err error
	if q == "" {
		_, f.total, err = s.store.ClientsNewest(0, 0)
		return f, err
	}
	f.hits, f.limited, err = s.store.SearchClients(q)
	f.total = len(f.hits)
	return f, err
}

// page returns the clients of page n (from 1) of size; a page past the last is empty.
func (f *clientFinder) page(n, size int) ([]store.Client, error) {
	from := (n - 1) * size
	if f.q == "" {
		list, _, err := f.s.store.ClientsNewest(from, size)
		return list, err
	}
	if from >= len(f.hits) {
		return nil, nil
	}
	ids := make([]string, 0, size)
	for _, h := range f.hits[from:min(from+size, len(f.hits))] {
		ids = append(ids, h.ClientID)
	}
	return f.s.store.ClientsByIDs(ids)
}

// showClients is the console's list of clients: newest first, or the search ?q= ranked
// (see findClients), 50 a page (?page=).
func (s *Server) showClients(c *fiber.Ctx) error {
	t := s.tr(c)
	q := queryText(c, "q")
	page, err := strconv.Atoi(c.Query("page"))
	if err != nil || page < 1 {
		page = 1
	}
	finder, err := s.findClients(q)
	if err != nil {
		return err
	}
	pages := max(1, (finder.total+clientsPageSize-1)/clientsPageSize)
	page = min(page, pages)
	found, err := finder.page(page, clientsPageSize)
	if err != nil {
		return err
	}
	from := (page - 1) * clientsPageSize
	p := views.ClientsPage{Query: q, Total: finder.total, From: from + 1, To: from + len(found), Limited: finder.limited}
	for _, cl := range found {
		name := cl.Name()
		if cl.Closed() {
			name = s.tr(c).T("page.admin.client.closed_name")
		}
		p.Rows = append(p.Rows, views.ClientRow{URL: "/admin/clients/" + cl.ID, Name: name, Email: cl.Email,
			Company: cl.Company, Created: cl.CreatedAt})
	}
	link := func(n int) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if e := v.Encode(); e != "" {
			return "/admin?" + e
		}
		return "/admin"
	}
	if page > 1 {
		p.PrevURL = link(page - 1)
	}
	if page < pages {
		p.NextURL = link(page + 1)
	}
	return s.render(c, fiber.StatusOK, t.T("page.admin.clients.title"), views.AdminClients(p))
}
