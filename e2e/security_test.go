package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

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

// TestTOTPPagesInBrowser sets up an authenticator app from "Seguridad de la cuenta",
// signs out and back in with a code, checking each page of the way with axe-core and for
// sideways scrolling at phone and desktop width.
func TestTOTPPagesInBrowser(t *testing.T) {
	browser := StartBrowser(t)
	st, kv := storetest.MustOpen(t)
	people := map[string]string{Desktop.Name: "ana@example.com", Phone.Name: "eva@example.com"}
	for _, email := range people {
		storetest.MustCreateClient(t, st, email, "Ana", "López", anaPassword)
	}
	base := storetest.Serve(t, storetest.Config(), st, kv)
	for _, vp := range []Viewport{Phone, Desktop} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := NewTab(t, browser, vp)
			defer tab.AssertNoCSPViolations()
			signIn(tab, base, people[vp.Name], anaPassword, 200)
			tab.Navigate(base + "/security")
			tab.AssertAccessible("/security")
			tab.ClickAndLoad(`[data-testid="totp-setup"]`, 200)
			tab.AssertAccessible("/security/totp")
			tab.AssertNoHorizontalOverflow()
			if !Eval[bool](tab, `document.querySelector('[data-testid="totp-qr"]').naturalWidth > 0`) {
				t.Fatal("the QR code did not load under the CSP")
			}
			secret := strings.ReplaceAll(tab.Text(`[data-testid="totp-secret"]`), " ", "")
			tab.Do(chromedp.SendKeys(chromedp.ID("code"), code(t, secret, time.Now()), chromedp.NodeVisible))
			tab.ClickAndLoad(`[data-testid="totp-confirm"]`, 200)
			if n := Eval[int](tab, `document.querySelectorAll('[data-testid="recovery-code"]').length`); n != 10 {
				t.Fatalf("%d recovery codes shown", n)
			}
			tab.AssertAccessible("recovery codes")
			tab.AssertNoHorizontalOverflow()
			tab.ClickAndLoad(`[data-testid="recovery-continue"]`, 200)

			tab.Do(chromedp.Click(chromedp.CSS(`details[data-testid="user-menu"] > summary`), chromedp.NodeVisible))
			tab.ClickAndLoad(`[data-testid="logout"]`, 200)
			signIn(tab, base, people[vp.Name], anaPassword, 200)
			if p := tab.Path(); p != "/login/2fa" {
				t.Fatalf("after the password the browser is at %s", p)
			}
			tab.AssertAccessible("/login/2fa")
			tab.Do(chromedp.SendKeys(chromedp.ID("code"), code(t, secret, time.Now().Add(30*time.Second)), chromedp.NodeVisible))
			tab.ClickAndLoad(`[data-testid="second-step-submit"]`, 200)
			if p := tab.Path(); p != "/zona" {
				t.Fatalf("after the code the browser is at %s", p)
			}
		})
	}
}

// code is the TOTP code of secret at at, as an authenticator app shows it.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
