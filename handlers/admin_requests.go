package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// showRequests lists the ARCO requests of every account for staff: the open ones first,
// soonest due first, then the resolved ones, newest first.
func (s *Server) showRequests(c *fiber.Ctx) error {
	list, err := s.store.Requests()
	if err != nil {
		return err
	}
	names := map[string]string{}
	var page views.AdminRequestsPage
	for i := range list {
		row, err := s.requestRow(&list[i], names)
		if err != nil {
			return err
		}
		if list[i].Open() {
			page.Open = append(page.Open, row)
		} else {
			page.Resolved = append(page.Resolved, row)
		}
	}
	sortByDue(page.Open)
	return s.render(c, fiber.StatusOK, s.tr(c).T("page.admin.requests.title"), views.AdminRequests(page))
}

func sortByDue(rows []views.AdminRequestRow) {
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].Due.Before(rows[j-1].Due); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

// requestRow is r as the console shows it; names caches the account names already read.
func (s *Server) requestRow(r *store.Request, names map[string]string) (views.AdminRequestRow, error) {
	name, ok := names[r.ClientID]
	if !ok {
		cl, err := s.store.ClientByID(r.ClientID)
		switch {
		case err == nil:
			name = cl.Name()
		case err == store.ErrNotFound:
			name = r.ClientID
		default:
			return views.AdminRequestRow{}, err
		}
		names[r.ClientID] = name
	}
	row := views.AdminRequestRow{ID: r.ID, ClientURL: "/admin/clients/" + r.ClientID, ClientName: name, Kind: r.Kind,
		Reason: r.Reason, Filed: r.Filed, Due: r.Due, State: r.State, Note: r.Note, ResolvedAt: r.ResolvedAt,
		ResolvedBy: r.ResolvedBy.Name, Late: r.Open() && time.Now().After(r.Due.AddDate(0, 0, 1))}
	if r.Person != "" {
		row.Person = r.Name
	}
	return row, nil
}
