package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"zona/mail"
	"zona/store"
)

// Staff send a copy of a client's message again from the console's archive: a new copy to
// the same address, in the outbox, recorded with the staff member's name. A security mail
// has no button and its route is not found: its link is not kept.
func TestConsoleResendsACopy(t *testing.T) {
	e := newEnv(t)
	a, st := mustStaffAgent(t, e)
	m := queue(t, e.st, e.client.ID, store.CategoryNotes, "Nota de pago", "<p>Pago recibido</p>")
	page := a.get("/admin/clients/" + e.client.ID + "/emails")
	action, ok := page.doc.Find(`[data-testid="admin-email"][data-subject="Nota de pago"] form`).Attr("action")
	if !ok || !strings.HasSuffix(action, "/copies/"+m.Copies[0].ID+"/resend") {
		t.Fatalf("no resend form for the copy: %q", action)
	}
	r := a.post(action, nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d %.300s", r.StatusCode, r.body)
	}
	if got := a.get(r.Header.Get("Location")).text(`[data-testid="notice"]`); !strings.Contains(got, "Se reenvió") {
		t.Fatalf("notice after resending: %q", got)
	}
	after, err := e.st.MessageByID(e.client.ID, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Copies) != 2 || after.Copies[1].To != m.Copies[0].To || after.Copies[1].Status != store.CopyQueued {
		t.Fatalf("copies after the resend: %+v", after.Copies)
	}
	entries, _, err := e.st.ListActivity(e.client.ID, "", 5)
	if err != nil {
		t.Fatal(err)
	}
	if entries[0].Kind != store.KindEmailResent || entries[0].Actor.Kind != store.ActorStaff || entries[0].Actor.Name != st.Name {
		t.Fatalf("history: %s by %+v", entries[0].Kind, entries[0].Actor)
	}

	owner := mail.Owner(e.client)
	sec, err := mail.NewMailer(e.st, mail.Config{}, nil, nil).Send(mail.Outgoing{ClientID: e.client.ID,
		Category: store.CategoryAccount, Subject: "Su contraseña cambió", HTML: "<p>Aviso</p>", Concerns: &owner})
	if err != nil {
		t.Fatal(err)
	}
	page = a.get("/admin/clients/" + e.client.ID + "/emails")
	if n := page.doc.Find(`[data-testid="admin-email"][data-subject="Su contraseña cambió"] form`).Length(); n != 0 {
		t.Fatalf("a security mail offers %d resend forms", n)
	}
	if r := a.post("/admin/clients/"+e.client.ID+"/emails/"+sec.ID+"/copies/"+sec.Copies[0].ID+"/resend", nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("resending a security mail: %d, want 404", r.StatusCode)
	}
}
