package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
	"zona/views"
)

// createToken makes a JSON API token and shows it once, in this answer only: the store
// keeps its SHA-256. Tokens belong to no client, so it is logged.
func (s *Server) createToken(c *fiber.Ctx) error {
	name, ok := formText(c, "name", false)
	if !ok || !store.ValidTokenName(name) {
		return s.renderTokens(c, views.TokensPage{}, name, "error.token_name")
	}
	token := secure.Token()
	if _, err := s.store.CreateAPIToken(name, secure.TokenHash(token)); errors.Is(err, store.ErrTokenNameTaken) {
		return s.renderTokens(c, views.TokensPage{}, name, "error.token_name_taken")
	} else if err != nil {
		return err
	}
	s.log.Info("API token created", "name", name, "staff", currentStaff(c).ID, "ip", c.IP())
	return s.renderTokens(c, views.TokensPage{NewToken: token, NewName: name}, "", "")
}
