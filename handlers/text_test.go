package handlers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// hostileNames are names a person could not have typed into a one-line field: control
// characters and the bidirectional overrides and isolates that make text display as
// something else.
var hostileNames = map[string]string{
	"NUL":    "Ana\x00Admin",
	"ESC":    "Ana\x1b[31m",
	"DEL":    "Ana\x7f",
	"C1":     "Ana\u009b31mLópez",
	"line":   "Ana\nLópez",
	"U+202E": "Ana \u202Egnp.exe",
	"U+2066": "\u2066Ana\u2069",
}

// TestFormsRefuseControlCharacters posts the account form and a new contact with each
// hostile name: the answer is the form again (200) with "caracteres no válidos" beside the
// field, what was typed kept, and nothing saved.
func TestFormsRefuseControlCharacters(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	for name, hostile := range hostileNames {
		t.Run(name, func(t *testing.T) {
			form := accountForm(t, a)
			form.Set("last_name", hostile)
			form.Set("city", "Ciudad\u202E")
			r := a.post("/account", form)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("account: status %d", r.StatusCode)
			}
			for _, field := range []string{"last_name", "city"} {
				if in := r.doc.Find("#" + field); in.AttrOr("aria-invalid", "") != "true" {
					t.Errorf("account %s: not marked invalid", field)
				}
				if msg := r.text("#" + field + "-error"); !strings.Contains(msg, "caracteres no válidos") {
					t.Errorf("account %s: message %q", field, msg)
				}
			}
			if got, _ := e.st.ClientByID(e.client.ID); got.Rev != e.client.Rev {
				t.Error("the account form saved a hostile name")
			}

			r = a.post("/contacts/new", contactValues(nil, hostile, "luis@example.mx"))
			if r.StatusCode != http.StatusOK || !strings.Contains(r.text("#first_name-error"), "caracteres no válidos") {
				t.Errorf("contact: status %d, message %q", r.StatusCode, r.text("#first_name-error"))
			}
			if v := r.doc.Find("#first_name").AttrOr("value", ""); v == "" {
				t.Error("contact: what was typed is lost")
			}
			if cs, err := e.st.ListContacts(e.client.ID); err != nil || len(cs) != 0 {
				t.Errorf("a contact with a hostile name was saved (%d, %v)", len(cs), err)
			}
		})
	}
}

// TestAPIRefusesControlCharacters creates clients through the JSON API with each hostile
// name: 422 with the field named.
func TestAPIRefusesControlCharacters(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	for name, hostile := range hostileNames {
		t.Run(name, func(t *testing.T) {
			for _, field := range []string{"first_name", "last_name", "company"} {
				req := map[string]string{"email": "nuevo@example.mx", "first_name": "Beto", "last_name": "Ruiz", "company": "Hosting"}
				req[field] = hostile
				body, _ := json.Marshal(req)
				got := wantAPIError(t, apiCall(e, token, http.MethodPost, "/api/v1/clients", string(body)), http.StatusUnprocessableEntity, "invalid")
				if !strings.Contains(got.Error.Fields[field], "invalid characters") {
					t.Errorf("%s: fields %v", field, got.Error.Fields)
				}
			}
		})
	}
}
