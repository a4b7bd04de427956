package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/views"
	"zona/web"
)

// userError is an error whose message is safe to show: a status and a translation key.
func userError(status int, msgKey string) error { return &web.Shown{Status: status, MsgKey: msgKey} }

// handleError is Fiber's one error handler: every error a handler returns becomes a page
// (or a fragment for htmx) here, or JSON under /api/ (handleAPIError), with the status
// web.Classify gives it. Anything not known to be safe is "internal error" with a request
// ID the person can quote; the details go to the log.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	if isAPI(c) {
		return s.handleAPIError(c, err)
	}
	p := web.Classify(err)
	rid, _ := c.Locals(localRequestID).(string)
	if p.Status >= 500 {
		s.log.Error("request failed", "err", err, "method", c.Method(), "path", c.Path(), "request_id", rid)
	}
	if p.RetryAfter != "" {
		c.Set(fiber.HeaderRetryAfter, p.RetryAfter)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	t := s.tr(c)
	page := views.ErrorPage{Title: t.T("error.title." + titleKind(p.Status)), Message: t.T(p.MsgKey)}
	if p.Status >= 500 {
		page.RequestID = rid
	}
	if rerr := s.render(c, p.Status, page.Title, views.Error(page)); rerr != nil {
		s.log.Error("error page failed", "err", rerr)
		return c.Status(p.Status).SendString(page.Message)
	}
	return nil
}

func titleKind(status int) string {
	switch {
	case status == fiber.StatusNotFound:
		return "not_found"
	case status == fiber.StatusForbidden:
		return "forbidden"
	case status >= 500:
		return "server"
	}
	return "request"
}
