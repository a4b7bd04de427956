package web

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
		key    string
		retry  string
	}{
		{"shown", &Shown{Status: 403, MsgKey: "error.csrf"}, 403, "error", "error.csrf", ""},
		{"wrapped not found", fmt.Errorf("client: %w", store.ErrNotFound), 404, "not_found", "error.not_found", ""},
		{"domain conflict", &store.Error{Code: "email_taken", MsgKey: "error.email_taken"}, 409, "email_taken", "error.email_taken", ""},
		{"disk full", fmt.Errorf("save: %w", store.ErrDiskFull), 503, "disk_full", "error.disk_full", "120"},
		{"busy", secure.ErrBusy, 503, "busy", "error.busy", "5"},
		{"fiber 404", fiber.ErrNotFound, 404, "not_found", "error.not_found", ""},
		{"fiber 429", fiber.ErrTooManyRequests, 429, "rate_limited", "error.too_many", ""},
		{"fiber 413", fiber.ErrRequestEntityTooLarge, 413, "error", "error.too_large", ""},
		{"anything else", errors.New("boom"), 500, "internal", "error.internal", ""},
	} {
		p := Classify(tc.err)
		if p.Status != tc.status || p.Code != tc.code || p.MsgKey != tc.key || p.RetryAfter != tc.retry {
			t.Errorf("%s: %+v, want %d %s %s %q", tc.name, p, tc.status, tc.code, tc.key, tc.retry)
		}
	}
}
