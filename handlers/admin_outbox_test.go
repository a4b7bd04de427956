package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"zona/mail/mailtest"
	"zona/store"
)

// TestOutboxRetryDeliversOnce: a real SMTP server refuses one recipient for good; the copy
// shows as failed in the monitor with the server's answer; once the server accepts it,
// "Reintentar ahora" delivers it exactly once, and a delivered copy is never sent again.
func TestOutboxRetryDeliversOnce(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	m := newMailEnv(t, mailtest.Options{Rcpt: func(to string) error {
		if to == "rebota@example.mx" && refuse.Load() {
			return mailtest.ErrNoSuchUser
		}
		return nil
	}})
	mustContact(t, m.st, m.client.ID, contactSpec{first: "Rebota", email: "rebota@example.mx", emails: []string{store.CategoryNotes}})
	a, _ := mustStaffAgent(t, m.env)
	a.get("/admin/clients/" + m.client.ID + "/messages/new")
	r := a.post("/admin/clients/"+m.client.ID+"/messages/new", url.Values{"category": {"notes"}, "subject": {"Nota de pago 1001"},
		"format": {"markdown"}, "body": {"Su nota de pago"}, "step": {"send"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d %.300s", r.StatusCode, r.body)
	}
	m.deliver(1)
	failed := a.get("/admin/outbox?state=failed")
	row := failed.doc.Find(`[data-testid="outbox-row"]`)
	if row.Length() != 1 || !strings.Contains(row.Find(`[data-testid="admin-copy-answer"]`).Text(), "550") {
		t.Fatalf("failed copies: %d, answer %q", row.Length(), row.Find(`[data-testid="admin-copy-answer"]`).Text())
	}
	copyID, _ := row.Attr("data-copy")
	// The owner's copy was delivered: retrying it is refused.
	msgs, _, _ := m.st.ListMessages(m.client.ID, store.MessageQuery{Limit: 5})
	var ownerCopy string
	for _, cp := range msgs[0].Copies {
		if cp.To == testEmail {
			ownerCopy = cp.ID
		}
	}
	a.headers["HX-Request"] = "true"
	if r := a.post("/admin/outbox/"+ownerCopy+"/retry", nil); !strings.Contains(r.text(`[data-testid="notice"]`), "no se envía dos veces") {
		t.Fatalf("retry of a delivered copy: %d %q", r.StatusCode, r.text(`[data-testid="notice"]`))
	}
	delete(a.headers, "HX-Request")
	refuse.Store(false)
	if r := a.post("/admin/outbox/"+copyID+"/retry", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", r.StatusCode)
	}
	got := m.deliver(2)
	m.deliver(3) // another round finds nothing more to send
	var toBounce int
	for _, rc := range m.smtp.Received() {
		if slicesContains(rc.To, "rebota@example.mx") {
			toBounce++
		}
	}
	if len(got) != 2 || toBounce != 1 || len(m.smtp.Received()) != 2 {
		t.Fatalf("received %d messages, %d to the bounced address; want 2 and 1", len(m.smtp.Received()), toBounce)
	}
	if r := a.get("/admin/outbox?state=failed"); r.doc.Find(`[data-testid="outbox-row"]`).Length() != 0 {
		t.Fatal("the delivered copy is still listed as failed")
	}
	if r := a.post("/admin/outbox/"+copyID+"/retry", nil); r.StatusCode != http.StatusSeeOther || len(m.deliver(3)) != 2 {
		t.Fatal("a delivered copy went out twice")
	}
}

func slicesContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestComposePreviewThenSend: the body is Markdown made HTML and sanitised; the preview
// shows it in a sandboxed frame with its recipients; sending goes through the mailer, and
// the client's archive shows it to staff with its delivery; a security mail shows that it
// was sent, never its body.
func TestComposePreviewThenSend(t *testing.T) {
	e := newEnv(t)
	a, st := mustStaffAgent(t, e)
	path := "/admin/clients/" + e.client.ID + "/messages/new"
	a.get(path)
	bad := a.post(path, url.Values{"category": {"notes"}, "subject": {""}, "body": {"Hola"}, "step": {"preview"}})
	if bad.StatusCode != http.StatusOK || bad.doc.Find(`#subject[aria-invalid="true"]`).Length() != 1 || bad.text("#body") != "Hola" {
		t.Fatalf("missing subject: %d", bad.StatusCode)
	}
	body := "Su **nota de pago** está lista.\n\n<script>alert(1)</script>"
	pv := a.post(path, url.Values{"category": {"notes"}, "subject": {"Nota de pago"}, "format": {"markdown"}, "body": {body}, "step": {"preview"}})
	src, _ := pv.doc.Find(`[data-testid="admin-preview-frame"]`).Attr("src")
	frame := a.get(src)
	if !strings.Contains(frame.body, "<strong>nota de pago</strong>") || strings.Contains(frame.body, "<script") ||
		!strings.HasPrefix(frame.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("preview %s: %q", src, frame.body)
	}
	if r := e.agent().get(src); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("a preview opened without a staff session: %d", r.StatusCode)
	}
	if sb, ok := pv.doc.Find(`[data-testid="admin-preview-frame"]`).Attr("sandbox"); !ok || sb != "" {
		t.Fatalf("preview frame sandbox %q %v", sb, ok)
	}
	if !strings.Contains(pv.text(`[data-testid="admin-preview-recipients"]`), testEmail) {
		t.Fatalf("recipients %q", pv.text(`[data-testid="admin-preview-recipients"]`))
	}
	if n, _, _ := e.st.ListMessages(e.client.ID, store.MessageQuery{Limit: 5}); len(n) != 0 {
		t.Fatal("a preview sent the message")
	}
	if r := a.post(path, url.Values{"category": {"notes"}, "subject": {"Nota de pago"}, "format": {"markdown"}, "body": {body}, "step": {"send"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d", r.StatusCode)
	}
	en, err := e.st.LastOfKind(e.client.ID, store.KindEmailQueued, 5)
	if err != nil || en.Actor.Name != st.Name {
		t.Fatalf("history %+v %v", en, err)
	}
	a.post(path, url.Values{"category": {"account"}, "subject": {"Aviso de seguridad"}, "format": {"html"}, "body": {"<p>secreto</p>"}, "step": {"send"}})
	archive := a.get("/admin/clients/" + e.client.ID + "/emails")
	if archive.doc.Find(`[data-testid="admin-email"]`).Length() != 2 {
		t.Fatalf("archive: %d messages", archive.doc.Find(`[data-testid="admin-email"]`).Length())
	}
	private := archive.doc.Find(`[data-subject="Aviso de seguridad"]`)
	if private.Find(`[data-testid="admin-email-private"]`).Length() != 1 || private.Find("iframe").Length() != 0 {
		t.Fatal("a security mail's body is offered to staff")
	}
	if private.Find(`[data-testid="admin-copy-state"]`).Text() == "" {
		t.Fatal("no delivery state")
	}
	msgs, _, _ := e.st.ListMessages(e.client.ID, store.MessageQuery{Limit: 5})
	for _, m := range msgs {
		r := a.get("/admin/clients/" + e.client.ID + "/emails/" + m.ID + "/body")
		switch m.Category {
		case store.CategoryAccount:
			if r.StatusCode != http.StatusNotFound {
				t.Fatalf("security mail body: %d", r.StatusCode)
			}
		default:
			if r.StatusCode != http.StatusOK || !strings.Contains(r.body, "<strong>nota de pago</strong>") || !strings.HasPrefix(r.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Fatalf("body: %d %q", r.StatusCode, r.Header.Get("Content-Security-Policy"))
			}
		}
	}
}

// TestOutboxListsStaffMail: a staff invitation waits in the same outbox, listed under the
// member's name without a client page.
func TestOutboxListsStaffMail(t *testing.T) {
	e := newEnv(t)
	a, _ := mustStaffAgent(t, e)
	a.get("/admin/staff/new")
	a.post("/admin/staff/new", url.Values{"name": {"Sofía Ruiz"}, "email": {"sofia@example.mx"}, "role": {"support"}})
	r := a.get("/admin/outbox")
	row := r.doc.Find(`[data-testid="outbox-row"]`)
	if row.Length() != 1 || !strings.Contains(row.Text(), "Sofía Ruiz") || row.Find("header a").Length() != 0 {
		t.Fatalf("outbox rows: %d %q", row.Length(), row.Text())
	}
}
