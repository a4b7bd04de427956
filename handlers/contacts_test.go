package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"zona/mail"
	"zona/mail/mailtest"
	"zona/store"
)

// follow sends the agent to where a 303 points, as a browser without JavaScript would.
func (a *agent) follow(r *response) *response {
	a.e.t.Helper()
	for r.StatusCode == http.StatusSeeOther || r.StatusCode == http.StatusFound {
		r = a.get(r.Header.Get("Location"))
	}
	return r
}

// TestContactMailRoutingThroughSMTP sends a message of each category through the Mailer
// and checks at the SMTP server that it reached the owner and exactly the contacts holding
// that permission (promotions: only who opted in).
func TestContactMailRoutingThroughSMTP(t *testing.T) {
	m := newMailEnv(t)
	people := map[string][]string{
		"general@example.mx":  {store.CategoryGeneral},
		"products@example.mx": {store.CategoryProducts},
		"domains@example.mx":  {store.CategoryDomains},
		"notes@example.mx":    {store.CategoryNotes},
		"support@example.mx":  {store.CategorySupport},
		"todo@example.mx":     store.EmailPermissions,
		"nada@example.mx":     nil,
	}
	for email, perms := range people {
		mustContact(t, m.st, m.client.ID, contactSpec{first: "C", email: email, emails: perms})
	}
	promo, _ := mustContact(t, m.st, m.client.ID, contactSpec{first: "Promo", email: "promo@example.mx"})
	if _, _, err := m.st.UpdateContact(m.client.ID, promo.ID, 0, func(c *store.Contact) error {
		c.Marketing = store.Consent{Given: true, At: time.Now()}
		return nil
	}, nil, store.Event{Kind: store.KindContactUpdated, Actor: store.Actor{Kind: store.ActorOwner}}); err != nil {
		t.Fatal(err)
	}
	mcfg := mail.Config{Host: m.smtp.Host, Port: m.smtp.Port, TLS: mail.TLSNone, From: "Hosting <avisos@hosting.test>", Timeout: 5 * time.Second}
	mailer := mail.NewMailer(m.st, mcfg, m.worker, nil)
	cats := append(slices.Clone(store.EmailPermissions), store.CategoryMarketing)
	want := map[string][]string{}
	total := 0
	for _, cat := range cats {
		if _, err := mailer.Send(mail.Outgoing{ClientID: m.client.ID, Category: cat, Subject: "cat-" + cat, HTML: "<p>" + cat + "</p>"}); err != nil {
			t.Fatal(err)
		}
		var to []string
		if cat == store.CategoryMarketing {
			to = []string{"promo@example.mx"}
		} else {
			to = []string{testEmail}
			for email, perms := range people {
				if slices.Contains(perms, cat) {
					to = append(to, email)
				}
			}
		}
		sort.Strings(to)
		want["cat-"+cat] = to
		total += len(to)
	}
	if _, err := m.worker.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range m.smtp.WaitFor(total, 5*time.Second) {
		got[r.Header.Get("Subject")] = append(got[r.Header.Get("Subject")], r.To...)
	}
	for subject, to := range want {
		g := got[subject]
		sort.Strings(g)
		if !slices.Equal(g, to) {
			t.Errorf("%s reached %v, want %v", subject, g, to)
		}
	}
}

func inviteLink(t *testing.T, msgs []mailtest.Received, to string) string {
	t.Helper()
	for _, r := range msgs {
		if r.To[0] != to {
			continue
		}
		for _, l := range r.Links() {
			if strings.Contains(l, "/invite/") {
				return strings.TrimPrefix(l, "http://zona.test")
			}
		}
	}
	t.Fatalf("no invitation to %s among %d messages", to, len(msgs))
	return ""
}

// TestContactLifecycleWithoutJS walks a contact's life over plain HTTP, as a browser with
// JavaScript off: the owner adds it with the selector and full pages, edits it, gives it
// access; the contact accepts the invitation from the email, signs in, sees only its areas
// and its own emails; the owner turns its access off and its next request lands on the
// sign-in page.
func TestContactLifecycleWithoutJS(t *testing.T) {
	m := newMailEnv(t)
	owner := m.agent()
	owner.mustSignIn()
	m.deliver(0)

	// Add: the form is a page of its own; a mistake comes back beside its field.
	owner.get("/contacts/new")
	bad := owner.post("/contacts/new", url.Values{"first_name": {"Luis"}, "last_name": {"Pérez"}, "email": {"no-es-correo"}, "country": {"MX"}})
	if bad.StatusCode != http.StatusOK || bad.doc.Find(`#email[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("invalid form: %d %.300s", bad.StatusCode, bad.body)
	}
	add := url.Values{"first_name": {"Luis"}, "last_name": {"Pérez"}, "company": {"Pagos SA"}, "email": {"luis@example.mx"},
		"country": {"MX"}, "email_general": {"1"}, "area_emails": {"1"}}
	list := owner.follow(owner.post("/contacts/new", add))
	if list.text(`[data-testid="notice"]`) == "" || list.text(`[data-testid="contact-name"]`) != "Luis Pérez" {
		t.Fatalf("after adding: %.500s", list.body)
	}
	id, _ := list.doc.Find(`[data-testid="contact-row"]`).Attr("data-contact")

	// The selector opens the contact's form; edit it and save.
	form := owner.follow(owner.get("/contacts?edit=" + id))
	rev, _ := form.doc.Find(`input[name="rev"]`).Attr("value")
	edit := url.Values{"first_name": {"Luis"}, "last_name": {"Pérez Gil"}, "company": {"Pagos SA"}, "email": {"luis@example.mx"},
		"country": {"MX"}, "email_general": {"1"}, "email_support": {"1"}, "area_emails": {"1"}, "rev": {rev}}
	list = owner.follow(owner.post("/contacts/"+id, edit))
	if got := list.text(`[data-testid="contact-name"]`); got != "Luis Pérez Gil" {
		t.Fatalf("after editing, name %q", got)
	}
	if got := list.text(`[data-testid="contact-held"]`); !strings.Contains(got, "Soporte") || strings.Contains(got, "Emails Soporte") {
		t.Fatalf("categories held: %q", got)
	}
	// A stale form is refused, not saved over the newer one.
	stale := owner.post("/contacts/"+id, edit)
	if stale.StatusCode != http.StatusOK || stale.text(`[role="alert"]`) == "" {
		t.Fatalf("stale save: %d %.300s", stale.StatusCode, stale.body)
	}

	// Access on with the toggle (a plain form): an invitation goes to the contact alone.
	owner.follow(owner.post("/contacts/"+id+"/permissions/access", url.Values{"on": {"1"}}))
	msgs := m.deliver(1)
	link := inviteLink(t, msgs, "luis@example.mx")
	list = owner.get("/contacts")
	if st, _ := list.doc.Find(`[data-testid="contact-invite"]`).Attr("data-state"); st != "pending" {
		t.Fatalf("invitation state %q", st)
	}

	// The contact sets its password under the policy, once.
	guest := m.agent()
	guest.get(link)
	weak := guest.post(link, url.Values{"new": {"abc"}, "confirm": {"abc"}})
	if weak.doc.Find(`#new[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("weak password accepted: %.300s", weak.body)
	}
	done := guest.post(link, url.Values{"new": {contactPassword}, "confirm": {contactPassword}})
	if done.StatusCode != http.StatusOK || done.doc.Find(`[data-testid="invite-signin"]`).Length() != 1 {
		t.Fatalf("accepting: %d %.300s", done.StatusCode, done.body)
	}
	if again := guest.get(link); again.StatusCode != http.StatusGone {
		t.Fatalf("a used invitation answered %d", again.StatusCode)
	}

	// Signed in, the contact sees only its areas.
	contact := m.agent()
	if r := contact.signIn("luis@example.mx", contactPassword); r.Header.Get("Location") != "/zona" {
		t.Fatalf("contact sign-in: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	home := contact.get("/zona")
	var menu []string
	home.doc.Find(`[data-testid="user-menu"] a`).Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("data-testid")
		menu = append(menu, v)
	})
	if want := []string{"menu-password", "menu-emails", "menu-sessions", "menu-security", "menu-privacy"}; !slices.Equal(menu, want) {
		t.Fatalf("contact menu %v, want %v", menu, want)
	}
	for _, path := range []string{"/account", "/contacts", "/activity"} {
		if r := contact.get(path); r.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: %d, want 403", path, r.StatusCode)
		}
	}
	if r := contact.post("/account/pin", url.Values{"pin": {"402917"}, "pin_confirm": {"402917"}, "pin_current": {contactPassword}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("PIN as a contact: %d", r.StatusCode)
	}
	// Its emails: the invitation (addressed to it), not the owner's own mail.
	emails := contact.get("/emails")
	if n := emails.doc.Find(`[data-testid="email-row"]`).Length(); n != 1 {
		t.Fatalf("contact sees %d emails: %.600s", n, emails.body)
	}

	// The owner turns access off: the contact's next request is signed out.
	owner.follow(owner.post("/contacts/"+id+"/permissions/access", url.Values{"on": {"0"}}))
	r := contact.get("/emails")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("after access off: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := m.agent().signIn("luis@example.mx", contactPassword); r.StatusCode == http.StatusSeeOther {
		t.Fatal("a contact without access signed in")
	}

	// Delete with its confirmation page.
	confirm := owner.get("/contacts/" + id + "/delete")
	if confirm.doc.Find(`[data-testid="contact-delete-confirm"]`).Length() != 1 {
		t.Fatalf("no confirmation: %.300s", confirm.body)
	}
	list = owner.follow(owner.post("/contacts/"+id+"/delete", nil))
	if list.doc.Find(`[data-testid="contact-row"]`).Length() != 0 {
		t.Fatal("the contact is still listed")
	}
}

// TestContactCannotGrantMore: a contact managing contacts can neither change itself nor
// give a permission it lacks, nor touch a contact holding more than it.
func TestContactCannotGrantMore(t *testing.T) {
	e := newEnv(t)
	me, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Yo", email: "yo@example.mx", access: true, signIn: true,
		areas: []string{store.AreaContacts}, emails: []string{store.CategoryGeneral}})
	low, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Bajo", email: "bajo@example.mx"})
	high, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Alto", email: "alto@example.mx", areas: []string{store.AreaActivity}})
	a := plantSession(t, e, "contact", e.client.ID+"/"+me.ID, e.client.ID, me.ID)
	a.get("/contacts")
	for _, c := range []struct {
		path string
		want int
	}{
		{"/contacts/" + me.ID + "/permissions/activity", http.StatusForbidden},
		{"/contacts/" + low.ID + "/permissions/activity", http.StatusForbidden},
		{"/contacts/" + low.ID + "/permissions/support", http.StatusForbidden},
		{"/contacts/" + high.ID + "/permissions/general", http.StatusForbidden},
		{"/contacts/" + low.ID + "/permissions/contacts", http.StatusSeeOther},
		{"/contacts/" + low.ID + "/permissions/general", http.StatusSeeOther},
	} {
		if r := a.post(c.path, url.Values{"on": {"1"}}); r.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.path, r.StatusCode, c.want)
		}
	}
	// A form asking for more keeps what it may not grant as it was.
	v := contactValues(low, "Bajo", "bajo@example.mx")
	v.Set("area_activity", "1")
	v.Set("email_support", "1")
	a.post("/contacts/"+low.ID, v)
	got, err := e.st.ContactByID(e.client.ID, low.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Areas[store.AreaActivity] || got.Emails[store.CategorySupport] {
		t.Fatalf("granted more than held: %+v %+v", got.Areas, got.Emails)
	}
	if entries, _, _ := e.st.ListActivity(e.client.ID, "", 1); entries[0].Actor.Kind != store.ActorContact {
		t.Fatalf("last change by %+v, want the contact", entries[0].Actor)
	}
}
