package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
	"zona/views"
)

// recentOnDashboard is how many history entries the dashboard shows.
const recentOnDashboard = 5

func (s *Server) showDashboard(c *fiber.Ctx) error {
	p := currentPrincipal(c)
	var entries []store.Entry
	if p.may(store.AreaActivity) { // the recent movements are the history's: only for who may read it
		var err error
		if entries, err = s.store.RecentActivity(p.ClientID(), recentOnDashboard); err != nil {
			return err
		}
	}
	ctx := views.WithCtx(c.UserContext(), s.viewCtx(c))
	page := views.DashboardPage{
		Name: p.Name(), Email: p.Email(), Company: p.Client.Company, MemberSince: p.Client.CreatedAt,
		// The reminders are the owner's to act on: a contact can set neither the PIN nor
		// (without the profile area) the RFC.
		RemindPIN: p.isOwner() && p.Client.PINHash == "", RemindRFC: p.may(store.AreaProfile) && p.Client.Fiscal.RFC == "",
	}
	if d := currentSession(c).data; d.PrevAt != 0 {
		page.LastSignIn = &views.ActivityLine{At: time.Unix(d.PrevAt, 0), IP: d.PrevIP, Device: views.Device(ctx, d.PrevUA)}
	}
	for _, e := range entries {
		line := views.ActivityLine{At: e.At, Text: views.Describe(ctx, e), IP: e.IP}
		if e.UserAgent != "" {
			line.Device = views.Device(ctx, e.UserAgent)
		}
		page.Recent = append(page.Recent, line)
	}
	return s.render(c, fiber.StatusOK, s.tr(c).T("page.dashboard.title"), views.Dashboard(page))
}
