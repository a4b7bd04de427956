package handlers

import (
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/gofiber/fiber/v2"

	"zona/store"
)

// maxPasskeyName is how long a passkey's name may be.
const maxPasskeyName = 60

// addPasskey finishes adding a passkey: the browser's new credential (JSON from
// assets/passkey.js, with the name the person gave it) is checked against the ceremony's
// challenge and stored; the history records it.
func (s *Server) addPasskey(c *fiber.Ctx) error {
	if s.wa == nil {
		return errNoPasskeys
	}
	p := currentPrincipal(c)
	t := s.tr(c)
	var body struct {
		Name       string          `json:"name"`
		Credential json.RawMessage `json:"credential"`
	}
	if err := json.Unmarshal(c.Body(), &body); err != nil {
		return passkeyAnswer(c, fiber.StatusBadRequest, "", t.T("error.passkey_failed"))
	}
	name, ok := typedText(body.Name)
	switch {
	case !ok:
		return passkeyAnswer(c, fiber.StatusUnprocessableEntity, "", t.T("form.invalid_chars"))
	case utf8.RuneCountInString(name) > maxPasskeyName:
		return passkeyAnswer(c, fiber.StatusUnprocessableEntity, "", t.T("page.passkeys.name_too_long", "Count", maxPasskeyName))
	case name == "":
		name = t.T("page.passkeys.default_name")
	}
	sd, err := s.ceremony(c, "register:"+p.sessionPID())
	if err != nil {
		return passkeyAnswer(c, fiber.StatusBadRequest, "", t.T("error.passkey_failed"))
	}
	u, err := s.passkeyUserOf(p)
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body.Credential)
	if err != nil {
		return passkeyAnswer(c, fiber.StatusBadRequest, "", t.T("error.passkey_failed"))
	}
	cred, err := s.wa.CreateCredential(u, *sd, parsed)
	if err != nil {
		s.log.Info("passkey refused", "err", err, "ip", c.IP())
		return passkeyAnswer(c, fiber.StatusBadRequest, "", t.T("error.passkey_failed"))
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	pk := &store.Passkey{ID: credentialID(cred.ID), Name: name, Added: time.Now().UTC(), Credential: raw}
	err = s.store.AddPasskey(p.ClientID(), p.person(), pk, s.event(c, p, ""))
	if errors.Is(err, store.ErrConflict) {
		return passkeyAnswer(c, fiber.StatusConflict, "", t.T("page.passkeys.too_many", "Count", store.MaxPasskeys))
	}
	if err != nil {
		return err
	}
	return passkeyAnswer(c, fiber.StatusOK, "/security?done=passkey", "")
}
