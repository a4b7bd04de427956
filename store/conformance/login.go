package conformance

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"zona/secure"
	"zona/store"
)

func testLoginUniqueCase(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "Ana@Example.mx")
	if err := s.CreateClient(&store.Client{Email: " ana@EXAMPLE.MX "}, sysEvent); !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("duplicate email: %v", err)
	}
	got, err := s.ClientByEmail("ANA@example.MX")
	if err != nil || got.ID != c.ID {
		t.Fatalf("lookup by other case: %v %v", got, err)
	}
	if _, err := s.ClientByEmail("nadie@example.mx"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown email: %v", err)
	}
}

// A sign-in email belongs to one person, owner or contact, whichever came first.
func testLoginUniqueAcross(t T, open Open) {
	s := open(t)
	ana := mustClient(t, s, "ana@example.mx")
	beto := mustClient(t, s, "beto@example.mx")
	// A contact invited with the owner's email of another account cannot claim it.
	invite := secure.TokenHash("invitación 1")
	mustContact(t, s, beto.ID, "ANA@example.mx", invite)
	if _, err := s.AcceptInvitation(invite, "hash", store.Event{Kind: store.KindContactJoined}); !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("a contact accepting with an owner's email: %v, want ErrEmailTaken", err)
	}
	if cl, ct, err := s.Login("ana@example.mx"); err != nil || cl.ID != ana.ID || ct != nil {
		t.Fatalf("Login after the refused claim: %v %v %v, want Ana the owner", cl, ct, err)
	}
	// A contact that signs in holds its email against new clients and edits.
	invite = secure.TokenHash("invitación 2")
	luis := mustContact(t, s, beto.ID, "luis@example.mx", invite)
	if _, err := s.AcceptInvitation(invite, "hash", store.Event{Kind: store.KindContactJoined}); err != nil {
		t.Fatalf("AcceptInvitation: %v", err)
	}
	if err := s.CreateClient(&store.Client{Email: "Luis@Example.mx", FirstName: "Luis"}, sysEvent); !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("a client with a contact's sign-in email: %v, want ErrEmailTaken", err)
	}
	if _, err := s.UpdateClient(ana.ID, ana.Rev, func(c *store.Client) error { c.Email = "LUIS@example.mx"; return nil }, sysEvent); !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("an owner taking a contact's sign-in email: %v, want ErrEmailTaken", err)
	}
	if err := s.RequestEmailChange(ana.ID, "luis@example.mx", secure.TokenHash("cambio"), time.Hour, sysEvent); !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("an email change to a contact's sign-in email: %v, want ErrEmailTaken", err)
	}
	// Once the contact is deleted its email is free again.
	if _, err := s.DeleteContact(beto.ID, luis.ID, sysEvent); err != nil {
		t.Fatalf("DeleteContact: %v", err)
	}
	if err := s.CreateClient(&store.Client{Email: "luis@example.mx", FirstName: "Luis"}, sysEvent); err != nil {
		t.Fatalf("a client with a deleted contact's email: %v", err)
	}
}

// However many creates and invitation acceptances race for one email, one wins; the others
// get ErrEmailTaken and leave nothing behind.
func testLoginUniqueConcurrent(t T, open Open) {
	s := open(t)
	owners := make([]*store.Client, 10)
	invites := make([][]byte, len(owners))
	for i := range owners {
		owners[i] = mustClient(t, s, fmt.Sprintf("dueno%d@example.mx", i))
		invites[i] = secure.TokenHash(fmt.Sprint("invitación ", i))
		mustContact(t, s, owners[i].ID, "Disputado@example.mx", invites[i])
	}
	const creates = 20
	errs := make([]error, creates+len(owners))
	var wg sync.WaitGroup
	for i := range creates {
		wg.Go(func() {
			email := "disputado@example.mx"
			if i%2 == 1 {
				email = strings.ToUpper(email)
			}
			errs[i] = s.CreateClient(&store.Client{Email: email, FirstName: "Dis", LastName: fmt.Sprint(i)}, sysEvent)
		})
	}
	for i := range owners {
		wg.Go(func() {
			_, errs[creates+i] = s.AcceptInvitation(invites[i], "hash", store.Event{Kind: store.KindContactJoined})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrEmailTaken):
			t.Errorf("racer %d: %v, want nil or ErrEmailTaken", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d racers got disputado@example.mx, want exactly 1", won, len(errs))
	}
	ids, err := s.ClientIDs()
	if err != nil {
		t.Fatalf("ClientIDs: %v", err)
	}
	clients := 0
	for _, id := range ids {
		if c, err := s.ClientByID(id); err == nil && strings.EqualFold(c.Email, "disputado@example.mx") {
			clients++
		}
	}
	cl, ct, err := s.Login("disputado@example.mx")
	switch {
	case err != nil || cl == nil:
		t.Fatalf("Login of the winner: %v %v", cl, err)
	case clients > 1:
		t.Fatalf("%d clients were stored with the email", clients)
	case clients == 1 && ct != nil:
		t.Fatalf("a client holds the email, yet it signs in as contact %s", ct.ID)
	case clients == 0 && ct == nil:
		t.Fatal("a contact won the email, yet it signs in as an owner")
	}
}

func testEmailChangeMovesIndex(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	mustClient(t, s, "otro@example.mx")
	ev := store.Event{Kind: store.KindAccountUpdated}
	if _, err := s.UpdateClient(c.ID, c.Rev, func(c *store.Client) error { c.Email = "OTRO@example.mx"; return nil }, ev); !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("taking another's email: %v", err)
	}
	c2, err := s.UpdateClient(c.ID, c.Rev, func(c *store.Client) error { c.Email = "nueva@example.mx"; return nil }, ev)
	if err != nil {
		t.Fatalf("UpdateClient: %v", err)
	}
	if _, err := s.ClientByEmail("ana@example.mx"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("old email still signs in: %v", err)
	}
	if got, err := s.ClientByEmail("nueva@example.mx"); err != nil || got.ID != c.ID || got.Rev != c2.Rev {
		t.Fatalf("new email: %v %v", got, err)
	}
}

func testEmailChangeByLink(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "old@example.mx")
	mustClient(t, s, "taken@example.mx")
	ev := store.Event{Kind: store.KindEmailChangeRequested, Actor: store.Actor{Kind: store.ActorOwner, ID: c.ID}}
	if err := s.RequestEmailChange(c.ID, "taken@example.mx", secure.TokenHash("t0"), time.Hour, ev); !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("taken address: %v", err)
	}
	if err := s.RequestEmailChange(c.ID, "new@example.mx", secure.TokenHash("t1"), time.Hour, ev); err != nil {
		t.Fatalf("RequestEmailChange: %v", err)
	}
	if err := s.RequestEmailChange(c.ID, "newer@example.mx", secure.TokenHash("t2"), time.Hour, ev); err != nil {
		t.Fatalf("RequestEmailChange: %v", err)
	}
	if p, err := s.PendingEmailChange(c.ID); err != nil || p.NewEmail != "newer@example.mx" {
		t.Fatalf("pending %+v %v", p, err)
	}
	if got, _ := s.ClientByID(c.ID); got.Email != "old@example.mx" {
		t.Fatal("the email changed before the link was followed")
	}
	owner := store.Event{Actor: store.Actor{Kind: store.ActorOwner}}
	if _, err := s.ConfirmEmailChange(secure.TokenHash("t1"), owner); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a replaced link still works: %v", err)
	}
	got, err := s.ConfirmEmailChange(secure.TokenHash("t2"), owner)
	if err != nil || got.Email != "newer@example.mx" {
		t.Fatalf("confirm: %+v %v", got, err)
	}
	if _, err := s.ClientByEmail("old@example.mx"); !errors.Is(err, store.ErrNotFound) {
		t.Error("the old address still signs in")
	}
	if _, err := s.ClientByEmail("NEWER@example.mx"); err != nil {
		t.Error("the new address does not sign in")
	}
	if _, err := s.ConfirmEmailChange(secure.TokenHash("t2"), owner); !errors.Is(err, store.ErrNotFound) {
		t.Error("the link works twice")
	}
	if _, err := s.PendingEmailChange(c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Error("still pending after confirmation")
	}
}
