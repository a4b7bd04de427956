package handlers_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zona/mail/mailtest"
	"zona/store"
)

// liveLink finds Zona's one-time links (with their tokens) in what an SMTP server received.
var liveLink = regexp.MustCompile(`/(?:invite|password/reset|account/email)/[A-Za-z0-9_-]{20,}`)

// TestArchiveKeepsNoSecret walks the three security mails with a one-time link: a
// contact's invitation, its password reset, the owner's email change. Each link arrives by
// SMTP and works; no archived body (HTML, text, search text), and once the outbox is
// delivered no record at all, holds one; the owner can see that the contact's mail was
// sent, and opening it is 404, while the contact opens its own.
func TestArchiveKeepsNoSecret(t *testing.T) {
	m := newMailEnv(t)
	owner := m.agent()
	owner.mustSignIn()

	owner.get("/contacts/new")
	owner.post("/contacts/new", url.Values{"first_name": {"Luis"}, "last_name": {"Pérez"}, "email": {"luis@example.mx"},
		"country": {"MX"}, "access": {"1"}, "area_emails": {"1"}, "email_general": {"1"}})
	invite := inviteLink(t, m.deliver(1), "luis@example.mx")
	guest := m.agent()
	guest.get(invite)
	if r := guest.post(invite, url.Values{"new": {contactPassword}, "confirm": {contactPassword}}); r.doc.Find(`[data-testid="invite-signin"]`).Length() != 1 {
		t.Fatalf("the mailed invitation did not work: %d", r.StatusCode)
	}

	guest.get("/password/forgot")
	guest.post("/password/forgot", url.Values{"email": {"luis@example.mx"}})
	got := m.deliver(2)
	reset := resetLink(t, got[1])
	if r := guest.get(reset); r.StatusCode != http.StatusOK {
		t.Fatalf("the mailed reset link: %d", r.StatusCode)
	}

	form := accountForm(t, owner)
	form.Set("email", "ana.nueva@example.mx")
	form.Set("current", testPassword)
	if r := owner.post("/account", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("email change: %d", r.StatusCode)
	}
	got = m.deliver(4)
	var links []string
	for _, r := range got {
		links = append(links, liveLink.FindAllString(r.Part("text/plain"), -1)...)
	}
	if len(links) != 3 {
		t.Fatalf("%d one-time links delivered, want 3: %v", len(links), links)
	}

	msgs, _, err := m.st.ListMessages(m.client.ID, store.MessageQuery{Limit: 50})
	if err != nil || len(msgs) != 4 {
		t.Fatalf("%d archived messages, %v", len(msgs), err)
	}
	var contactMail []*store.Message
	for i, msg := range msgs {
		body, err := m.st.MessageBodyByID(m.client.ID, msg.ID)
		if err != nil {
			t.Fatal(err)
		}
		for part, v := range map[string]string{"html": body.HTML, "text": body.Text, "search": body.Fold} {
			for _, path := range []string{"/invite/", "/password/reset/", "/account/email/"} {
				if strings.Contains(v, path) {
					t.Errorf("archived %q (%s) has a %s link", msg.Subject, part, path)
				}
			}
		}
		if msg.Copies[0].Kind == "contact" {
			contactMail = append(contactMail, &msgs[i])
		}
	}
	var all bytes.Buffer
	if err := m.st.Backup(&all); err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		token := l[strings.LastIndex(l, "/")+1:]
		if bytes.Contains(all.Bytes(), []byte(token)) {
			t.Errorf("the store still holds the token of %s", l)
		}
	}

	// The owner sees that the contact's two mails were sent, not what they say.
	if len(contactMail) != 2 {
		t.Fatalf("%d mails to the contact, want 2", len(contactMail))
	}
	list := owner.get("/emails")
	if n := list.doc.Find(`[data-testid="email-private"]`).Length(); n != 2 {
		t.Errorf("%d rows marked for their recipient only, want 2", n)
	}
	if n := list.doc.Find(`[data-testid="email-view"]`).Length(); n != 2 {
		t.Errorf("%d rows the owner may open, want its own 2", n)
	}
	for _, msg := range contactMail {
		if !strings.Contains(list.body, msg.Subject) {
			t.Errorf("the owner's list lacks %q", msg.Subject)
		}
		for _, path := range []string{"/emails/" + msg.ID, "/emails/" + msg.ID + "/body", "/emails/" + msg.ID + "?view=text"} {
			if r := owner.get(path); r.StatusCode != http.StatusNotFound {
				t.Errorf("owner GET %s: %d, want 404", path, r.StatusCode)
			}
		}
	}
	// Searching the archive tells nothing of a body the owner may not read.
	if n := owner.get("/emails?q=" + url.QueryEscape("restablecer la contraseña")).doc.Find(`[data-testid="email-row"]`).Length(); n != 0 {
		t.Errorf("the owner's search found %d rows by the contact's reset text", n)
	}

	// The contact opens its own, and finds the note where the link was.
	contact := m.agent()
	if r := contact.signIn("luis@example.mx", contactPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("contact sign-in: %d", r.StatusCode)
	}
	if n := contact.get("/emails?q=" + url.QueryEscape("restablecer la contraseña")).doc.Find(`[data-testid="email-row"]`).Length(); n != 1 {
		t.Errorf("the contact's search found %d rows of its own reset", n)
	}
	for _, msg := range contactMail {
		if r := contact.get("/emails/" + msg.ID); r.StatusCode != http.StatusOK {
			t.Errorf("contact GET its %q: %d", msg.Subject, r.StatusCode)
		}
		r := contact.get("/emails/" + msg.ID + "/body")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.body, "se envió solo por correo") {
			t.Errorf("contact's %q body: %d %.300s", msg.Subject, r.StatusCode, r.body)
		}
	}
}

// TestDeliveryStatesInWords: a customer sees a copy's delivery in words, "No se pudo
// entregar" for a refused one, never the SMTP server's answer, which stays stored for staff.
func TestDeliveryStatesInWords(t *testing.T) {
	m := newMailEnv(t, mailtest.Options{Data: func(r mailtest.Received) error {
		if strings.Contains(r.Header.Get("Subject"), "rechazado") {
			return mailtest.ErrNoSuchUser
		}
		return nil
	}})
	refused := queue(t, m.st, m.client.ID, store.CategoryGeneral, "Aviso rechazado", "<p>Uno</p>")
	m.deliver(0)
	queue(t, m.st, m.client.ID, store.CategoryGeneral, "Aviso entregado", "<p>Dos</p>")
	m.deliver(1)
	queue(t, m.st, m.client.ID, store.CategoryGeneral, "Aviso en cola", "<p>Tres</p>")
	if stored, _ := m.st.MessageByID(m.client.ID, refused.ID); stored.Status() != store.CopyFailed || !strings.Contains(stored.Copies[0].LastError, "550") {
		t.Fatalf("the SMTP answer is not kept for staff: %+v", stored.Copies[0])
	}

	a := m.agent()
	a.mustSignIn()
	for lang, want := range map[string][]string{
		"es": {"En camino", "Enviado", "No se pudo entregar"},
		"en": {"On its way", "Sent", "Could not be delivered"},
	} {
		a.post("/language", url.Values{"lang": {lang}, "back": {"/emails"}})
		var states []string
		a.get("/emails").doc.Find(`[data-testid="email-status"]`).Each(func(_ int, s *goquery.Selection) {
			states = append(states, strings.TrimSpace(s.Text()))
		})
		if !slices.Equal(states, want) {
			t.Errorf("%s list states %v, want %v", lang, states, want)
		}
		r := a.get("/emails/" + refused.ID)
		if got := r.text(`[data-testid="email-copy-status"]`); got != want[2] {
			t.Errorf("%s copy state %q, want %q", lang, got, want[2])
		}
		for _, raw := range []string{"550", "no such user", "5.1.1"} {
			if strings.Contains(r.body, raw) {
				t.Errorf("%s: the customer sees the SMTP answer (%q)", lang, raw)
			}
		}
	}
}
