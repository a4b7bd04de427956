package handlers_test

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"zona/secure"
	"zona/store"
	"zona/store/storetest"
)

// TestContactFormDoesNotRevealOtherAccounts: an owner who gives access to a contact whose
// email signs in to another account gets the very answer a free email gets, from the form,
// the toggle and the inline check; the contact is saved and invited either way. The other
// account's sign-in is untouched, even when the owner turns access off again.
func TestContactFormDoesNotRevealOtherAccounts(t *testing.T) {
	e := newEnv(t)
	beto := storetest.MustCreateClient(t, e.st, "beto@otra-empresa.mx", "Beto", "Ruiz", "Beto-Clave-Larga-2027!")
	a := e.agent()
	a.mustSignIn()
	a.get("/contacts")
	a.headers["HX-Request"] = "true"

	// Names, emails, IDs, times and tokens differ by nature; nothing else may.
	same := func(body, email, id string) string {
		body = strings.ReplaceAll(withoutCSRF(body), email, "EMAIL")
		if id != "" {
			body = strings.ReplaceAll(body, id, "ID")
		}
		return regexp.MustCompile(`[0-9]+`).ReplaceAllString(body, "N")
	}
	created := func(email string) (string, *store.Contact) {
		t.Helper()
		v := contactValues(nil, "Luis", email)
		v.Set("access", "1")
		r := a.post("/contacts/new", v)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", email, r.StatusCode)
		}
		cs, err := e.st.ListContacts(e.client.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ct := range cs {
			if ct.Email == email {
				return same(r.body, email, ct.ID), &ct
			}
		}
		t.Fatalf("%s: no contact saved; answer %.300s", email, r.body)
		return "", nil
	}
	taken, takenCt := created(beto.Email)
	free, freeCt := created("nadie@libre.mx")
	if taken != free {
		t.Errorf("the answer for an email of another account differs from a free one:\n%s\n---\n%s", taken, free)
	}
	for _, ct := range []*store.Contact{takenCt, freeCt} {
		if !ct.Access || ct.Invite.State != store.InvitePending {
			t.Errorf("%s: access %v, invitation %q; want both invited", ct.Email, ct.Access, ct.Invite.State)
		}
	}

	// The toggle and an edit answer alike too.
	toggle := func(ct *store.Contact, on string) string {
		t.Helper()
		r := a.post("/contacts/"+ct.ID+"/permissions/access", url.Values{"on": {on}})
		if r.StatusCode != http.StatusOK {
			t.Fatalf("toggle: status %d", r.StatusCode)
		}
		return same(r.body, ct.Email, ct.ID)
	}
	if off1, off2 := toggle(takenCt, "0"), toggle(freeCt, "0"); off1 != off2 {
		t.Errorf("turning access off answers differently:\n%s\n---\n%s", off1, off2)
	}
	if on1, on2 := toggle(takenCt, "1"), toggle(freeCt, "1"); on1 != on2 {
		t.Errorf("turning access on answers differently:\n%s\n---\n%s", on1, on2)
	}

	// Beto still signs in: no contact of Ana's account took or dropped his login.
	if cl, ct, err := e.st.Login(beto.Email); err != nil || ct != nil || cl.ID != beto.ID {
		t.Fatalf("Beto's sign-in after Ana's changes: %v, %v", ct, err)
	}
	b := e.agent()
	if r := b.signIn(beto.Email, "Beto-Clave-Larga-2027!"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/zona" {
		t.Fatalf("Beto cannot sign in: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if _, err := e.st.DeleteContact(e.client.ID, takenCt.ID, store.Event{Kind: store.KindContactDeleted}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.Login(beto.Email); err != nil {
		t.Fatalf("deleting Ana's contact removed Beto's sign-in: %v", err)
	}
}

// TestInvitationToATakenEmail: the person invited with an address that already signs in
// elsewhere learns it on opening the link, and accepting it changes nothing; the first of
// two invitations for one free address to be accepted takes the login.
func TestInvitationToATakenEmail(t *testing.T) {
	e := newEnv(t)
	other := storetest.MustCreateClient(t, e.st, "otra@empresa.mx", "Olga", "Ríos", "Olga-Clave-Larga-2027!")
	ct, tok := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "OTRA@empresa.mx", access: true})
	v := e.agent()
	r := v.get("/invite/" + tok)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "ya se usa para iniciar sesión en otra cuenta") {
		t.Errorf("invitation page for a taken email: %d %q", r.StatusCode, r.text("p"))
	}
	_, err := e.st.AcceptInvitation(secure.TokenHash(tok), "hash", store.Event{Kind: store.KindContactJoined})
	if !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("accepting with a taken email: %v", err)
	}
	if got, _ := e.st.ContactByID(e.client.ID, ct.ID); got.PasswordHash != "" || got.Invite.State != store.InvitePending {
		t.Error("a refused acceptance changed the contact")
	}
	if cl, _, err := e.st.Login(other.Email); err != nil || cl.ID != other.ID {
		t.Errorf("the other account's login moved: %v", err)
	}

	first, tok1 := mustContact(t, e.st, e.client.ID, contactSpec{first: "Uno", email: "libre@example.mx", access: true})
	_, tok2 := mustContact(t, e.st, other.ID, contactSpec{first: "Dos", email: "libre@example.mx", access: true})
	if _, err := e.st.AcceptInvitation(secure.TokenHash(tok1), "hash", store.Event{Kind: store.KindContactJoined}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AcceptInvitation(secure.TokenHash(tok2), "hash", store.Event{Kind: store.KindContactJoined}); !errors.Is(err, store.ErrEmailTaken) {
		t.Errorf("second acceptance of one address: %v", err)
	}
	if _, holder, err := e.st.Login("libre@example.mx"); err != nil || holder == nil || holder.ID != first.ID {
		t.Errorf("the login is not the first contact's: %v", err)
	}
}
