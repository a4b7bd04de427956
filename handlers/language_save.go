package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
)

// saveLanguage switches the interface language. The choice is kept in a cookie for this
// browser and, for a signed-in person, saved with their account (and so recorded in its
// history) so that it follows them to other devices.
func (s *Server) saveLanguage(c *fiber.Ctx) error {
	lang := c.FormValue("lang")
	if !locales.Supported(lang) {
		return userError(fiber.StatusBadRequest, "error.bad_request")
	}
	c.Cookie(&fiber.Cookie{
		Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.cfg.SecureCookies, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
	})
	if p := currentPrincipal(c); p != nil && p.lang() != lang {
		ev := s.event(c, p, store.KindLanguage)
		ev.Changes = []store.Change{{Field: "lang", Old: p.lang(), New: lang}}
		var err error
		if p.Contact != nil {
			// A contact's choice is its own; the account's language stays the owner's.
			_, _, err = s.store.UpdateContact(p.ClientID(), p.Contact.ID, 0, func(ct *store.Contact) error {
				ct.Lang = lang
				return nil
			}, nil, ev)
		} else {
			_, err = s.store.UpdateClient(p.ClientID(), p.Client.Rev, func(cl *store.Client) error {
				cl.Lang = lang
				return nil
			}, ev)
		}
		if err != nil {
			return err
		}
	}
	return c.Redirect(safeNext(c.FormValue("back")), fiber.StatusSeeOther)
}
