package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// apiClientsPageSize is how many clients a page of GET /api/v1/clients holds.
const apiClientsPageSize = clientsPageSize

// apiClientList is the answer of GET /api/v1/clients.
type apiClientList struct {
	Clients  []apiClient `json:"clients"`
	Total    int         `json:"total"`
	Page     int         `json:"page"`
	Pages    int         `json:"pages"`
	PageSize int         `json:"page_size"`
}

// apiListClients lists clients newest first, or searched like the console's list (?q=,
// see findClients: ranked, exact matches first), 50 a page (?page=, from 1; a page past
// the last is empty).
func (s *Server) apiListClients(c *fiber.Ctx) error {
	q := queryText(c, "q")
	page := 1
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return invalidFields(map[string]string{"page": "Must be a whole number from 1."})
		}
		page = n
	}
	finder, err := s.findClients(q)
	if err != nil {
		return err
	}
	found, err := finder.page(page, apiClientsPageSize)
	if err != nil {
		return err
	}
	out := apiClientList{Clients: []apiClient{}, Total: finder.total, Page: page, PageSize: apiClientsPageSize,
		Pages: max(1, (finder.total+apiClientsPageSize-1)/apiClientsPageSize)}
	for i := range found {
		out.Clients = append(out.Clients, apiClientOf(&found[i]))
	}
	return c.JSON(out)
}
