package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zona/store"
)

// TestConsoleFindsByEveryField: one search box finds a client by RFC, phone (as a caller
// says it), a contact's email and client ID, through the store's index; exact matches
// come first.
func TestConsoleFindsByEveryField(t *testing.T) {
	e := newEnv(t)
	rosa := storeNamedClient(t, e, "rosa@example.mx", "Rosa", "Anaya", "Ferretería Anaya")
	if _, err := e.st.UpdateClient(rosa.ID, rosa.Rev, func(c *store.Client) error {
		c.Phone, c.Fiscal.RFC = "+523312345678", "AARO800101AB1"
		return nil
	}, store.Event{Kind: store.KindAccountUpdated, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	mustContact(t, e.st, rosa.ID, contactSpec{first: "Pagos", email: "pagos@ferreteria-anaya.mx"})
	a, _ := mustStaffAgent(t, e)
	for _, q := range []string{"AARO800101AB1", "aaro800101ab1", "33 1234 5678", "+52 33 1234 5678", "044 33 1234 5678",
		"+52 1 33 1234 5678", "pagos@ferreteria-anaya.mx", rosa.ID, "ferreteria"} {
		r := a.get("/admin?q=" + url.QueryEscape(q))
		if got := strings.Join(rowNames(r), ","); got != "Rosa Anaya" {
			t.Errorf("q=%q: %q, want Rosa Anaya", q, got)
		}
	}
	// "ana" is Ana López's first name exactly and only starts Rosa's last name.
	r := a.get("/admin?q=ana")
	if got := strings.Join(rowNames(r), ","); got != "Ana López,Rosa Anaya" {
		t.Errorf("q=ana: %q, want the exact match first", got)
	}
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
}
