package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
)

// Problem is what an error means to the person or program that made the request: the
// status it gets, a stable code for programs (the JSON API's error.code), the translation
// key of a message safe to show, and for a 503 how many seconds to wait.
type Problem struct {
	Status     int
	Code       string
	MsgKey     string
	RetryAfter string
}

// Shown is an error whose message is safe to show as it is: a status and a translation
// key. Handlers return it for what a person did wrong or may not do.
type Shown struct {
	Status int
	MsgKey string
}

func (e *Shown) Error() string { return e.MsgKey }

// Classify is the one table from errors to what people see. HTML pages, htmx fragments,
// the JSON API and the request metrics all read it, so one error never means a 409 to one
// of them and a 500 to another. Anything it does not know is an internal error: the
// details go to the log, never to the person.
func Classify(err error) Problem {
	var shown *Shown
	var domain *store.Error
	var fe *fiber.Error
	switch {
	case err == nil:
		return Problem{Status: fiber.StatusOK}
	case errors.As(err, &shown):
		return Problem{Status: shown.Status, Code: codeOf(shown.Status), MsgKey: shown.MsgKey}
	case errors.Is(err, store.ErrDiskFull):
		// Someone has to free space: minutes at best.
		return Problem{Status: fiber.StatusServiceUnavailable, Code: store.ErrDiskFull.Code, MsgKey: store.ErrDiskFull.MsgKey, RetryAfter: "120"}
	case errors.Is(err, store.ErrNotFound):
		return Problem{Status: fiber.StatusNotFound, Code: "not_found", MsgKey: "error.not_found"}
	case errors.As(err, &domain):
		return Problem{Status: fiber.StatusConflict, Code: domain.Code, MsgKey: domain.MsgKey}
	case errors.Is(err, secure.ErrBusy):
		// Password hashing frees up in seconds.
		return Problem{Status: fiber.StatusServiceUnavailable, Code: "busy", MsgKey: "error.busy", RetryAfter: "5"}
	case errors.As(err, &fe):
		return Problem{Status: fe.Code, Code: codeOf(fe.Code), MsgKey: keyOf(fe.Code)}
	}
	return Problem{Status: fiber.StatusInternalServerError, Code: "internal", MsgKey: "error.internal"}
}

func codeOf(status int) string {
	switch {
	case status == fiber.StatusNotFound:
		return "not_found"
	case status == fiber.StatusTooManyRequests:
		return "rate_limited"
	case status >= 500:
		return "internal"
	}
	return "error"
}

func keyOf(status int) string {
	switch status {
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
	if status >= 500 {
		return "error.internal"
	}
	return "error.bad_request"
}
