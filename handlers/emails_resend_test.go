package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"zona/store"
)

// A customer resends a message of the archive to their own address: a new copy of the same
// message, recorded, at most five an hour.
func TestResendToOneself(t *testing.T) {
	e := newEnv(t)
	mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx", emails: []string{store.CategoryNotes}})
	m := queue(t, e.st, e.client.ID, store.CategoryNotes, "Nota de pago", "<p>Pago recibido</p>")
	a := e.agent()
	a.mustSignIn()
	a.get("/emails/" + m.ID)
	for i := range 5 {
		r := a.post("/emails/"+m.ID+"/resend", nil)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.text(`[data-testid="email-notice"]`), testEmail) {
			t.Fatalf("resend %d: %d %q", i+1, r.StatusCode, r.text(`[data-testid="email-notice"]`))
		}
	}
	r := a.post("/emails/"+m.ID+"/resend", nil)
	if !strings.Contains(r.text(`[data-testid="email-notice"]`), "varios mensajes") {
		t.Fatalf("the sixth resend was not refused: %q", r.text(`[data-testid="email-notice"]`))
	}
	got, _ := e.st.MessageByID(e.client.ID, m.ID)
	if len(got.Copies) != 2+5 {
		t.Fatalf("%d copies, want the 2 first and 5 resent", len(got.Copies))
	}
	for _, c := range got.Copies[2:] {
		if c.To != testEmail || c.Kind != "owner" || c.Status != store.CopyQueued {
			t.Fatalf("resent copy %+v", c)
		}
	}
	items, _ := e.st.Outbox()
	if len(items) != 7 {
		t.Fatalf("outbox holds %d copies, want 7", len(items))
	}
	resent := 0
	for _, en := range activityKinds(t, e) {
		if en.Kind == store.KindEmailResent && en.Detail["to"] == testEmail && en.Actor.Kind == store.ActorOwner {
			resent++
		}
	}
	if resent != 5 {
		t.Fatalf("%d resends recorded, want 5", resent)
	}
}
