package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"zona/store"
	"zona/store/storetest"
)

// serveWithAnaAndContact runs the app with Ana's account and one contact without
// permissions, Luis; it returns the base URL, the store and the contact.
func serveWithAnaAndContact(t *testing.T) (string, *store.Store, *store.Contact) {
	t.Helper()
	st, kv := storetest.MustOpen(t)
	cl := storetest.MustCreateClient(t, st, anaEmail, "Ana", "López", anaPassword)
	ct := &store.Contact{ClientID: cl.ID, FirstName: "Luis", LastName: "Pérez", Email: "luis@example.com"}
	ev := store.Event{Kind: store.KindContactCreated, Actor: store.Actor{Kind: store.ActorOwner, Name: "Ana"}}
	if _, err := st.CreateContact(ct, store.DefaultMaxContacts, nil, ev); err != nil {
		t.Fatal(err)
	}
	return storetest.Serve(t, storetest.Config(), st, kv), st, ct
}

// noticeText is the text of the notice region, "" when it is empty.
const noticeText = `(document.querySelector('[data-testid="request-notice"] p')||{textContent:""}).textContent`

// TestFailedToggleShowsANotice: on "Contactos", a permission toggle whose CSRF token has gone
// stale is refused by the server (403); htmx 2 swaps nothing for it, so the page must say
// so in its notice region, in Spanish, readable, with the toggle and the store unchanged.
// The next request clears the notice; a request that cannot reach the server says so too.
func TestFailedToggleShowsANotice(t *testing.T) {
	browser := StartBrowser(t)
	base, st, ct := serveWithAnaAndContact(t)
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := NewTab(t, browser, vp)
			defer tab.AssertNoCSPViolations()
			signIn(tab, base, anaEmail, anaPassword, 200)
			tab.Navigate(base + "/contacts")
			tab.WaitTrue("htmx", `window.htmx !== undefined`)
			toggle := fmt.Sprintf(`#contact-%s [data-testid="perm-access"]`, ct.ID)
			// The access toggle is in the row's "more" menu, which closes when the row is
			// redrawn.
			more := fmt.Sprintf(`#contact-%s [data-testid="contact-more"] > summary`, ct.ID)
			if got := Eval[string](tab, noticeText); got != "" {
				t.Fatalf("a notice before anything failed: %q", got)
			}

			// The token the page holds no longer matches the session's.
			Eval[bool](tab, `(() => {
				document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRF-Token": "caducado"}));
				document.querySelectorAll('input[name="_csrf"]').forEach(i => i.value = "caducado");
				return true;
			})()`)
			tab.Do(chromedp.Click(chromedp.CSS(more), chromedp.NodeVisible), chromedp.Click(chromedp.CSS(toggle), chromedp.NodeVisible))
			tab.WaitTrue("the notice of the refused toggle", noticeText+`.includes("El formulario caducó por seguridad")`)
			tab.AssertReadable(`[data-testid="request-notice"] p`)
			tab.AssertNoHorizontalOverflow()
			tab.Shot("notice-csrf-" + vp.Name)
			if got := Eval[string](tab, `document.querySelector(`+fmt.Sprintf("%q", toggle)+`).getAttribute("aria-pressed")`); got != "false" {
				t.Errorf("the refused toggle shows aria-pressed=%q", got)
			}
			if got, err := st.ContactByID(ct.ClientID, ct.ID); err != nil || got.Access {
				t.Fatalf("the refused toggle changed the contact (%v)", err)
			}
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="request-notice"] button`), chromedp.NodeVisible))
			tab.WaitTrue("the notice to close", noticeText+` === ""`)

			// With the network gone, the words come from the page, in its language.
			offline := func(on bool) chromedp.Action[chromedp.Void] {
				return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
						MatchedNetworkConditions: []*network.Conditions{{Offline: on, DownloadThroughput: -1, UploadThroughput: -1}},
					})
					return err
				})
			}
			tab.Do(offline(true), chromedp.Click(chromedp.CSS(toggle), chromedp.NodeVisible))
			tab.WaitTrue("the offline notice", noticeText+` === "No se pudo conectar. Revise su conexión e inténtelo de nuevo."`)
			tab.Do(offline(false))

			// A fresh page works again, and a request that succeeds leaves no notice.
			tab.Navigate(base + "/contacts")
			tab.WaitTrue("htmx", `window.htmx !== undefined`)
			tab.Do(chromedp.Click(chromedp.CSS(more), chromedp.NodeVisible), chromedp.Click(chromedp.CSS(toggle), chromedp.NodeVisible))
			tab.WaitTrue("the toggle on", `document.querySelector(`+fmt.Sprintf("%q", toggle)+`).getAttribute("aria-pressed") === "true"`)
			if got := Eval[string](tab, noticeText); got != "" {
				t.Errorf("a notice after a request that worked: %q", got)
			}
			tab.Do(chromedp.Click(chromedp.CSS(more), chromedp.NodeVisible), chromedp.Click(chromedp.CSS(toggle), chromedp.NodeVisible))
			tab.WaitTrue("the toggle off", `document.querySelector(`+fmt.Sprintf("%q", toggle)+`).getAttribute("aria-pressed") === "false"`)
		})
	}
}

// TestPasswordLockIsShown: after ten wrong current passwords on "Cambiar Contraseña" (sent
// by htmx), the eleventh attempt is refused by the lock, and the page says so.
func TestPasswordLockIsShown(t *testing.T) {
	browser := StartBrowser(t)
	base := serveWithAna(t)
	tab := NewTab(t, browser, Desktop)
	defer tab.AssertNoCSPViolations()
	signIn(tab, base, anaEmail, anaPassword, 200)
	tab.Navigate(base + "/password")
	tab.WaitTrue("htmx", `window.htmx !== undefined`)
	loads := len(tab.Visited())
	submit := func() {
		t.Helper()
		// The form swapped in by the last answer is htmx's once htmx has processed it; a
		// click before that would be a plain post.
		tab.WaitTrue("htmx to take the form", `document.querySelector("#password-page form")["htmx-internal-data"] !== undefined`)
		Eval[string](tab, `document.getElementById("password-page").dataset.sent = "1"`)
		tab.Do(
			chromedp.SendKeys(chromedp.ID("current"), "no-es-mi-clave-123", chromedp.NodeVisible),
			chromedp.Click(chromedp.CSS(`[data-testid="password-submit"]`), chromedp.NodeVisible))
		tab.WaitTrue("the form to come back", `document.getElementById("password-page").dataset.sent === undefined`)
	}
	for i := range 10 {
		submit()
		if msg := tab.Text("#current-error"); !strings.Contains(msg, "no es correcta") {
			t.Fatalf("wrong password %d: %q", i+1, msg)
		}
	}
	submit()
	tab.WaitTrue("the lock's message", `(document.querySelector('#password-page [data-testid="notice"]')||{textContent:""}).textContent.includes("Demasiados intentos")`)
	tab.AssertReadable(`#password-page [data-testid="notice"]`)
	if len(tab.Visited()) != loads {
		t.Error("the form reloaded the page")
	}
}
