package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/views"
)

// showRequest is one ARCO request with the form that resolves it.
func (s *Server) showRequest(c *fiber.Ctx) error {
	return s.requestPage(c, views.AdminRequestPage{}, "")
}

// requestPage renders the request of the URL with page's form as typed, and notice.
func (s *Server) requestPage(c *fiber.Ctx, page views.AdminRequestPage, notice string) error {
	r, err := s.store.RequestByID(c.Params("id"))
	if err != nil {
		return err
	}
	if page.Request, err = s.requestRow(r, map[string]string{}); err != nil {
		return err
	}
	page.MaxNote, page.Notice = maxReasonLen, notice
	return s.render(c, fiber.StatusOK, s.tr(c).T("request.kind."+r.Kind), views.AdminRequest(page))
}
