package handlers

import (
	"github.com/gofiber/fiber/v2"

	"zona/store"
)

// apiSuspendClient suspends a client as the console does (every session ends, sign-in is
// refused, mail is still archived) and answers with the client. Suspending a suspended
// client changes nothing.
func (s *Server) apiSuspendClient(c *fiber.Ctx) error { return s.apiSetSuspended(c, true) }

// apiReactivateClient lets a suspended client sign in again.
func (s *Server) apiReactivateClient(c *fiber.Ctx) error { return s.apiSetSuspended(c, false) }

func (s *Server) apiSetSuspended(c *fiber.Ctx, suspend bool) error {
	cl, _, err := s.store.SetClientSuspended(c.Params("id"), suspend, apiEvent(c, ""))
	if err != nil {
		return err
	}
	return c.JSON(apiClientOf(cl))
}

// apiContact is a contact as the JSON API shows it: never a password hash.
type apiContact struct {
	ID          string     `json:"id"`
	FirstName   string     `json:"first_name"`
	LastName    string     `json:"last_name"`
	Company     string     `json:"company"`
	Email       string     `json:"email"`
	Phone       string     `json:"phone"`
	Address     apiAddress `json:"address"`
	Access      bool       `json:"access"`
	Invitation  string     `json:"invitation"`
	Emails      []string   `json:"emails"`
	Areas       []string   `json:"areas"`
	Marketing   bool       `json:"marketing"`
	PasswordSet bool       `json:"password_set"`
}

// apiListContacts lists a client's contacts with their permissions.
func (s *Server) apiListContacts(c *fiber.Ctx) error {
	cl, err := s.store.ClientByID(c.Params("id"))
	if err != nil {
		return err
	}
	list, err := s.store.ListContacts(cl.ID)
	if err != nil {
		return err
	}
	out := struct {
		Contacts []apiContact `json:"contacts"`
	}{Contacts: []apiContact{}}
	for _, ct := range list {
		out.Contacts = append(out.Contacts, apiContact{ID: ct.ID, FirstName: ct.FirstName, LastName: ct.LastName,
			Company: ct.Company, Email: ct.Email, Phone: ct.Phone,
			Address: apiAddress{Street: ct.Street, Colonia: ct.Colonia, City: ct.City, State: ct.State,
				PostalCode: ct.PostalCode, Country: ct.CountryOrDefault()},
			Access: ct.Access, Invitation: ct.Invite.State,
			Emails:    orEmpty(store.SortedKeys(ct.Emails, store.EmailPermissions)),
			Areas:     orEmpty(store.SortedKeys(ct.Areas, store.Areas)),
			Marketing: ct.Marketing.Given, PasswordSet: ct.PasswordHash != ""})
	}
	return c.JSON(out)
}

// orEmpty is list, or an empty list (JSON [] rather than null).
func orEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
