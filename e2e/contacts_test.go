package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zona/mail"
	"zona/mail/mailtest"
	"zona/store/storetest"
)

const contactPassword = "Montaña-Azul-Oaxaca-2027"

// serveWithMail runs the app with Ana's account and a real SMTP server in the test; the
// worker delivers when asked (deliver).
func serveContactsWithMail(t *testing.T) (base string, deliver func(n int) []mailtest.Received) {
	t.Helper()
	srv := mailtest.Start(t, mailtest.Options{})
	st, kv := storetest.MustOpen(t)
	storetest.MustCreateClient(t, st, anaEmail, "Ana", "López", anaPassword)
	mcfg := mail.Config{Host: srv.Host, Port: srv.Port, TLS: mail.TLSNone, From: "Hosting <avisos@hosting.test>", Timeout: 5 * time.Second}
	w := mail.NewWorker(st, mcfg, nil, nil)
	cfg := storetest.Config()
	cfg.Mailer = mail.NewMailer(st, mcfg, w, cfg.Logger)
	base = storetest.Serve(t, cfg, st, kv)
	return base, func(n int) []mailtest.Received {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		return srv.WaitFor(n, 5*time.Second)
	}
}

// menuItems lists the data-testid of the user menu's links.
func menuItems(tab *Tab) []string {
	return Eval[[]string](tab, `[...document.querySelectorAll('[data-testid="user-menu"] a')].map(a => a.dataset.testid)`)
}

// TestContactsInlineInvitationAndAccess: the owner adds a contact and edits it inline,
// flips two permissions (stored: a reload shows them), turns access on; the contact
// accepts the invitation from the email the SMTP server caught, signs in and sees only its
// areas; the owner turns access off and the contact's next request lands on the sign-in
// page. At desktop and phone width.
func TestContactsInlineInvitationAndAccess(t *testing.T) {
	browser := StartBrowser(t)
	base, deliver := serveContactsWithMail(t)
	sent := 0
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			email := "luis-" + strings.ToLower(vp.Name) + "@example.mx"
			owner := NewTab(t, browser, vp)
			defer owner.AssertNoCSPViolations()
			signIn(owner, base, anaEmail, anaPassword, 200)
			owner.Do(chromedp.Click(chromedp.CSS(`details[data-testid="user-menu"] > summary`), chromedp.NodeVisible))
			if got := owner.Text(`[data-testid="menu-contacts"]`); got != "Contactos/Sub-cuentas" {
				t.Errorf("menu item reads %q", got)
			}
			owner.ClickAndLoad(`[data-testid="menu-contacts"]`, 200)
			owner.WaitTrue("htmx", `window.htmx !== undefined`)

			// Add, in place.
			owner.Do(chromedp.Click(chromedp.CSS(`[data-testid="contact-add"]`), chromedp.NodeVisible))
			owner.WaitTrue("the new contact's form", `document.querySelector('form#contact-new') !== null`)
			owner.AssertNoHorizontalOverflow()
			owner.Do(
				chromedp.SendKeys(chromedp.CSS(`form#contact-new #first_name`), "Luis", chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.CSS(`form#contact-new #last_name`), "Pérez", chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.CSS(`form#contact-new #email`), email, chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(`form#contact-new [data-testid="contact-submit"]`), chromedp.NodeVisible))
			find := fmt.Sprintf(`[...document.querySelectorAll('[data-testid="contact-row"]')].find(r => r.querySelector('[data-testid="contact-email"]').textContent === %q)`, email)
			owner.WaitTrue("the new contact's row", find+` !== undefined`)
			id := Eval[string](owner, find+`.dataset.contact`)
			row := "#contact-" + id
			if owner.Path() != "/contacts" {
				t.Fatalf("adding left the list for %s", owner.Path())
			}

			// Edit inline: the row turns into its form and back.
			owner.Do(chromedp.Click(chromedp.CSS(row+` [data-testid="contact-edit"]`), chromedp.NodeVisible))
			owner.WaitTrue("the row to turn into its form", fmt.Sprintf(`document.querySelector('form%s') !== null`, row))
			owner.Shot("contact-inline-form-" + vp.Name)
			owner.AssertNoHorizontalOverflow()
			owner.Do(
				chromedp.SendKeys(chromedp.CSS(`form`+row+` #company`), "Pagos del Norte", chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(`form`+row+` [data-testid="contact-submit"]`), chromedp.NodeVisible))
			owner.WaitTrue("the row with the new company", fmt.Sprintf(`document.querySelector('section%s [data-testid="contact-company"]')?.textContent === "Pagos del Norte"`, row))

			// Permissions are set in the editor: one email and one area; a reload shows them
			// stored, in the row's summary.
			owner.Do(chromedp.Click(chromedp.CSS(row+` [data-testid="contact-edit"]`), chromedp.NodeVisible))
			owner.WaitTrue("the row to turn into its form", fmt.Sprintf(`document.querySelector('form%s') !== null`, row))
			if got := owner.Text(`form` + row + ` [data-testid="contact-form-title"]`); got != "Editar a Luis Pérez" {
				t.Errorf("the editor is titled %q, want it to name the contact", got)
			}
			owner.Do(
				chromedp.Click(chromedp.CSS(`form`+row+` #email_general`), chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(`form`+row+` #area_emails`), chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(`form`+row+` [data-testid="contact-submit"]`), chromedp.NodeVisible))
			owner.WaitTrue("the row back", fmt.Sprintf(`document.querySelector('section%s') !== null`, row))
			owner.Navigate(base + "/contacts")
			if got := owner.Text(row + ` [data-testid="contact-held"]`); got != "Recibe: General" {
				t.Errorf("after a reload the row says %q", got)
			}
			if got := owner.Text(row + ` [data-testid="contact-areas"]`); got != "Emails Recibidos" {
				t.Errorf("after a reload the row's areas read %q", got)
			}
			if !Eval[bool](owner, `document.querySelector('`+row+` [data-testid="contact-areas"]').classList.contains("off")`) {
				t.Error("the areas of a contact without access are not greyed out")
			}
			owner.AssertNoHorizontalOverflow()

			// Access on, from the row's "more" menu: an invitation goes out.
			owner.WaitTrue("htmx", `window.htmx !== undefined`)
			accessBtn := fmt.Sprintf(`#perm-%s-access-btn`, id)
			owner.Do(
				chromedp.Click(chromedp.CSS(row+` [data-testid="contact-more"] > summary`), chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(accessBtn), chromedp.NodeVisible))
			owner.WaitTrue("the invitation pending", fmt.Sprintf(`document.querySelector('%s [data-testid="contact-invite"]')?.dataset.state === "pending"`, row))
			owner.Shot("contacts-list-" + vp.Name)
			sent++
			var link string
			for _, r := range deliver(sent) {
				if r.To[0] != email {
					continue
				}
				for _, l := range r.Links() {
					if strings.Contains(l, "/invite/") {
						link = l
					}
				}
			}
			if link == "" {
				t.Fatalf("no invitation reached %s", email)
			}

			// The contact accepts it and signs in.
			contact := NewTab(t, browser, vp)
			defer contact.AssertNoCSPViolations()
			contact.Navigate(link)
			contact.AssertNoHorizontalOverflow()
			contact.Do(
				chromedp.SendKeys(chromedp.ID("new"), contactPassword, chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.ID("confirm"), contactPassword, chromedp.NodeVisible))
			contact.ClickAndLoad(`[data-testid="invite-submit"]`, 200)
			if !contact.IsVisible(`[data-testid="invite-signin"]`) {
				t.Fatal("the invitation was not accepted")
			}
			signIn(contact, base, email, contactPassword, 200)
			if got, want := menuItems(contact), []string{"menu-password", "menu-emails", "menu-sessions", "menu-security", "menu-privacy"}; !slices.Equal(got, want) {
				t.Fatalf("the contact's menu offers %v, want %v", got, want)
			}
			contact.Navigate(base + "/emails")

			// Access off, from the owner's tab: the contact's next request is signed out.
			owner.Do(
				chromedp.Click(chromedp.CSS(row+` [data-testid="contact-more"] > summary`), chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(accessBtn), chromedp.NodeVisible))
			owner.WaitTrue("access off", fmt.Sprintf(`document.querySelector(%q)?.getAttribute("aria-pressed") === "false"`, accessBtn))
			contact.Navigate(base + "/emails")
			if p := contact.Path(); p != "/login" {
				t.Fatalf("after access off the contact is at %s, want /login", p)
			}
		})
	}
}
