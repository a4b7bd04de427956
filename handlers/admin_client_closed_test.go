package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"zona/store"
)

// A closed account: its signed-in owner is out at once, nobody signs in with its email,
// and the console shows it as closed with only the fiscal identity it keeps.
func TestClosedAccountIsShownClosedAndCannotSignIn(t *testing.T) {
	e := newEnv(t)
	if _, err := e.st.UpdateClient(e.client.ID, e.client.Rev, func(c *store.Client) error {
		c.Fiscal = store.Fiscal{RFC: "LOPA850101AB1", RazonSocial: "Ana López Pérez"}
		return nil
	}, store.Event{Kind: store.KindAccountUpdated, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	owner := e.agent()
	owner.mustSignIn()
	if r := owner.get("/zona"); r.StatusCode != http.StatusOK {
		t.Fatalf("signed-in owner before closing: %d", r.StatusCode)
	}
	staff, st := mustStaffAgent(t, e)
	if _, err := e.st.CloseAccount(e.client.ID, store.Actor{Kind: store.ActorStaff, ID: st.ID, Name: st.Name}); err != nil {
		t.Fatal(err)
	}
	if r := owner.get("/zona"); r.StatusCode == http.StatusOK {
		t.Errorf("the closed account's session still opens the client zone")
	}
	if r := e.agent().signIn(testEmail, testPassword); r.StatusCode == http.StatusSeeOther && r.Header.Get("Location") == "/zona" {
		t.Errorf("the closed account signs in")
	}
	r := staff.get("/admin/clients/" + e.client.ID)
	if r.StatusCode != http.StatusOK || r.doc.Find(`[data-testid="admin-closed"]`).Length() != 1 {
		t.Fatalf("console page of the closed account: %d %.300s", r.StatusCode, r.body)
	}
	if fiscal := r.text(`[data-testid="admin-fiscal"]`); !strings.Contains(fiscal, "LOPA850101AB1") || !strings.Contains(fiscal, "Ana López Pérez") {
		t.Errorf("fiscal identity kept: %q", fiscal)
	}
	if identity := r.text(`[data-testid="admin-identity"]`); strings.Contains(identity, testEmail) || strings.Contains(identity, "Ana") {
		t.Errorf("the console still shows personal data: %q", identity)
	}
	if r.text(`[data-testid="admin-client-name"]`) != "Cuenta cerrada" {
		t.Errorf("name shown: %q", r.text(`[data-testid="admin-client-name"]`))
	}
}
