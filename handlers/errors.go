package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
	"zona/views"
)

// shownError is an error whose message is safe to show: a status and a translation key.
type shownError struct {
	status int
	msgKey string
}

func (e *shownError) Error() string { return e.msgKey }

func userError(status int, msgKey string) error { return &shownError{status: status, msgKey: msgKey} }

// handleError is Fiber's one error handler: every error a handler returns becomes a page
// (or a fragment for htmx) here, or JSON under /api/ (handleAPIError). Anything not known to be safe is "internal error" with a
// request ID the person can quote; the details go to the log.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	if isAPI(c) {
		return s.handleAPIError(c, err)
	}
	status, key := fiber.StatusInternalServerError, "error.internal"
	var shown *shownError
	var domain *store.Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &shown):
		status, key = shown.status, shown.msgKey
	case errors.Is(err, store.ErrDiskFull):
		status, key = fiber.StatusServiceUnavailable, store.ErrDiskFull.MsgKey
	case errors.Is(err, store.ErrNotFound):
		status, key = fiber.StatusNotFound, "error.not_found"
	case errors.As(err, &domain):
		status, key = fiber.StatusConflict, domain.MsgKey
	case errors.Is(err, secure.ErrBusy):
		status, key = fiber.StatusServiceUnavailable, "error.busy"
	case errors.As(err, &fe):
		status, key = fe.Code, statusKey(fe.Code)
	}
	rid, _ := c.Locals(localRequestID).(string)
	if status >= 500 {
		s.log.Error("request failed", "err", err, "method", c.Method(), "path", c.Path(), "request_id", rid)
	}
	if status == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, retryAfter(err))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	t := s.tr(c)
	page := views.ErrorPage{Title: t.T("error.title." + titleKind(status)), Message: t.T(key)}
	if status >= 500 {
		page.RequestID = rid
	}
	if rerr := s.render(c, status, page.Title, views.Error(page)); rerr != nil {
		s.log.Error("error page failed", "err", rerr)
		return c.Status(status).SendString(page.Message)
	}
	return nil
}

// retryAfter is the Retry-After of a 503 caused by err, in seconds: a busy server frees up
// in seconds, a full disk in minutes at best (someone has to free space).
func retryAfter(err error) string {
	if errors.Is(err, store.ErrDiskFull) {
		return "120"
	}
	return "5"
}

func statusKey(code int) string {
	switch code {
	case fiber.StatusNotFound:
		return "error.not_found"
	case fiber.StatusMethodNotAllowed:
		return "error.method"
	case fiber.StatusRequestEntityTooLarge:
		return "error.too_large"
	case fiber.StatusTooManyRequests:
		return "error.too_many"
	case fiber.StatusForbidden:
		return "error.forbidden"
	}
	if code >= 500 {
		return "error.internal"
	}
	return "error.bad_request"
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
