package handlers

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/store"
)

// retryCopy makes one copy due now ("Reintentar ahora") and wakes the mail worker. A copy
// already delivered is refused: it never goes out twice. Staff work on the outbox belongs
// to no client's account, so it is logged.
func (s *Server) retryCopy(c *fiber.Ctx) error {
	t := s.tr(c)
	state := outboxState(c)
	err := s.store.RetryCopy(c.Params("copy"), time.Now())
	var se *store.Error
	if errors.As(err, &se) && se != store.ErrNotFound {
		return s.afterRetry(c, state, "", t.T(se.MsgKey))
	}
	if err != nil {
		return err
	}
	s.mailer.Wake()
	s.log.Info("mail copy retried by staff", "copy", c.Params("copy"), "staff", currentStaff(c).ID)
	return s.afterRetry(c, state, t.T("page.admin.outbox.retried"), "")
}

// retryFailed puts every failed copy back in the outbox (security mail excepted: its link
// is gone) and wakes the worker.
func (s *Server) retryFailed(c *fiber.Ctx) error {
	failed, err := s.store.FailedCopies()
	if err != nil {
		return err
	}
	n := 0
	for _, v := range failed {
		switch err := s.store.RetryCopy(v.Copy.ID, time.Now()); {
		case err == nil:
			n++
		case errors.Is(err, store.ErrRetrySecret), errors.Is(err, store.ErrCopySent), errors.Is(err, store.ErrCopyBusy):
		default:
			return err
		}
	}
	s.mailer.Wake()
	s.log.Info("failed mail copies retried by staff", "count", n, "staff", currentStaff(c).ID)
	return s.afterRetry(c, "failed", s.tr(c).T("page.admin.outbox.retried_all", "Count", n), "")
}

// afterRetry answers a retry: the monitor with a notice for htmx, else a redirect to it.
func (s *Server) afterRetry(c *fiber.Ctx, state, notice, failure string) error {
	if !isHTMX(c) {
		return c.Redirect("/admin/outbox?state="+state, fiber.StatusSeeOther)
	}
	return s.renderOutbox(c, state, notice, failure)
}
