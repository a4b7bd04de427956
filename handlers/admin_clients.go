package handlers

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
	"zona/views"
)

// clientsPageSize is how many clients a page of the console's list shows.
const clientsPageSize = 50

// searchClients returns the clients whose name, email or company contains q (letter case
// and accents do not matter; every client when q is empty), newest first. The console and
// the JSON API search with it.
func (s *Server) searchClients(q string) ([]store.Client, error) {
	all, err := s.store.Clients()
	if err != nil {
		return nil, err
	}
	found := all[:0]
	needle := secure.Fold(q)
	for _, cl := range all {
		if needle == "" || strings.Contains(secure.Fold(cl.Name()+"\n"+cl.Email+"\n"+cl.Company), needle) {
			found = append(found, cl)
		}
	}
	slices.SortFunc(found, func(a, b store.Client) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return found, nil
}

// showClients is the console's list of clients, newest first, searched by name, email or
// company with ?q= (letter case and accents do not matter), 50 a page (?page=). It scans
// every client record (store.Clients): a small host has a few thousand at most.
func (s *Server) showClients(c *fiber.Ctx) error {
	t := s.tr(c)
	q := queryText(c, "q")
	page, err := strconv.Atoi(c.Query("page"))
	if err != nil || page < 1 {
		page = 1
	}
	found, err := s.searchClients(q)
	if err != nil {
		return err
	}
	pages := max(1, (len(found)+clientsPageSize-1)/clientsPageSize)
	page = min(page, pages)
	from, to := (page-1)*clientsPageSize, min(page*clientsPageSize, len(found))
	p := views.ClientsPage{Query: q, Total: len(found), From: from + 1, To: to}
	for _, cl := range found[from:to] {
		p.Rows = append(p.Rows, views.ClientRow{URL: "/admin/clients/" + cl.ID, Name: cl.Name(), Email: cl.Email,
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
