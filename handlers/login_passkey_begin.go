package handlers

import (
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/gofiber/fiber/v2"
)

// beginPasskeySignIn starts signing in with a passkey, on the sign-in page or as the
// second step: the options of navigator.credentials.get for a discoverable credential
// (the browser offers the person's passkeys for this site; no email is typed), as JSON
// for assets/passkey.js.
func (s *Server) beginPasskeySignIn(c *fiber.Ctx) error {
	if s.wa == nil {
		return errNoPasskeys
	}
	assertion, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return err
	}
	if err := s.keepCeremony(c, "login", sd); err != nil {
		return err
	}
	return c.JSON(assertion)
}
