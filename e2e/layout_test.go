package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"zona/store"
	"zona/store/storetest"
)

// customerPages are the customer's pages that the navigation must offer the owner.
var customerPages = []string{"/zona", "/account", "/contacts", "/password", "/emails", "/activity", "/sessions", "/security", "/privacy"}

// serveFurnished runs the app with Ana, one contact who receives two kinds of email, and a
// message in her archive, so that every customer page has something on it.
func serveFurnished(t *testing.T) string {
	t.Helper()
	st, kv := storetest.MustOpen(t)
	cl := storetest.MustCreateClient(t, st, anaEmail, "Ana", "López", anaPassword)
	ct := &store.Contact{ClientID: cl.ID, FirstName: "Luis", LastName: "Pérez", Email: "luis@example.com",
		Emails: map[string]bool{store.CategoryGeneral: true, store.CategoryNotes: true}}
	ev := store.Event{Kind: store.KindContactCreated, Actor: store.Actor{Kind: store.ActorOwner, ID: cl.ID, Name: anaName}}
	if _, err := st.CreateContact(ct, store.DefaultMaxContacts, nil, ev); err != nil {
		t.Fatal(err)
	}
	queueMail(t, st, cl.ID, store.CategoryNotes, "Nota de pago de noviembre", "<p>Importe del mes.</p>")
	return storetest.Serve(t, storetest.Config(), st, kv)
}

// oversized is a JavaScript expression: the visible buttons wider than 480 px and the
// visible inputs wider than 720 px, each as "tag#id (width)".
const oversized = `(() => {
	const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && el.checkVisibility({checkVisibilityCSS: true}); };
	const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.dataset.testid ? "[" + el.dataset.testid + "]" : "");
	const out = [];
	document.querySelectorAll('button, [role="button"], input[type="submit"]').forEach(b => {
		if (shown(b) && b.getBoundingClientRect().width > 480) out.push(name(b) + " (" + Math.round(b.getBoundingClientRect().width) + " px)");
	});
	document.querySelectorAll('input:not([type="hidden"]), select, textarea').forEach(i => {
		if (shown(i) && i.getBoundingClientRect().width > 720) out.push(name(i) + " (" + Math.round(i.getBoundingClientRect().width) + " px)");
	});
	return out;
})()`

// smallTargets is a JavaScript expression: the visible buttons, selects, summaries and
// inputs of the page less than 44 px high (a finger's tap target on a phone).
const smallTargets = `(() => {
	const out = [];
	document.querySelectorAll('button, [role="button"], select, summary, input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"])').forEach(el => {
		const r = el.getBoundingClientRect();
		if (r.width > 0 && el.checkVisibility({checkVisibilityCSS: true}) && r.height < 43.5) {
			out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " (" + Math.round(r.height) + " px)");
		}
	});
	return out;
})()`

// focusedInView is a JavaScript expression template: whether the element that %q selects is the
// focused element and lies wholly inside the window.
const focusedInView = `(() => {
	const el = document.querySelector(%q);
	if (!el) return false;
	const r = el.getBoundingClientRect();
	return document.activeElement === el && r.top >= 0 && r.bottom <= window.innerHeight;
})()`

// assertSectionNav checks the navigation rule on the current page: at desktop width every
// section link is visible without a click; on a phone they are hidden until the one
// "Secciones" button opens them. Exactly one link, the current page's, is
// aria-current="page".
func assertSectionNav(t *testing.T, tab *Tab, page string) {
	t.Helper()
	const links = `[data-testid="section-nav"] ul a`
	visible := func() []string {
		return Eval[[]string](tab, `[...document.querySelectorAll('`+links+`')].filter(a => a.checkVisibility() && a.getBoundingClientRect().height > 0).map(a => a.getAttribute("href"))`)
	}
	if tab.vp.Mobile {
		if got := visible(); len(got) != 0 {
			t.Errorf("%s (%s): %d section links shown before the menu button is pressed", page, tab.vp.Name, len(got))
		}
		if !tab.IsVisible(`[data-testid="section-nav-toggle"]`) {
			t.Fatalf("%s (%s): no button opens the sections", page, tab.vp.Name)
		}
		tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="section-nav-toggle"]`), chromedp.NodeVisible))
	} else if tab.IsVisible(`[data-testid="section-nav-toggle"]`) {
		t.Errorf("%s (%s): the sections button is shown at desktop width", page, tab.vp.Name)
	}
	// The sections are the dashboard and every page of the user menu (a page added to the
	// menu joins them), the nine customer pages among them.
	want := append([]string{"/zona"}, Eval[[]string](tab, `[...document.querySelectorAll('[data-testid="user-menu"] ul a')].map(a => a.getAttribute("href"))`)...)
	got := visible()
	if !slices.Equal(got, want) {
		t.Errorf("%s (%s): section links shown %v, want %v", page, tab.vp.Name, got, want)
	}
	for _, p := range customerPages {
		if !slices.Contains(got, p) {
			t.Errorf("%s (%s): no section link to %s", page, tab.vp.Name, p)
		}
	}
	current := Eval[[]string](tab, `[...document.querySelectorAll('`+links+`[aria-current="page"]')].map(a => a.getAttribute("href"))`)
	if len(current) != 1 || current[0] != page {
		t.Errorf("%s (%s): aria-current on %v, want only %s", page, tab.vp.Name, current, page)
	}
	if tab.vp.Mobile {
		tab.Shot("sections-open" + strings.ReplaceAll(page, "/", "-"))
		tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="section-nav-toggle"]`), chromedp.NodeVisible))
	}
}

// TestSectionsProportionsAndFeedback walks every customer page at desktop and phone width:
// the sections' navigation, sizes at desktop, tap targets on a phone, no sideways scroll,
// axe; then saves the
// account (the notice is focused in the window), sends it with an error (the summary is
// focused, naming and linking the field), fails a password change (the strength meter is
// empty with its field), and changes the language from the footer without a button. No
// console error or CSP violation on the way.
func TestSectionsProportionsAndFeedback(t *testing.T) {
	browser := StartBrowser(t)
	base := serveFurnished(t)
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := NewTab(t, browser, vp)
			signIn(tab, base, anaEmail, anaPassword, 200)
			for _, page := range customerPages {
				tab.Navigate(base + page)
				tab.WaitTrue("htmx", `window.htmx !== undefined`)
				assertSectionNav(t, tab, page)
				if !vp.Mobile {
					if got := Eval[[]string](tab, oversized); len(got) > 0 {
						t.Errorf("%s (%s): too wide: %s", page, vp.Name, strings.Join(got, ", "))
					}
				} else if got := Eval[[]string](tab, smallTargets); len(got) > 0 {
					t.Errorf("%s (%s): tap targets under 44 px high: %s", page, vp.Name, strings.Join(got, ", "))
				}
				tab.AssertNoHorizontalOverflow()
				tab.AssertAccessible(page)
				tab.FullShot("page" + strings.ReplaceAll(page, "/", "-") + "-" + vp.Name)
			}

			// A save: the notice takes the focus, in the window.
			tab.Navigate(base + "/account")
			tab.WaitTrue("htmx to take the form", `document.querySelector('[data-testid="account-form"]')["htmx-internal-data"] !== undefined`)
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="account-submit"]`), chromedp.NodeVisible))
			const saved = `[data-testid="account-page"] .notice.success`
			tab.WaitTrue("the saved notice, focused and in the window", fmt.Sprintf(focusedInView, saved))

			// An error: the summary names and links the field, focused, in the window.
			tab.WaitTrue("htmx to take the form", `document.querySelector('[data-testid="account-form"]')["htmx-internal-data"] !== undefined`)
			Eval[bool](tab, `(() => { document.getElementById("first_name").value = ""; return true })()`)
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="account-submit"]`), chromedp.NodeVisible))
			const summary = `[data-testid="account-page"] .error-summary`
			tab.WaitTrue("the error summary, focused and in the window", fmt.Sprintf(focusedInView, summary))
			if n := Eval[int](tab, `document.querySelectorAll('`+summary+` a[href="#first_name"]').length`); n != 1 {
				t.Errorf("the error summary links the first name %d times, want once: %q", n, tab.Text(summary))
			}
			tab.AssertAccessible("/account with errors")
			tab.FullShot("account-error-summary-" + vp.Name)

			// A failed password change: the new password is not sent back, so its meter is empty.
			tab.Navigate(base + "/password")
			tab.WaitTrue("htmx to take the form", `document.querySelector("#password-page form")["htmx-internal-data"] !== undefined`)
			tab.Do(
				chromedp.SendKeys(chromedp.ID("current"), "no-es-mi-clave-123", chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.ID("new"), "abc", chromedp.NodeVisible))
			tab.WaitTrue("the meter to rate it", `document.querySelectorAll("#strength .seg.on").length > 0`)
			tab.Shot("meter-" + vp.Name)
			Eval[string](tab, `document.getElementById("password-page").dataset.sent = "1"`)
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="password-submit"]`), chromedp.NodeVisible))
			tab.WaitTrue("the form to come back", `document.getElementById("password-page").dataset.sent === undefined`)
			if got := Eval[string](tab, `document.getElementById("new").value + "|" + document.querySelectorAll("#strength .seg").length`); got != "|0" {
				t.Errorf("after a failed change the new password and its meter segments read %q, want both empty", got)
			}
			tab.WaitTrue("the first error, focused and in the window", fmt.Sprintf(focusedInView, `#password-page .notice.error`))
			tab.FullShot("password-failed-" + vp.Name)

			// The footer's language applies on change; its button is only for pages without
			// JavaScript.
			if tab.IsVisible(`footer .lang-save`) {
				t.Error("the language button is shown with JavaScript on")
			}
			// SetValue fires the select's change event, as a person's choice does.
			tab.Do(chromedp.SetValue(chromedp.ID("lang-select"), "en"))
			tab.WaitTrue("the page in English", `document.documentElement.lang === "en" && document.readyState === "complete"`)
			if got := tab.Text(`[data-testid="section-nav"] a[aria-current="page"]`); got != "Change Password" {
				t.Errorf("in English the current section reads %q", got)
			}
			for _, page := range []string{"/contacts", "/activity"} {
				tab.Navigate(base + page)
				tab.FullShot("en" + strings.ReplaceAll(page, "/", "-") + "-" + vp.Name)
			}
			tab.Do(chromedp.SetValue(chromedp.ID("lang-select"), "es"))
			tab.WaitTrue("the page in Spanish", `document.documentElement.lang.startsWith("es") && document.readyState === "complete"`)

			tab.AssertNoCSPViolations()
			for _, m := range tab.Messages() {
				if strings.HasPrefix(m, "console.error") || strings.Contains(m, "log.error") {
					t.Errorf("console error: %s", m)
				}
			}
		})
	}
}

// TestSectionsAndFeedbackWithoutJavaScript: with scripts off, on a phone, the sections
// button still opens the navigation, the footer's language button is shown and works, and
// the notice of a save (a plain post) is focused in the window.
func TestSectionsAndFeedbackWithoutJavaScript(t *testing.T) {
	browser := StartBrowser(t)
	base := serveFurnished(t)
	tab := NewTab(t, browser, Phone)
	tab.Do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	signIn(tab, base, anaEmail, anaPassword, 200)
	tab.Navigate(base + "/account")
	assertSectionNav(t, tab, "/account")

	tab.ClickAndLoad(`[data-testid="account-submit"]`, 200)
	tab.WaitTrue("the saved notice, focused and in the window", fmt.Sprintf(focusedInView, `[data-testid="account-page"] .notice.success`))
	tab.FullShot("nojs-account-saved-phone")

	if !tab.IsVisible(`footer .lang-save`) {
		t.Fatal("without JavaScript the language button is hidden")
	}
	tab.Do(chromedp.SetValue(chromedp.ID("lang-select"), "en"))
	tab.ClickAndLoad(`footer .lang-save`, 200)
	if got := Eval[string](tab, `document.documentElement.lang`); got != "en" {
		t.Errorf("after the language button the page is in %q, want en", got)
	}
	tab.AssertNoCSPViolations()
}
