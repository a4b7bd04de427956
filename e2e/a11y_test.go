package e2e

import (
	"testing"
)

// TestPagesAreAccessible runs axe-core's WCAG 2.1 AA rules on every page a customer and a
// staff member reach, at desktop and phone width, with data on them (a contact, an archived
// message, a history) so that lists and forms are not empty.
func TestPagesAreAccessible(t *testing.T) {
	browser := StartBrowser(t)
	base := serveConsole(t) // Ana with a PIN, another client, a staff account
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := NewTab(t, browser, vp)
			tab.Navigate(base + "/login")
			tab.AssertAccessible("/login")
			tab.Navigate(base + "/password/forgot")
			tab.AssertAccessible("/password/forgot")
			signIn(tab, base, anaEmail, anaPassword, 200)
			for _, page := range []string{"/zona", "/account", "/contacts", "/contacts/new", "/password", "/emails", "/activity", "/sessions"} {
				tab.Navigate(base + page)
				tab.AssertAccessible(page)
			}
			staff := NewTab(t, browser, vp)
			staff.Navigate(base + "/admin/login")
			staff.AssertAccessible("/admin/login")
		})
	}
}
