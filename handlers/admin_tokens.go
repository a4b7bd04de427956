package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/views"
)

// showTokens lists the JSON API tokens (admins only): names, creation and last use.
func (s *Server) showTokens(c *fiber.Ctx) error {
	notice := ""
	if c.Query("saved") == "revoked" {
		notice = s.tr(c).T("page.admin.tokens.revoked")
	}
	return s.renderTokens(c, views.TokensPage{Notice: notice}, "", "")
}

// renderTokens answers with the tokens page p, its name field holding name with the
// message of key.
func (s *Server) renderTokens(c *fiber.Ctx, p views.TokensPage, name, key string) error {
	t := s.tr(c)
	list, err := s.store.APITokens()
	if err != nil {
		return err
	}
	for _, tk := range list {
		p.Rows = append(p.Rows, views.TokenRow{Name: tk.Name, Created: tk.CreatedAt, LastUsed: tk.LastUsedAt})
	}
	p.Name = views.Field{Name: "name", Label: t.T("page.admin.tokens.name"), Type: "text", Value: name,
		Autocomplete: "off", Required: true, MaxLength: 64}
	if key != "" {
		p.Name.Error = t.T(key)
	}
	return s.render(c, fiber.StatusOK, t.T("page.admin.tokens.title"), views.AdminTokens(p))
}
