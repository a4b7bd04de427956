package handlers

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// maxOpenRequests is how many open ARCO requests one person may have at a time.
const maxOpenRequests = 5

// fileRequest files an ARCO request of the principal: its kind and reason (required). It
// is due store.ARCODays business days later; staff resolve it in the console.
func (s *Server) fileRequest(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	form := views.RequestForm{Kind: strings.Clone(c.FormValue("kind"))}
	if !slices.Contains(store.RequestKinds, form.Kind) {
		form.Kind, form.KindError = "", t.T("form.choose_one")
	}
	reason, ok := typedLines(c.FormValue("reason"))
	form.Reason = reason
	if msg := checkText(reason, ok, maxReasonLen); msg != "" {
		form.ReasonError = t.T(msg)
	}
	if form.KindError != "" || form.ReasonError != "" {
		return s.privacyPage(c, form, "", "")
	}
	mine, err := s.store.PersonRequests(p.ClientID(), p.person())
	if err != nil {
		return err
	}
	open := 0
	for _, r := range mine {
		if r.Open() {
			open++
		}
	}
	if open >= maxOpenRequests {
		return s.privacyPage(c, form, "", t.T("page.privacy.request_too_many", "Count", maxOpenRequests))
	}
	r := &store.Request{ClientID: p.ClientID(), Person: p.person(), Name: p.Name(), Kind: form.Kind, Reason: reason}
	if err := s.store.FileRequest(r, s.cfg.Location, s.event(c, p, store.KindRequestFiled)); err != nil {
		return err
	}
	s.log.Info("ARCO request filed", "client", r.ClientID, "request", r.ID, "kind", r.Kind)
	if isHTMX(c) {
		return s.privacyPage(c, views.RequestForm{}, t.T("page.privacy.request_filed_notice"), "")
	}
	return c.Redirect("/privacy#requests-title", fiber.StatusSeeOther)
}
