package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/gofiber/fiber/v2"

	"zona/store"
)

// Passkeys (WebAuthn). The browser's ceremony needs JavaScript (assets/passkey.js, the one
// part of Zona that does); everything around it is plain pages and forms.
//
// A ceremony's challenge travels in the HttpOnly cookie zona_webauthn, signed with the
// server's CSRF key and bound to its purpose ("login", or "register:<person>"), so a
// visitor who starts a passkey sign-in costs no disk; a challenge that signed someone in is
// remembered in the sessions store until it expires, so it works once.
const (
	webauthnCookie  = "zona_webauthn"
	ceremonyTimeout = 5 * time.Minute
	methodPasskey   = "passkey"
)

// newWebAuthn is the relying party for baseURL: its host is the RP ID, its origin the one
// origin accepted.
func newWebAuthn(brand, baseURL string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, err
	}
	timeout := webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTimeout, TimeoutUVD: ceremonyTimeout}
	return webauthn.New(&webauthn.Config{RPID: u.Hostname(), RPDisplayName: brand, RPOrigins: []string{u.Scheme + "://" + u.Host},
		Timeouts: webauthn.TimeoutsConfig{Login: timeout, Registration: timeout}})
}

// passkeyUser is a client-zone person as the WebAuthn library sees them. The user handle
// is the person's session PID (a client ID, or "<clientID>/<contactID>"): opaque IDs, no
// personal data.
type passkeyUser struct {
	p    *principal
	keys []store.Passkey
}

func (u *passkeyUser) WebAuthnID() []byte          { return []byte(u.p.sessionPID()) }
func (u *passkeyUser) WebAuthnName() string        { return u.p.Email() }
func (u *passkeyUser) WebAuthnDisplayName() string { return u.p.Name() }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, 0, len(u.keys))
	for _, k := range u.keys {
		var cred webauthn.Credential
		if err := json.Unmarshal(k.Credential, &cred); err == nil {
			out = append(out, cred)
		}
	}
	return out
}

// passkeyUserOf is p with its passkeys.
func (s *Server) passkeyUserOf(p *principal) (*passkeyUser, error) {
	keys, err := s.store.Passkeys(p.ClientID(), p.person())
	return &passkeyUser{p: p, keys: keys}, err
}

// passkeyUserByHandle finds the person a discoverable credential names.
func (s *Server) passkeyUserByHandle(handle []byte) (*passkeyUser, error) {
	pid := string(handle)
	kind := principalClient
	if strings.Contains(pid, "/") {
		kind = principalContact
	}
	p, err := s.principalFor(kind, pid)
	if err != nil {
		return nil, err
	}
	return s.passkeyUserOf(p)
}

// credentialID is how a credential is named in URLs and the store.
func credentialID(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }

// keepCeremony puts the ceremony's session data for purpose in the signed cookie.
func (s *Server) keepCeremony(c *fiber.Ctx, purpose string, sd *webauthn.SessionData) error {
	raw, err := json.Marshal(sd)
	if err != nil {
		return err
	}
	payload := base64.RawURLEncoding.EncodeToString(raw)
	c.Cookie(&fiber.Cookie{Name: webauthnCookie, Value: payload + "." + s.ceremonyMAC(purpose, payload), Path: "/",
		Secure: s.cfg.SecureCookies, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode, MaxAge: int(ceremonyTimeout.Seconds())})
	return nil
}

// ceremony reads back the session data of purpose's ceremony, and drops the cookie.
func (s *Server) ceremony(c *fiber.Ctx, purpose string) (*webauthn.SessionData, error) {
	payload, mac, _ := strings.Cut(c.Cookies(webauthnCookie), ".")
	c.Cookie(&fiber.Cookie{Name: webauthnCookie, Value: "", Path: "/", Secure: s.cfg.SecureCookies, HTTPOnly: true,
		SameSite: fiber.CookieSameSiteStrictMode, MaxAge: -1, Expires: time.Unix(1, 0)})
	if payload == "" || !hmac.Equal([]byte(mac), []byte(s.ceremonyMAC(purpose, payload))) {
		return nil, errCeremony
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, errCeremony
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal(raw, &sd); err != nil || time.Now().After(sd.Expires) {
		return nil, errCeremony
	}
	return &sd, nil
}

func (s *Server) ceremonyMAC(purpose, payload string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("webauthn:" + purpose + ":" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// errCeremony: no ceremony of this purpose was started on this browser, or it expired.
var errCeremony = userError(fiber.StatusBadRequest, "error.passkey_failed")

// spendChallenge remembers a challenge that signed someone in until it expires, and
// reports false when it was already spent.
func (s *Server) spendChallenge(sd *webauthn.SessionData) (bool, error) {
	ok, _, err := s.kv.Reserve(store.Attempt{Key: "wa:" + sd.Challenge, Max: 1, Window: ceremonyTimeout})
	return ok, err
}

// passkeyAnswer is the JSON the passkey script reads after a ceremony: where to go, or a
// message to show.
func passkeyAnswer(c *fiber.Ctx, status int, redirect, message string) error {
	return c.Status(status).JSON(fiber.Map{"redirect": redirect, "message": message})
}

// creationOptions are the options of a new credential for u: a discoverable credential
// (a passkey) that verifies its user (PIN or biometrics: a passkey stands for both
// factors), excluding the ones u already has.
func creationOptions(u *passkeyUser) []webauthn.RegistrationOption {
	return []webauthn.RegistrationOption{
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(), UserVerification: protocol.VerificationRequired}),
		webauthn.WithExclusions(webauthn.Credentials(u.WebAuthnCredentials()).CredentialDescriptors()),
	}
}

// errNoPasskeys: passkeys are off (the base URL cannot be a relying party).
var errNoPasskeys = userError(fiber.StatusNotFound, "error.passkey_failed")
