package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// suspendClient suspends the account in the URL: every session of it (the owner's and its
// contacts') ends at once, and signing in is refused with a message that says so. Its mail
// is still archived. The history records it with the staff member's name.
func (s *Server) suspendClient(c *fiber.Ctx) error { return s.setSuspended(c, true) }

// setSuspended suspends or reactivates the account in the URL and answers from its page.
func (s *Server) setSuspended(c *fiber.Ctx, suspend bool) error {
	cl, _, err := s.store.SetClientSuspended(c.Params("id"), suspend, s.staffEvent(c, ""))
	if err != nil {
		return err // ErrNotFound is the 404 page
	}
	what := "reactivated"
	if suspend {
		what = "suspended"
	}
	return s.afterClientChange(c, cl, what)
}
