package handlers

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

const (
	// maxReasonLen bounds the reason of an ARCO request and the note that resolves it.
	maxReasonLen = 2000
	// consentChanges is how many changes of the marketing consent the page lists.
	consentChanges = 10
)

func (s *Server) showPrivacy(c *fiber.Ctx) error {
	return s.privacyPage(c, views.RequestForm{}, "", "")
}

// privacyPage builds "Privacidad y datos" for the principal, with form as typed and a
// notice or a failure at the top.
func (s *Server) privacyPage(c *fiber.Ctx, form views.RequestForm, notice, failure string) error {
	p := currentPrincipal(c)
	t := s.tr(c)
	exports, err := s.store.Exports(p.ClientID(), p.person())
	if err != nil {
		return err
	}
	requests, err := s.store.PersonRequests(p.ClientID(), p.person())
	if err != nil {
		return err
	}
	consent := p.Client.Marketing
	if p.Contact != nil {
		consent = p.Contact.Marketing
	}
	form.Kinds, form.MaxReason = store.RequestKinds, maxReasonLen
	page := views.PrivacyPage{
		NoticeURL: s.cfg.PrivacyURL, ActivityRetention: s.retention(c, s.cfg.ActivityRetention),
		ArchiveRetention: s.retention(c, s.cfg.ArchiveRetention),
		Consent:          views.ConsentLine{Given: consent.Given, Pending: consent.Pending, At: consent.At},
		Form:             form, Notice: notice, Error: failure,
	}
	if page.ConsentChanges, err = s.consentChanges(c, p); err != nil {
		return err
	}
	now := time.Now()
	for _, e := range exports {
		state := e.State
		if state == store.ExportRunning && !e.Running(now) {
			state = store.ExportFailed
		}
		page.Running = page.Running || state == store.ExportRunning
		page.Exports = append(page.Exports, views.ExportRow{ID: e.ID, State: state, Created: e.Created, Expires: e.Expires,
			Done: e.Done, Total: e.Total, Size: e.Size})
	}
	for _, r := range requests {
		page.Requests = append(page.Requests, views.RequestRow{Kind: r.Kind, Filed: r.Filed, Due: r.Due,
			State: r.State, Note: r.Note, ResolvedAt: r.ResolvedAt})
	}
	return s.render(c, fiber.StatusOK, t.T("page.privacy.title"), views.Privacy(page))
}

// retention is a retention setting in words, "" for none (kept forever).
func (s *Server) retention(c *fiber.Ctx, d time.Duration) string {
	if d <= 0 {
		return ""
	}
	days := int((d + 24*time.Hour - 1) / (24 * time.Hour))
	return s.tr(c).T("page.privacy.days", "Days", days)
}

// consentChanges lists the newest changes of the principal's marketing consent in the
// history (see concerns).
func (s *Server) consentChanges(c *fiber.Ctx, p *principal) ([]views.ConsentLine, error) {
	var entries []store.Entry
	for _, kind := range []string{store.KindMarketingOptIn, store.KindMarketingOptOut, store.KindMarketingAsked} {
		page, err := s.store.QueryActivity(p.ClientID(), store.ActivityQuery{Filter: store.ActivityFilter{Kind: kind},
			Limit: consentChanges, ScanLimit: 100 * consentChanges})
		if err != nil {
			return nil, err
		}
		for _, e := range page.Entries {
			if concerns(p, e) {
				entries = append(entries, e)
			}
		}
	}
	slices.SortFunc(entries, func(a, b store.Entry) int { return b.At.Compare(a.At) })
	ctx := views.WithCtx(c.UserContext(), s.viewCtx(c))
	var out []views.ConsentLine
	for _, e := range entries[:min(len(entries), consentChanges)] {
		out = append(out, views.ConsentLine{Given: e.Kind == store.KindMarketingOptIn, At: e.At, Text: views.Describe(ctx, e)})
	}
	return out, nil
}

// concerns reports whether history entry e is about p: for the owner every entry of the
// account, for a contact the ones it made.
func concerns(p *principal, e store.Entry) bool {
	return p.Contact == nil || e.Actor.ID == p.Contact.ID
}
