package handlers

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/secure"
	"zona/store"
)

// apiClientRequest is the body of POST /api/v1/clients. Password is optional.
type apiClientRequest struct {
	Email     string  `json:"email"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Company   string  `json:"company"`
	Lang      string  `json:"lang"`
	Password  *string `json:"password"`
	// Welcome, true unless said otherwise when no password is given, mails the new client
	// a link to set their password (as a client created in the console gets).
	Welcome *bool `json:"welcome"`
}

// apiCreateClient creates a client account (201 with the client, 409 when the email is
// taken). Without a password the client gets the welcome with a link to set one (unless
// "welcome": false; then nobody signs in until the client uses "¿Olvidó su contraseña?"). A password
// given is held to the same policy as everywhere (secure.CheckPassword). The new client's
// history records the creation, by the system via the API with the token's name.
func (s *Server) apiCreateClient(c *fiber.Ctx) error {
	var req apiClientRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	en := locales.For(locales.EN)
	var emailOK, firstOK, lastOK, companyOK bool
	req.Email, emailOK = typedText(req.Email)
	req.FirstName, firstOK = typedText(req.FirstName)
	req.LastName, lastOK = typedText(req.LastName)
	req.Company, companyOK = typedText(req.Company)
	req.Lang = strings.ToLower(strings.TrimSpace(req.Lang))
	fields := map[string]string{}
	if key := checkEmail(req.Email, emailOK); key != "" {
		fields["email"] = en.T(key)
	}
	if key := checkText(req.FirstName, firstOK, maxNameLen); key != "" {
		fields["first_name"] = en.T(key)
	}
	if key := checkText(req.LastName, lastOK, maxNameLen); key != "" {
		fields["last_name"] = en.T(key)
	}
	switch {
	case !companyOK:
		fields["company"] = en.T("form.invalid_chars")
	case utf8.RuneCountInString(req.Company) > maxNameLen:
		fields["company"] = en.T("form.too_long")
	}
	switch {
	case req.Lang == "":
		req.Lang = locales.ES
	case !locales.Supported(req.Lang):
		fields["lang"] = "Must be es or en."
	}
	hash := ""
	if req.Password != nil {
		switch {
		case len(*req.Password) > maxPasswordLen:
			fields["password"] = en.T("form.too_long")
		default:
			name := req.FirstName + " " + req.LastName
			if key := secure.CheckPassword(*req.Password, req.Email, name, req.Company); key != "" {
				fields["password"] = en.T(key)
			}
		}
	}
	if len(fields) > 0 {
		return invalidFields(fields)
	}
	if req.Password != nil {
		h, err := secure.Hash(c.UserContext(), *req.Password)
		if err != nil {
			return err
		}
		hash = h
	}
	cl := &store.Client{Email: req.Email, FirstName: req.FirstName, LastName: req.LastName,
		Company: req.Company, Lang: req.Lang, PasswordHash: hash}
	if err := s.store.CreateClient(cl, apiEvent(c, store.KindAccountCreated)); err != nil {
		if errors.Is(err, store.ErrEmailTaken) {
			return &apiError{status: fiber.StatusConflict, code: "email_taken",
				message: en.T("error.email_taken"), fields: map[string]string{"email": en.T("error.email_taken")}}
		}
		return err
	}
	if req.Welcome == nil && req.Password == nil || req.Welcome != nil && *req.Welcome {
		if err := s.sendWelcome(c, cl, apiEvent(c, "")); err != nil {
			return err
		}
	}
	c.Location("/api/v1/clients/" + cl.ID)
	return c.Status(fiber.StatusCreated).JSON(apiClientOf(cl))
}
