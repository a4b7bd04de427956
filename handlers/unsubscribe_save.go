package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/store"
)

// savePreferences changes the promotions consent of a preferences link's person: leave or
// join from the page's form (a pending consent confirmed this way counts as given through
// the link), or leave at once through a mail program's RFC 8058 one-click request, a POST
// whose body is List-Unsubscribe=One-Click. Each change is recorded with how it came.
//
// This route takes no CSRF token (csrfExempt): a one-click request comes from a mailbox
// provider's server, with no cookie and no page before it. The unguessable token in the
// path is what authorises it, and all it can do is set that one person's consent.
func (s *Server) savePreferences(c *fiber.Ctx) error {
	w, err := s.prefPersonOf(c)
	if err != nil {
		return err
	}
	t := s.tr(c)
	oneClick := string(c.Request().PostArgs().Peek("List-Unsubscribe")) == "One-Click"
	how, given := store.ConsentForm, false
	switch {
	case oneClick:
		how = store.ConsentOneClick
	case c.FormValue("action") == "join":
		given = true
		if w.consent().Pending {
			how = store.ConsentLink
		}
	case c.FormValue("action") != "leave":
		return s.renderPreferences(c, w, "")
	}
	ev := store.Event{Actor: w.actor(), IP: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 512),
		Detail: map[string]string{"how": how}}
	if _, err := s.store.SetMarketing(*w.token, given, ev); err != nil {
		return err
	}
	if oneClick {
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.SendString(t.T("page.preferences.left"))
	}
	if w.contact != nil {
		w.contact.Marketing = store.Consent{Given: given}
	} else {
		w.client.Marketing = store.Consent{Given: given}
	}
	notice := t.T("page.preferences.left")
	if given {
		notice = t.T("page.preferences.joined")
	}
	return s.renderPreferences(c, w, notice)
}
