package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zona/secure"
	"zona/store"
	"zona/store/storetest"
)

const (
	anaRFC          = "LOLA850101AB1"
	anaContactEmail = "pagos@abarrotes-lopez.mx"
	supportPassword = "soporte-de-guardia-en-merida-9"
)

// serveConsoleDesk runs the app with Ana (PIN anaPIN, an RFC, and a contact who receives
// payment notes), another client and an admin, and returns its base URL and store.
func serveConsoleDesk(t *testing.T) (string, *store.Store) {
	t.Helper()
	st, kv := storetest.MustOpen(t)
	ana := storetest.MustCreateClient(t, st, anaEmail, "Ana", "López", anaPassword)
	storetest.MustCreateClient(t, st, "jose@example.com", "José", "Ramírez", anaPassword)
	owner := store.Actor{Kind: store.ActorOwner, ID: ana.ID, Name: anaName}
	pin, err := secure.Hash(context.Background(), anaPIN)
	if err != nil {
		t.Fatal(err)
	}
	if ana, err = st.SetPIN(ana.ID, pin, store.Event{Actor: owner, IP: "203.0.113.7"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateClient(ana.ID, ana.Rev, func(c *store.Client) error {
		c.Fiscal = store.Fiscal{RFC: anaRFC, RFCConfirmed: true}
		c.Street, c.City, c.State, c.PostalCode, c.Country = "Calle 5 de Mayo 10", "Puebla", "PUE", "72000", "MX"
		return nil
	}, store.Event{Kind: store.KindAccountUpdated, Actor: owner, IP: "203.0.113.7"}); err != nil {
		t.Fatal(err)
	}
	ct := &store.Contact{ClientID: ana.ID, FirstName: "Pagos", LastName: "Abarrotes", Email: anaContactEmail,
		Emails: map[string]bool{store.CategoryNotes: true}}
	if _, err := st.CreateContact(ct, 0, nil, store.Event{Kind: store.KindContactCreated, Actor: owner, IP: "203.0.113.7"}); err != nil {
		t.Fatal(err)
	}
	pw, err := secure.Hash(context.Background(), staffPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateStaff(&store.Staff{Name: staffName, Email: staffEmail, PasswordHash: pw, Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	return storetest.Serve(t, storetest.Config(), st, kv), st
}

// staffInvitation is the path of the invitation mailed to email: it is in the outbox copy
// alone (the server has no SMTP here, so the copy waits there).
func staffInvitation(t *testing.T, st *store.Store, email string) string {
	t.Helper()
	items, err := st.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`/admin/invite/[A-Za-z0-9_-]+`)
	for _, o := range items {
		m, err := st.MessageByID(o.ClientID, o.MessageID)
		if err == nil && o.Secret != nil && m.Copies[0].To == email {
			return re.FindString(o.Secret.Text)
		}
	}
	t.Fatalf("no invitation mailed to %s", email)
	return ""
}

// consoleSignIn signs a staff member in at /admin/login.
func consoleSignIn(t *testing.T, tab *Tab, base, email, password string) {
	t.Helper()
	tab.Navigate(base + "/admin/login")
	tab.Do(
		chromedp.SendKeys(chromedp.ID("email"), email, chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("password"), password, chromedp.NodeVisible))
	tab.ClickAndLoad(`button[data-testid="staff-login-submit"]`, 200)
	if p := tab.Path(); p != "/admin" {
		t.Fatalf("after the console sign-in the browser is at %s", p)
	}
}

// search types q in the console's search box and returns the names found.
func search(t *testing.T, tab *Tab, q string) []string {
	t.Helper()
	tab.Do(chromedp.SetValue(chromedp.ID("q"), q, chromedp.NodeVisible))
	tab.ClickAndLoad(`[data-testid="admin-search-submit"]`, 200)
	names := Eval[[]string](tab, `Array.from(document.querySelectorAll('[data-testid="admin-client-link"]')).map(a => a.textContent.trim())`)
	return names
}

// TestConsoleSupportDesk is the operator's day, at desktop and phone width: an admin adds
// a support member, who chooses their own password through the mailed link, signs in,
// finds a client by RFC and by a contact's email, edits the client's address, checks a PIN
// (a match and a miss) and sends a payment note after its preview. The client then sees
// the note in "Emails Recibidos", and the edit and the PIN checks with the support
// member's name in "Historial".
func TestConsoleSupportDesk(t *testing.T) {
	browserCtx := StartBrowser(t)
	base, st := serveConsoleDesk(t)
	for i, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			supportName := fmt.Sprintf("Sofía Ruiz %d", i+1)
			supportEmail := fmt.Sprintf("sofia%d@example.com", i+1)
			subject := fmt.Sprintf("Nota de pago %d", 1001+i)
			street := fmt.Sprintf("Av. Reforma %d", 200+i)

			// The admin adds a support member: an invitation, never a password.
			admin := NewTab(t, browserCtx, vp)
			defer admin.AssertNoCSPViolations()
			consoleSignIn(t, admin, base, staffEmail, staffPassword)
			if got := admin.Text(`[data-testid="console-badge"]`); got != "Consola" {
				t.Errorf("the header says %q beside the brand, want Consola", got)
			}
			admin.Navigate(base + "/admin/staff/new")
			admin.Do(
				chromedp.SendKeys(chromedp.ID("name"), supportName, chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.ID("email"), supportEmail, chromedp.NodeVisible),
				chromedp.SetValue(chromedp.ID("role"), store.RoleSupport, chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(`[data-testid="admin-staff-submit"]`), chromedp.NodeVisible))
			admin.WaitTrue("the staff list with the new member",
				`!!document.querySelector('[data-email="`+supportEmail+`"]')`)
			if got := admin.Text(`[data-email="` + supportEmail + `"] [data-testid="admin-staff-state"]`); !strings.Contains(got, "Invitado") {
				t.Errorf("the new member's state reads %q", got)
			}
			admin.AssertNoHorizontalOverflow()

			// The support member sets their own password and signs in.
			sup := NewTab(t, browserCtx, vp)
			defer sup.AssertNoCSPViolations()
			sup.Navigate(base + staffInvitation(t, st, supportEmail))
			sup.Do(
				chromedp.SendKeys(chromedp.ID("new"), supportPassword, chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.ID("confirm"), supportPassword, chromedp.NodeVisible))
			sup.ClickAndLoad(`[data-testid="staff-invite-submit"]`, 200)
			if !sup.IsVisible(`[data-testid="staff-invite-signin"]`) {
				t.Fatal("the invitation did not take the password")
			}
			consoleSignIn(t, sup, base, supportEmail, supportPassword)
			if Eval[bool](sup, `!!document.querySelector('[data-testid="menu-staff"]')`) {
				t.Error("a support member's menu offers the staff list")
			}

			// Found by RFC and by a contact's email.
			if got := search(t, sup, strings.ToLower(anaRFC)); len(got) != 1 || got[0] != anaName {
				t.Fatalf("searching the RFC found %v", got)
			}
			if got := search(t, sup, anaContactEmail); len(got) != 1 || got[0] != anaName {
				t.Fatalf("searching the contact's email found %v", got)
			}
			sup.AssertNoHorizontalOverflow()
			sup.ClickAndLoad(`[data-testid="admin-client-link"]`, 200)
			if got := sup.Text(`[data-testid="admin-address"]`); !strings.Contains(got, "Puebla") || strings.Contains(got, "PUE\n") {
				t.Errorf("the address reads %q, want the state in words", got)
			}
			sup.AssertNoHorizontalOverflow()

			// The address is edited through the customer's own form.
			sup.ClickAndLoad(`[data-testid="admin-edit"]`, 200)
			sup.Do(
				chromedp.SetValue(chromedp.ID("street"), street, chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(`[data-testid="account-submit"]`), chromedp.NodeVisible))
			sup.WaitTrue("the client page after the edit", `!!document.querySelector('[data-testid="admin-client"] [data-testid="notice"]')`)
			if got := sup.Text(`[data-testid="admin-address"]`); !strings.Contains(got, street) {
				t.Fatalf("the address after the edit reads %q", got)
			}
			sup.AssertNoHorizontalOverflow()
			Eval[bool](sup, `(window.scrollTo(0, 0), true)`)
			sup.Shot("console-client-" + vp.Name)

			// The PIN desk: a miss, then a match.
			for _, tc := range []struct{ pin, want string }{{"111111", "No coincide"}, {anaPIN, "Coincide"}} {
				sup.Do(
					chromedp.SetValue(chromedp.ID("pin"), tc.pin, chromedp.NodeVisible),
					chromedp.Click(chromedp.CSS(`[data-testid="admin-pin-submit"]`), chromedp.NodeVisible))
				sup.WaitTrue("the PIN answer "+tc.want, `(document.querySelector('[data-testid="admin-pin-result"]') || {}).textContent === "`+tc.want+`"`)
			}

			// A payment note, previewed, then sent.
			sup.ClickAndLoad(`[data-testid="admin-compose"]`, 200)
			sup.Do(
				chromedp.SetValue(chromedp.ID("category"), store.CategoryNotes, chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.ID("subject"), subject, chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.ID("body"), "Su **nota de pago** del mes está lista.", chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(`[data-testid="admin-compose-preview"]`), chromedp.NodeVisible))
			sup.WaitTrue("the preview", `!!document.querySelector('[data-testid="admin-preview-frame"]')`)
			if got := sup.Text(`[data-testid="admin-preview-recipients"]`); !strings.Contains(got, anaEmail) || !strings.Contains(got, anaContactEmail) {
				t.Errorf("the preview's recipients read %q", got)
			}
			// The frame is sandboxed (an opaque origin the page cannot read): its document
			// was served, and the page reported no CSP violation.
			sup.WaitTrue("the preview's document", `performance.getEntriesByType('resource').some(r =>
				r.name.includes('/messages/preview/') && r.responseStatus === 200)`)
			sup.Shot("console-preview-" + vp.Name)
			sup.AssertNoHorizontalOverflow()
			sup.Do(chromedp.Click(chromedp.CSS(`[data-testid="admin-compose-send"]`), chromedp.NodeVisible))
			sup.WaitTrue("the client page after sending", `!!document.querySelector('[data-testid="admin-client"] [data-testid="notice"]')`)

			// The client sees the note and the history, with the support member's name.
			client := NewTab(t, browserCtx, vp)
			defer client.AssertNoCSPViolations()
			client.Navigate(base + "/login")
			client.Do(
				chromedp.SendKeys(chromedp.ID("email"), anaEmail, chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.ID("password"), anaPassword, chromedp.NodeVisible))
			client.ClickAndLoad(`button[type="submit"]`, 200)
			client.Navigate(base + "/emails")
			if got := client.Text(`[data-testid="emails-table"]`); !strings.Contains(got, subject) {
				t.Fatalf("Emails Recibidos lacks the note: %q", got)
			}
			client.AssertNoHorizontalOverflow()
			client.Navigate(base + "/activity")
			staff := "Personal de soporte (" + supportName + ")"
			entries := Eval[[]map[string]string](client, `Array.from(document.querySelectorAll('[data-testid="activity-entry"]')).map(e => ({kind: e.dataset.kind, text: e.textContent}))`)
			seen := map[string]bool{}
			for _, en := range entries {
				if strings.Contains(en["text"], staff) {
					seen[en["kind"]] = true
					if en["kind"] == store.KindAccountUpdated && !strings.Contains(en["text"], street) {
						t.Errorf("the edit's line lacks the new street: %q", en["text"])
					}
				}
			}
			for _, k := range []string{store.KindAccountUpdated, store.KindPINMismatched, store.KindPINMatched, store.KindEmailQueued} {
				if !seen[k] {
					t.Errorf("Historial has no %s by %s", k, staff)
				}
			}
			client.AssertNoHorizontalOverflow()
		})
	}
}
