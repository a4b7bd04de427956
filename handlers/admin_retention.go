package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/views"
)

// showRetention shows each retention setting (--activity-retention, --archive-retention)
// and what its next daily run will remove, counted now (admins only).
func (s *Server) showRetention(c *fiber.Ctx) error {
	now := time.Now()
	cutoff := func(keep time.Duration) time.Time {
		if keep <= 0 {
			return time.Time{}
		}
		return now.Add(-keep)
	}
	p := views.RetentionPage{ActivityKeep: s.cfg.ActivityRetention, ArchiveKeep: s.cfg.ArchiveRetention,
		ActivityCutoff: cutoff(s.cfg.ActivityRetention), ArchiveCutoff: cutoff(s.cfg.ArchiveRetention)}
	var err error
	if p.Preview, err = s.store.PreviewRetention(p.ActivityCutoff, p.ArchiveCutoff); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, s.tr(c).T("page.admin.retention.title"), views.AdminRetention(p))
}
