package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

const strongPassword = "glaciar marimba tostada 7 ventana!"

// TestPasswordMeterAndSave types a weak and then a strong new password on "Cambiar
// Contraseña" and watches the meter change without a page load, then saves.
func TestPasswordMeterAndSave(t *testing.T) {
	browser := StartBrowser(t)
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			base := serveWithAna(t)
			tab := NewTab(t, browser, vp)
			defer tab.AssertNoCSPViolations()
			signIn(tab, base, anaEmail, anaPassword, 200)
			tab.Do(chromedp.Click(chromedp.CSS(`details[data-testid="user-menu"] > summary`), chromedp.NodeVisible))
			tab.ClickAndLoad(`[data-testid="menu-password"]`, 200)
			if h := tab.Text("h1"); h != "Cambiar Contraseña" {
				t.Fatalf("page title %q", h)
			}
			loads := len(tab.Visited())
			// Mark the document: a page load would lose the mark.
			Eval[int](tab, `window.zonaMark = 1`)

			tab.Do(chromedp.SendKeys(chromedp.ID("new"), "abc123", chromedp.NodeVisible))
			tab.WaitTrue("the meter to call it very weak",
				`(document.querySelector('[data-testid="strength-word"]')||{}).textContent === "Muy débil"`)
			if !tab.IsVisible(`[data-testid="strength-hints"]`) {
				t.Error("no hints for a weak password")
			}
			Eval[string](tab, `document.getElementById("new").value = ""`)
			tab.Do(chromedp.SendKeys(chromedp.ID("new"), strongPassword))
			tab.WaitTrue("the meter to call it strong",
				`["Fuerte","Muy fuerte"].includes((document.querySelector('[data-testid="strength-word"]')||{}).textContent)`)
			if !Eval[bool](tab, `window.zonaMark === 1`) || len(tab.Visited()) != loads {
				t.Fatal("the meter reloaded the page")
			}
			if got := Eval[string](tab, `document.getElementById("strength").getAttribute("aria-live")`); got != "polite" {
				t.Errorf("meter aria-live=%q", got)
			}
			tab.AssertNoHorizontalOverflow()

			tab.Do(
				chromedp.SendKeys(chromedp.ID("current"), anaPassword),
				chromedp.SendKeys(chromedp.ID("confirm"), strongPassword),
				chromedp.Click(chromedp.CSS(`[data-testid="password-submit"]`), chromedp.NodeVisible))
			tab.WaitTrue("the confirmation", `(document.querySelector('[data-testid="notice"]')||{}).textContent.includes("se cambió")`)
			tab.AssertReadable(`[data-testid="notice"]`)
		})
	}
}

// TestPasswordFormWithoutJavaScript saves a new password with scripts off: a plain form
// post, the verdict beside the field after submit (the meter empty with it), and the
// confirmation page.
func TestPasswordFormWithoutJavaScript(t *testing.T) {
	browser := StartBrowser(t)
	base := serveWithAna(t)
	tab := NewTab(t, browser, Desktop)
	tab.Do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	signIn(tab, base, anaEmail, anaPassword, 200)
	tab.Navigate(base + "/password")
	tab.Do(
		chromedp.SendKeys(chromedp.ID("current"), anaPassword, chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("new"), "abc123"),
		chromedp.SendKeys(chromedp.ID("confirm"), "abc123"))
	tab.ClickAndLoad(`[data-testid="password-submit"]`, 200)
	// The verdict is the message beside the field; the meter starts over with the empty
	// field.
	if msg := tab.Text(`[data-testid="new-error"]`); msg == "" {
		t.Fatal("no message beside the new password")
	}
	if n := Eval[int](tab, `document.querySelectorAll("#strength .seg, [data-testid=strength-word]").length`); n != 0 {
		t.Fatalf("after a plain submit the meter still shows a verdict (%d parts)", n)
	}
	tab.Do(
		chromedp.SendKeys(chromedp.ID("current"), anaPassword, chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("new"), strongPassword),
		chromedp.SendKeys(chromedp.ID("confirm"), strongPassword))
	tab.ClickAndLoad(`[data-testid="password-submit"]`, 200)
	if p := tab.Path(); p != "/password" {
		t.Fatalf("after saving: %s", p)
	}
	if n := tab.Text(`[data-testid="notice"]`); n == "" {
		t.Fatal("no confirmation after saving with scripts off")
	}
}
