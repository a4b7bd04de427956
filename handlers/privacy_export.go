package handlers

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// startExport starts building a ZIP of everything Zona keeps about the principal, in the
// background (exportJob); the page shows its progress. A person has one export running at
// a time: asking again meanwhile says so.
func (s *Server) startExport(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	o := s.originOf(c)
	exp, err := s.store.StartExport(p.ClientID(), p.person(), s.event(c, p, store.KindExportRequested))
	if errors.Is(err, store.ErrExportRunning) {
		return s.privacyPage(c, views.RequestForm{}, "", t.T(store.ErrExportRunning.MsgKey))
	}
	if err != nil {
		return err
	}
	// The job outlives the request: it takes the view context (language, time zone) made
	// from the request now, and the request's origin for its last history entry.
	job := &exportJob{s: s, exp: exp, p: p, t: t, origin: o, ctx: views.WithCtx(context.Background(), s.viewCtx(c))}
	s.later.run(s.log, "export", job.run)
	if isHTMX(c) {
		return s.privacyPage(c, views.RequestForm{}, t.T("page.privacy.export_started"), "")
	}
	return c.Redirect("/privacy", fiber.StatusSeeOther)
}
