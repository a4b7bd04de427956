package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/store"
)

// beginPasskey starts adding a passkey: the options the browser's
// navigator.credentials.create needs, as JSON for assets/passkey.js. The challenge is kept
// in the signed ceremony cookie, bound to this person.
func (s *Server) beginPasskey(c *fiber.Ctx) error {
	if s.wa == nil {
		return errNoPasskeys
	}
	p := currentPrincipal(c)
	u, err := s.passkeyUserOf(p)
	if err != nil {
		return err
	}
	if len(u.keys) >= store.MaxPasskeys {
		return passkeyAnswer(c, fiber.StatusConflict, "", s.tr(c).T("page.passkeys.too_many", "Count", store.MaxPasskeys))
	}
	creation, sd, err := s.wa.BeginRegistration(u, creationOptions(u)...)
	if err != nil {
		return err
	}
	if err := s.keepCeremony(c, "register:"+p.sessionPID(), sd); err != nil {
		return err
	}
	return c.JSON(creation)
}
