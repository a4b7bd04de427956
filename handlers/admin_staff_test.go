package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"zona/store"
)

func TestAdminInvitesSupportWhoSetsOwnPassword(t *testing.T) {
	e := newEnv(t)
	admin, _ := mustStaffAgent(t, e)
	admin.get("/admin/staff/new")
	// Bad input keeps what was typed, with a message beside the field.
	r := admin.post("/admin/staff/new", url.Values{"name": {"Sofía Ruiz"}, "email": {"no-es-correo"}, "role": {"support"}})
	if r.StatusCode != http.StatusOK || r.doc.Find(`#email[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("bad email: %d %.300s", r.StatusCode, r.body)
	}
	if v, _ := r.doc.Find(`#name`).Attr("value"); v != "Sofía Ruiz" {
		t.Fatalf("name typed lost: %q", v)
	}
	r = admin.post("/admin/staff/new", url.Values{"name": {"Sofía Ruiz"}, "email": {"sofia@example.mx"}, "role": {"support"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite: %d %.300s", r.StatusCode, r.body)
	}
	list := admin.get("/admin/staff")
	if !strings.Contains(list.text(`[data-email="sofia@example.mx"]`), "Soporte") {
		t.Fatalf("the list does not show the support member: %q", list.text(`[data-testid="admin-staff-list"]`))
	}
	// Nobody can sign in before the invitee chose a password.
	if r := e.agent().staffSignIn("sofia@example.mx", ""); r.StatusCode == http.StatusSeeOther {
		t.Fatal("an invited member signed in without a password")
	}
	link := outboxLink(t, e, "sofia@example.mx", regexp.MustCompile(`/admin/invite/[A-Za-z0-9_-]+`))
	b := e.agent()
	b.get(link)
	if r := b.post(link, url.Values{"new": {newPassword}, "confirm": {newPassword}}); r.StatusCode != http.StatusOK || r.doc.Find(`[data-testid="staff-invite-signin"]`).Length() != 1 {
		t.Fatalf("accept: %d %.300s", r.StatusCode, r.body)
	}
	if r := e.agent().get(link); r.StatusCode != http.StatusGone {
		t.Fatalf("a used link answered %d", r.StatusCode)
	}
	support := e.agent()
	if r := support.staffSignIn("sofia@example.mx", newPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("support sign-in: %d %.300s", r.StatusCode, r.body)
	}
	home := support.get("/admin")
	if home.StatusCode != http.StatusOK || home.doc.Find(`[data-testid="menu-staff"]`).Length() != 0 {
		t.Fatalf("support home: %d; staff menu shown: %d", home.StatusCode, home.doc.Find(`[data-testid="menu-staff"]`).Length())
	}
	if admin.get("/admin").doc.Find(`[data-testid="menu-staff"]`).Length() != 1 {
		t.Fatal("the admin's menu lacks Personal")
	}
	for _, path := range []string{"/admin/staff", "/admin/staff/new"} {
		if r := support.get(path); r.StatusCode != http.StatusForbidden {
			t.Fatalf("support at %s: %d", path, r.StatusCode)
		}
	}
}

func TestDisabledStaffIsOutAtOnce(t *testing.T) {
	e := newEnv(t)
	admin, me := mustStaffAgent(t, e)
	sup := mustStaffRole(t, e, "Sofía Ruiz", "sofia@example.mx", store.RoleSupport)
	b := e.agent()
	if r := b.staffSignIn(sup.Email, staffPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.StatusCode)
	}
	b.get("/admin")
	admin.get("/admin/staff")
	if r := admin.post("/admin/staff/"+sup.ID+"/disable", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d %.300s", r.StatusCode, r.body)
	}
	if r := b.get("/admin"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
		t.Fatalf("a disabled member's session goes on: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r := e.agent().staffSignIn(sup.Email, staffPassword)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.text(`[data-testid="notice"]`), "deshabilitada") {
		t.Fatalf("disabled sign-in: %d %q", r.StatusCode, r.text(`[data-testid="notice"]`))
	}
	admin.get("/admin/staff")
	admin.post("/admin/staff/"+sup.ID+"/enable", nil)
	if r := e.agent().staffSignIn(sup.Email, staffPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("enabled again, sign-in: %d", r.StatusCode)
	}
	// Nobody disables themselves, and the last enabled admin stays.
	admin.headers["HX-Request"] = "true"
	if r := admin.post("/admin/staff/"+me.ID+"/disable", nil); !strings.Contains(r.text(`[data-testid="notice"]`), "a sí mismo") {
		t.Fatalf("self-disable: %d %q", r.StatusCode, r.text(`[data-testid="notice"]`))
	}
	other := mustStaff(t, e, "Otra Admin", "otra.admin@example.mx")
	if _, err := e.st.SetStaffDisabled(me.ID, true); err != nil {
		t.Fatalf("one of two admins: %v", err)
	}
	if _, err := e.st.SetStaffDisabled(other.ID, true); err != store.ErrLastAdmin {
		t.Fatalf("the last enabled admin disabled: %v", err)
	}
}

func TestStaffOwnPasswordAndSessions(t *testing.T) {
	e := newEnv(t)
	a, st := mustStaffAgent(t, e)
	other := e.agent()
	other.staffSignIn(st.Email, staffPassword)
	list := a.get("/admin/sessions")
	if n := list.doc.Find(`[data-testid="device"]`).Length(); n != 2 {
		t.Fatalf("%d sessions listed, want 2", n)
	}
	if r := a.post("/admin/sessions/"+hashOf(other.cookies["zona_session"])+"/revoke", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.StatusCode)
	}
	if r := other.get("/admin"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the ended session goes on: %d", r.StatusCode)
	}
	third := e.agent()
	third.staffSignIn(st.Email, staffPassword)
	a.get("/admin/password")
	r := a.post("/admin/password", url.Values{"current": {"equivocada-123!"}, "new": {newPassword}, "confirm": {newPassword}})
	if r.StatusCode != http.StatusOK || r.doc.Find(`#current[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("wrong current password: %d", r.StatusCode)
	}
	if r := a.post("/admin/password", url.Values{"current": {staffPassword}, "new": {newPassword}, "confirm": {newPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d %.300s", r.StatusCode, r.body)
	}
	if r := a.get("/admin"); r.StatusCode != http.StatusOK {
		t.Fatalf("this session after the change: %d", r.StatusCode)
	}
	if r := third.get("/admin"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("another session after the change: %d", r.StatusCode)
	}
	if r := e.agent().staffSignIn(st.Email, newPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with the new password: %d", r.StatusCode)
	}
}

func TestAdminTokensShownOnceAndRevoked(t *testing.T) {
	e := newEnv(t)
	a, _ := mustStaffAgent(t, e)
	a.get("/admin/tokens")
	if r := a.post("/admin/tokens/new", url.Values{"name": {"con espacio"}}); r.doc.Find(`#name[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("a bad name accepted: %d", r.StatusCode)
	}
	r := a.post("/admin/tokens/new", url.Values{"name": {"facturacion"}})
	token := r.text(`[data-testid="admin-token-value"]`)
	if token == "" {
		t.Fatal("the new token is not shown")
	}
	if again := a.get("/admin/tokens"); strings.Contains(again.body, token) {
		t.Fatal("the token is shown twice")
	}
	if res := apiCall(e, token, http.MethodGet, "/api/v1/clients", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("the new token: %d", res.StatusCode)
	}
	if r := a.post("/admin/tokens/facturacion/revoke", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.StatusCode)
	}
	if res := apiCall(e, token, http.MethodGet, "/api/v1/clients", ""); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a revoked token: %d", res.StatusCode)
	}
	support := plantStaffSession(t, e, mustStaffRole(t, e, "Sofía Ruiz", "sofia@example.mx", store.RoleSupport))
	if r := support.get("/admin/tokens"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("support at the tokens: %d", r.StatusCode)
	}
}
