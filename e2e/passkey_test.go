package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"zona/store/storetest"
)

// addAuthenticator gives the tab Chromium's virtual authenticator: a platform
// authenticator (like a phone's or a laptop's) that keeps discoverable credentials and
// verifies its user at once.
func addAuthenticator(tab *Tab) {
	tab.Do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{
				Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
				Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
				IsUserVerified: true, AutomaticPresenceSimulation: true,
			}})
		return err
	}))
}

// TestPasskeyRegisterSignInRemove adds a passkey under "Seguridad de la cuenta", signs out,
// signs in with it alone (no email, no password), and removes it; at phone and desktop
// width, under the CSP.
func TestPasskeyRegisterSignInRemove(t *testing.T) {
	browser := StartBrowser(t)
	st, kv := storetest.MustOpen(t)
	storetest.MustCreateClient(t, st, anaEmail, "Ana", "López", anaPassword)
	base := storetest.ServeAs(t, "localhost", storetest.Config(), st, kv)
	for _, vp := range []Viewport{Phone, Desktop} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := NewTab(t, browser, vp)
			defer tab.AssertNoCSPViolations()
			addAuthenticator(tab)
			signIn(tab, base, anaEmail, anaPassword, 200)

			tab.Navigate(base + "/security")
			tab.WaitTrue("the passkey form to show", `!document.querySelector('[data-testid="passkey-add"]').hidden`)
			tab.Do(chromedp.SendKeys(chromedp.ID("passkey-name"), "Mi teléfono", chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(`[data-testid="passkey-add-submit"]`), chromedp.NodeVisible))
			tab.WaitTrue("the passkey in the list", `location.search === "?done=passkey" && document.querySelector('[data-testid="passkey-name"]')?.textContent === "Mi teléfono"`)
			tab.AssertNoHorizontalOverflow()
			tab.Shot("passkey-added-" + vp.Name)

			tab.Do(chromedp.Click(chromedp.CSS(`details[data-testid="user-menu"] > summary`), chromedp.NodeVisible))
			tab.ClickAndLoad(`[data-testid="logout"]`, 200)
			tab.WaitTrue("the passkey sign-in to show", `!document.querySelector('[data-testid="passkey-login"]').hidden`)
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="passkey-login-submit"]`), chromedp.NodeVisible))
			tab.WaitTrue("the dashboard after the passkey", `location.pathname === "/zona"`)

			tab.Navigate(base + "/security")
			if got := tab.Text(`[data-testid="passkey-name"]`); got != "Mi teléfono" {
				t.Fatalf("passkey listed as %q", got)
			}
			tab.ClickAndLoad(`[data-testid="passkey-remove"]`, 200)
			tab.WaitTrue("the list without passkeys", `document.querySelector('[data-testid="passkeys-none"]') !== null`)
		})
	}
}
