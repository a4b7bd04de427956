package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/secure"
	"zona/store"
	"zona/views"
	"zona/web"
)

// prefPerson is the person a preferences link belongs to: the owner of client, or its
// contact when contact is not nil.
type prefPerson struct {
	token   *store.PrefToken
	client  *store.Client
	contact *store.Contact
}

func (w *prefPerson) consent() store.Consent {
	if w.contact != nil {
		return w.contact.Marketing
	}
	return w.client.Marketing
}

func (w *prefPerson) actor() store.Actor {
	if w.contact != nil {
		return store.Actor{Kind: store.ActorContact, ID: w.contact.ID, Name: w.contact.Name()}
	}
	return store.Actor{Kind: store.ActorOwner, ID: w.client.ID, Name: w.client.Name()}
}

// prefPersonOf is the person of the preferences link in the URL. Every look-up reserves an
// attempt of the address (web.PrefIP) first and a known link gives it back, so guessing
// tokens is refused for a while after a few, even all at once. An unknown, expired or
// orphaned token is ErrNotFound: the same 404 page whatever the reason.
func (s *Server) prefPersonOf(c *fiber.Ctx) (*prefPerson, error) {
	ip := web.PrefIP.For(c.IP())
	if ok, _, err := s.kv.Reserve(ip); err != nil {
		return nil, err
	} else if !ok {
		return nil, fiber.ErrTooManyRequests
	}
	tok, err := s.store.PrefTokenFor(secure.TokenHash(c.Params("token")))
	if err != nil {
		return nil, err
	}
	w := &prefPerson{token: tok}
	if w.client, err = s.store.ClientByID(tok.ClientID); err != nil {
		return nil, err
	}
	if tok.ContactID != "" {
		if w.contact, err = s.store.ContactByID(tok.ClientID, tok.ContactID); err != nil {
			return nil, err
		}
	}
	return w, s.kv.Forgive(ip.Key)
}

// showPreferences is the page of a preferences link: no sign-in, since the person may have
// no access to the client zone (a contact who only receives mail).
func (s *Server) showPreferences(c *fiber.Ctx) error {
	w, err := s.prefPersonOf(c)
	if err != nil {
		return err
	}
	return s.renderPreferences(c, w, "")
}

func (s *Server) renderPreferences(c *fiber.Ctx, w *prefPerson, notice string) error {
	t := s.tr(c)
	v := views.PreferencesPage{Action: c.Path(), Name: w.client.Name(), Email: w.client.Email,
		Marketing: w.consent().Given, Pending: w.consent().Pending, Notice: notice}
	for _, k := range store.EmailPermissions {
		if w.contact == nil || w.contact.Emails[k] {
			v.Categories = append(v.Categories, k)
		}
	}
	if w.contact != nil {
		v.Name, v.Email = w.contact.Name(), w.contact.Email
	}
	return s.render(c, fiber.StatusOK, t.T("page.preferences.title"), views.Preferences(v))
}
