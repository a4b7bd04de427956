package handlers

import (
	"time"

	"zona/store"
)

// apiClient is a client as the JSON API shows it: never the password or PIN hash, only
// whether a PIN is set.
type apiClient struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	FirstName    string     `json:"first_name"`
	LastName     string     `json:"last_name"`
	Company      string     `json:"company"`
	Lang         string     `json:"lang"`
	Phone        string     `json:"phone"`
	Address      apiAddress `json:"address"`
	Fiscal       apiFiscal  `json:"fiscal"`
	Marketing    bool       `json:"marketing"`
	PasswordSet  bool       `json:"password_set"`
	PINSet       bool       `json:"pin_set"`
	PINChangedAt *time.Time `json:"pin_changed_at"`
	// SuspendedAt is when the account was suspended, null while it is active.
	SuspendedAt *time.Time `json:"suspended_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

type apiAddress struct {
	Street     string `json:"street"`
	Colonia    string `json:"colonia"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

type apiFiscal struct {
	RFC         string `json:"rfc"`
	RazonSocial string `json:"razon_social"`
	Regimen     string `json:"regimen"`
	UsoCFDI     string `json:"uso_cfdi"`
	PostalCode  string `json:"postal_code"`
}

func apiClientOf(c *store.Client) apiClient {
	out := apiClient{
		ID: c.ID, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Company: c.Company,
		Lang: c.Lang, Phone: c.Phone,
		Address: apiAddress{Street: c.Street, Colonia: c.Colonia, City: c.City, State: c.State,
			PostalCode: c.PostalCode, Country: c.CountryOrDefault()},
		Fiscal: apiFiscal{RFC: c.Fiscal.RFC, RazonSocial: c.Fiscal.RazonSocial, Regimen: c.Fiscal.Regimen,
			UsoCFDI: c.Fiscal.UsoCFDI, PostalCode: c.Fiscal.PostalCode},
		Marketing: c.Marketing.Given, PasswordSet: c.PasswordHash != "", PINSet: c.PINHash != "",
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if out.Lang == "" {
		out.Lang = "es"
	}
	if c.Suspended() {
		at := c.SuspendedAt
		out.SuspendedAt = &at
	}
	if !c.PINChangedAt.IsZero() && out.PINSet {
		at := c.PINChangedAt
		out.PINChangedAt = &at
	}
	return out
}
