package handlers_test

import (
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"testing"
	"time"

	"zona/secure"
	"zona/store"
)

const contactPassword = "Otra-Clave-Firme-2027?"

// contactSpec is a contact to store directly for a test.
type contactSpec struct {
	first, email string
	access       bool
	// signIn makes the contact able to sign in: its invitation accepted with passwordHash
	// (any string will do for a planted session; a real hash for a real sign-in).
	signIn       bool
	passwordHash string
	areas        []string
	emails       []string
}

// mustContact stores a contact of clientID as spec says and returns it, with the token of
// its invitation when access is on and it has not signed in.
func mustContact(t testing.TB, st *store.Store, clientID string, spec contactSpec) (*store.Contact, string) {
	t.Helper()
	ct := &store.Contact{ClientID: clientID, FirstName: spec.first, LastName: "Prueba", Email: spec.email,
		Access: spec.access, Areas: map[string]bool{}, Emails: map[string]bool{}}
	for _, a := range spec.areas {
		ct.Areas[a] = true
	}
	for _, m := range spec.emails {
		ct.Emails[m] = true
	}
	tok := secure.Token()
	ev := store.Event{Kind: store.KindContactCreated, Actor: store.Actor{Kind: store.ActorOwner}, IP: "192.0.2.1"}
	if _, err := st.CreateContact(ct, 0, secure.TokenHash(tok), ev); err != nil {
		t.Fatal(err)
	}
	if spec.signIn {
		hash := spec.passwordHash
		if hash == "" {
			hash = "planted"
		}
		acc, err := st.AcceptInvitation(secure.TokenHash(tok), hash, store.Event{Kind: store.KindContactJoined,
			Actor: store.Actor{Kind: store.ActorContact, ID: ct.ID}, IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		return acc, ""
	}
	return ct, tok
}

// plantSession makes an agent whose browser holds a session of kind for pid, as a sign-in
// would leave it (with its device record when clientID is set), without a password check.
func plantSession(t testing.TB, e *env, kind, pid, clientID, person string) *agent {
	t.Helper()
	id := secure.Token()
	now := time.Now()
	raw, _ := json.Marshal(map[string]any{"k": kind, "p": pid, "s": now.Unix(), "n": now.Unix()})
	if err := e.kv.Set("sess."+id, raw, time.Hour); err != nil {
		t.Fatal(err)
	}
	if clientID != "" {
		d := &store.Device{Hash: hex.EncodeToString(secure.TokenHash(id)), Started: now, LastSeen: now,
			Expires: now.Add(time.Hour), IP: "192.0.2.9", UserAgent: "test", Person: person}
		ev := store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorSystem}, IP: "192.0.2.9"}
		if err := e.st.StartDevice(clientID, d, ev); err != nil {
			t.Fatal(err)
		}
	}
	a := e.agent()
	a.cookies["zona_session"] = id
	return a
}

// contactValues is a valid contact form for ct (or a new contact when ct is nil).
func contactValues(ct *store.Contact, first, email string) url.Values {
	v := url.Values{"first_name": {first}, "last_name": {"Prueba"}, "email": {email}, "country": {"MX"}}
	if ct != nil {
		v.Set("rev", strconv.FormatUint(ct.Rev, 10))
		if ct.Access {
			v.Set("access", "1")
		}
		for k, on := range ct.Emails {
			if on {
				v.Set("email_"+k, "1")
			}
		}
		for k, on := range ct.Areas {
			if on {
				v.Set("area_"+k, "1")
			}
		}
	}
	return v
}

// hashOf is how the device list names the session with ID id.
func hashOf(id string) string { return hex.EncodeToString(secure.TokenHash(id)) }
