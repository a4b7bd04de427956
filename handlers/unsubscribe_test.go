package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"zona/mail"
	"zona/mail/mailtest"
	"zona/store"
)

func optIn(t *testing.T, e *env, contactID string) {
	t.Helper()
	ev := store.Event{Actor: store.Actor{Kind: store.ActorOwner}, IP: "192.0.2.1", Detail: map[string]string{"how": store.ConsentForm}}
	if _, err := e.st.SetMarketing(store.PrefToken{ClientID: e.client.ID, ContactID: contactID}, true, ev); err != nil {
		t.Fatal(err)
	}
}

// ownerPrefPath opts the env's owner in to marketing, sends one, and returns the path of
// the preferences link that went out with it.
func ownerPrefPath(t *testing.T, e *env) string {
	t.Helper()
	optIn(t, e, "")
	queue(t, e.st, e.client.ID, store.CategoryMarketing, "Oferta", "<p>Dominios al 2x1</p>")
	items, err := e.st.Outbox()
	if err != nil || len(items) == 0 || items[len(items)-1].Unsubscribe == nil {
		t.Fatalf("no unsubscribe link in the outbox: %v", err)
	}
	u, err := url.Parse(items[len(items)-1].Unsubscribe.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

func activityKinds(t *testing.T, e *env) []store.Entry {
	t.Helper()
	entries, _, err := e.st.ListActivity(e.client.ID, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// Marketing mail carries RFC 8058's headers and a visible link; a cookieless one-click POST
// unsubscribes its recipient, whom the next marketing mail no longer reaches; the history
// says who left, and how.
func TestOneClickUnsubscribe(t *testing.T) {
	e := newEnv(t)
	srv := mailtest.Start(t, mailtest.Options{})
	cfg := mail.Config{Host: srv.Host, Port: srv.Port, TLS: mail.TLSNone, From: "Hosting <avisos@hosting.test>",
		Timeout: 5 * time.Second, BaseURL: "https://zona.hosting.test"}
	w := mail.NewWorker(e.st, cfg, nil, quietLog)
	mailer := mail.NewMailer(e.st, cfg, w, quietLog)
	ct, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx"})
	optIn(t, e, "")
	optIn(t, e, ct.ID)
	send := func(n int) []mailtest.Received {
		t.Helper()
		before := len(srv.Received())
		if _, err := mailer.Send(mail.Outgoing{ClientID: e.client.ID, Category: store.CategoryMarketing,
			Subject: "Oferta", HTML: "<html><body><p>Dominios al 2x1</p></body></html>"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		return srv.WaitFor(before+n, 5*time.Second)[before:]
	}
	got := send(2)
	if len(got) != 2 {
		t.Fatalf("%d copies, want 2", len(got))
	}
	var luisPath string
	for _, r := range got {
		link := strings.Trim(r.Header.Get("List-Unsubscribe"), "<>")
		if !strings.HasPrefix(link, "https://zona.hosting.test/unsubscribe/") || r.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("headers: List-Unsubscribe %q, List-Unsubscribe-Post %q", link, r.Header.Get("List-Unsubscribe-Post"))
		}
		if !strings.Contains(r.Part("text/plain"), link) || !strings.Contains(r.Part("text/html"), link) {
			t.Error("the body has no visible unsubscribe link")
		}
		if r.To[0] == "luis@example.mx" {
			u, _ := url.Parse(link)
			luisPath = u.Path
		}
	}
	// The archive keeps no one's link: reading it unsubscribes nobody.
	msgs, _, _ := e.st.ListMessages(e.client.ID, store.MessageQuery{Limit: 1})
	body, _ := e.st.MessageBodyByID(e.client.ID, msgs[0].ID)
	if strings.Contains(body.HTML+body.Text, "/unsubscribe/") {
		t.Fatal("the archived body holds an unsubscribe link")
	}

	// Unknown tokens are 404, alike.
	anon := e.agent()
	r1, r2 := anon.get("/unsubscribe/nope"), anon.postRaw("/unsubscribe/"+strings.Repeat("A", 43), "List-Unsubscribe=One-Click")
	if r1.StatusCode != http.StatusNotFound || r2.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown token: %d, %d", r1.StatusCode, r2.StatusCode)
	}
	page := e.agent().get(luisPath)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.text(`[data-testid="preferences-marketing"]`), "Recibe promociones") {
		t.Fatalf("preferences page: %d %.300s", page.StatusCode, page.body)
	}

	// The mailbox provider's one-click POST: no cookie, no CSRF token.
	req, _ := http.NewRequest(http.MethodPost, luisPath, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := e.app.Test(req, -1)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("one-click POST: %v %d", err, res.StatusCode)
	}
	if got := send(1); len(got) != 1 || got[0].To[0] != testEmail {
		t.Fatalf("after the unsubscribe %d copies went out", len(got))
	}
	var found bool
	for _, en := range activityKinds(t, e) {
		if en.Kind == store.KindMarketingOptOut && en.Actor.Kind == store.ActorContact && en.Actor.ID == ct.ID && en.Detail["how"] == store.ConsentOneClick {
			found = true
		}
	}
	if !found {
		t.Fatal("the history does not show the one-click opt-out")
	}
	a := e.agent()
	a.mustSignIn()
	if h := a.get("/activity"); !strings.Contains(h.body, "dejó de recibir promociones") {
		t.Fatal("the history page does not show the opt-out")
	}
}

// An owner who ticks promotions for a contact only asks: the contact gets a confirmation
// (whose archived copy holds no link) and receives marketing once it confirms.
func TestMarketingDoubleOptIn(t *testing.T) {
	e := newEnv(t)
	ct, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx"})
	a := e.agent()
	a.mustSignIn()
	a.get("/contacts/" + ct.ID)
	form := contactValues(ct, "Luis", "luis@example.mx")
	form.Set("marketing", "1")
	if r := a.post("/contacts/"+ct.ID, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %.300s", r.StatusCode, r.body)
	}
	stored, _ := e.st.ContactByID(e.client.ID, ct.ID)
	if stored.Marketing.Given || !stored.Marketing.Pending {
		t.Fatalf("consent %+v, want pending", stored.Marketing)
	}
	if _, err := mail.NewMailer(e.st, mail.Config{}, nil, quietLog).Send(mail.Outgoing{ClientID: e.client.ID,
		Category: store.CategoryMarketing, Subject: "Oferta", HTML: "<p>2x1</p>"}); err != store.ErrNoRecipients {
		t.Fatalf("marketing before the confirmation: %v, want no recipients", err)
	}
	items, _ := e.st.Outbox()
	if len(items) != 1 || items[0].Secret == nil {
		t.Fatalf("outbox %+v", items)
	}
	i := strings.Index(items[0].Secret.Text, "/unsubscribe/")
	if i < 0 {
		t.Fatal("the confirmation has no link")
	}
	path := strings.Fields(items[0].Secret.Text[i:])[0]
	body, _ := e.st.MessageBodyByID(e.client.ID, items[0].MessageID)
	if strings.Contains(body.HTML+body.Text, "/unsubscribe/") {
		t.Fatal("the archived confirmation holds the link")
	}
	b := e.agent()
	b.get(path)
	if r := b.post(path, url.Values{"action": {"join"}}); r.StatusCode != http.StatusOK {
		t.Fatalf("confirm: %d", r.StatusCode)
	}
	stored, _ = e.st.ContactByID(e.client.ID, ct.ID)
	if !stored.Marketing.Given {
		t.Fatal("not opted in after the confirmation")
	}
	kinds := map[string]string{}
	for _, en := range activityKinds(t, e) {
		kinds[en.Kind] = en.Detail["how"]
	}
	if kinds[store.KindMarketingAsked] != store.ConsentOwner || kinds[store.KindMarketingOptIn] != store.ConsentLink {
		t.Fatalf("history %v", kinds)
	}
}
