package conformance

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"zona/secure"
	"zona/store"
)

var sysEvent = store.Event{Kind: store.KindAccountCreated, Actor: store.Actor{Kind: store.ActorSystem}}

func mustClient(t T, s Subject, email string) *store.Client {
	t.Helper()
	c := &store.Client{Email: email, FirstName: "Ana", LastName: "López", PasswordHash: "x"}
	if err := s.CreateClient(c, sysEvent); err != nil {
		t.Fatalf("CreateClient(%s): %v", email, err)
	}
	return c
}

func mustContact(t T, s Subject, clientID, email string, invite []byte) *store.Contact {
	t.Helper()
	ct := &store.Contact{ClientID: clientID, FirstName: "Luis", LastName: "Pérez", Email: email, Access: invite != nil}
	if _, err := s.CreateContact(ct, 0, invite, sysEvent); err != nil {
		t.Fatalf("CreateContact(%s): %v", email, err)
	}
	return ct
}

func testClientRecords(t T, open Open) {
	s := open(t)
	a := mustClient(t, s, "ana@example.mx")
	if a.ID == "" || a.Rev == 0 || a.CreatedAt.IsZero() {
		t.Fatalf("CreateClient filled in ID %q, Rev %d, CreatedAt %v", a.ID, a.Rev, a.CreatedAt)
	}
	b := mustClient(t, s, "beto@example.mx")
	got, err := s.ClientByID(a.ID)
	if err != nil || got.Email != "ana@example.mx" || got.FirstName != "Ana" || got.Rev != a.Rev {
		t.Fatalf("ClientByID: %+v %v", got, err)
	}
	ev := store.Event{Kind: store.KindAccountUpdated, Actor: store.Actor{Kind: store.ActorOwner, ID: a.ID}}
	up, err := s.UpdateClient(a.ID, a.Rev, func(c *store.Client) error { c.Company = "Abarrotes"; return nil }, ev)
	if err != nil || up.Company != "Abarrotes" || up.Rev != a.Rev+1 {
		t.Fatalf("UpdateClient: %+v %v", up, err)
	}
	if _, err := s.UpdateClient(a.ID, a.Rev, func(c *store.Client) error { c.Company = "Vieja"; return nil }, ev); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("an update from a stale revision: %v, want ErrConflict", err)
	}
	refused := errors.New("refused")
	if _, err := s.UpdateClient(a.ID, up.Rev, func(*store.Client) error { return refused }, ev); !errors.Is(err, refused) {
		t.Fatalf("a change that fails: %v", err)
	}
	if got, _ := s.ClientByID(a.ID); got.Company != "Abarrotes" || got.Rev != up.Rev {
		t.Fatalf("after a failed change the record is %+v", got)
	}
	ids, err := s.ClientIDs()
	if err != nil || !slices.Equal(ids, []string{a.ID, b.ID}) {
		t.Fatalf("ClientIDs: %v %v, want %v oldest first", ids, err, []string{a.ID, b.ID})
	}
	newest, total, err := s.ClientsNewest(0, 10)
	if err != nil || total != 2 || len(newest) != 2 || newest[0].ID != b.ID || newest[1].ID != a.ID {
		t.Fatalf("ClientsNewest: %d of %d, %v", len(newest), total, err)
	}
	if page, total, _ := s.ClientsNewest(1, 10); total != 2 || len(page) != 1 || page[0].ID != a.ID {
		t.Fatalf("ClientsNewest skipping one: %+v of %d", page, total)
	}
	byIDs, err := s.ClientsByIDs([]string{b.ID, a.ID})
	if err != nil || len(byIDs) != 2 || byIDs[0].ID != b.ID || byIDs[1].ID != a.ID {
		t.Fatalf("ClientsByIDs: %v %v", byIDs, err)
	}
	if n, err := s.VerifyActivity(a.ID); err != nil || n != 2 {
		t.Fatalf("history of a created and updated client: %d entries, %v; want 2", n, err)
	}
	if _, err := s.ClientByID(store.NewID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown ID: %v", err)
	}
}

func testIDsStayInTheirPrefix(t T, open Open) {
	s := open(t)
	mustClient(t, s, "ana@example.mx")
	for _, id := range []string{"", "../staff", "x/../../meta", "01JAAAAAAAAAAAAAAAAAAAAAAA/../x"} {
		if _, err := s.ClientByID(id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ClientByID(%q): %v", id, err)
		}
	}
}

func testConcurrentUpdate(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Go(func() {
			_, results[i] = s.UpdateClient(c.ID, c.Rev, func(c *store.Client) error {
				c.Company = fmt.Sprint("Compañía ", i)
				return nil
			}, store.Event{Kind: store.KindAccountUpdated})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d saves from the same revision succeeded, want exactly 1", ok)
	}
	got, _ := s.ClientByID(c.ID)
	if got.Rev != c.Rev+1 {
		t.Fatalf("revision %d, want %d", got.Rev, c.Rev+1)
	}
	// Every successful save is in the history, and the chain holds.
	if n, err := s.VerifyActivity(c.ID); err != nil || n != 2 {
		t.Fatalf("history: %d entries, %v", n, err)
	}
}

func testContactRecords(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	other := mustClient(t, s, "beto@example.mx")
	a := mustContact(t, s, c.ID, "luis@example.mx", nil)
	b := mustContact(t, s, c.ID, "eva@example.mx", nil)
	if a.ID == "" || a.Rev == 0 {
		t.Fatalf("CreateContact filled in ID %q, Rev %d", a.ID, a.Rev)
	}
	list, err := s.ListContacts(c.ID)
	if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("ListContacts: %v %v", list, err)
	}
	if list, _ := s.ListContacts(other.ID); len(list) != 0 {
		t.Fatalf("another client lists %d contacts", len(list))
	}
	if _, err := s.ContactByID(other.ID, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a contact read under another client: %v", err)
	}
	ev := store.Event{Kind: store.KindContactUpdated, Actor: store.Actor{Kind: store.ActorOwner, ID: c.ID}}
	up, _, err := s.UpdateContact(c.ID, a.ID, a.Rev, func(ct *store.Contact) error { ct.Company = "Despacho"; return nil }, nil, ev)
	if err != nil || up.Company != "Despacho" || up.Rev != a.Rev+1 {
		t.Fatalf("UpdateContact: %+v %v", up, err)
	}
	if _, _, err := s.UpdateContact(c.ID, a.ID, a.Rev, func(*store.Contact) error { return nil }, nil, ev); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a contact update from a stale revision: %v", err)
	}
	if _, err := s.DeleteContact(c.ID, b.ID, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ContactByID(c.ID, b.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted contact: %v", err)
	}
	// A contact with access signs in once it accepted its invitation, and not before.
	invite := secure.TokenHash("invitación de Eva")
	ct := mustContact(t, s, c.ID, "Eva.Nueva@example.mx", invite)
	if _, _, err := s.Login("eva.nueva@example.mx"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an invited contact signs in before accepting: %v", err)
	}
	if got, err := s.InvitationContact(invite); err != nil || got.ID != ct.ID {
		t.Fatalf("InvitationContact: %+v %v", got, err)
	}
	if _, err := s.AcceptInvitation(invite, "hash", store.Event{Kind: store.KindContactJoined}); err != nil {
		t.Fatal(err)
	}
	cl, got, err := s.Login("EVA.NUEVA@example.mx")
	if err != nil || got == nil || got.ID != ct.ID || cl == nil || cl.ID != c.ID {
		t.Fatalf("Login of an accepted contact: %v %v %v", cl, got, err)
	}
	if _, err := s.AcceptInvitation(invite, "hash", store.Event{Kind: store.KindContactJoined}); err == nil {
		t.Fatal("an invitation accepted twice")
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n < 6 {
		t.Fatalf("history of the contacts' changes: %d entries, %v", n, err)
	}
}

// searchFixture stores two clients and a contact, and returns the first client, the
// second and the contact.
func searchFixture(t T, s Subject) (*store.Client, *store.Client, *store.Contact) {
	t.Helper()
	ana := &store.Client{Email: "ana@example.mx", FirstName: "Ana", LastName: "López Ramírez", Company: "Abarrotes La Esperanza",
		Address: store.Address{Phone: "+525512345678"}, Fiscal: store.Fiscal{RFC: "LORA850101AB1"}}
	if err := s.CreateClient(ana, sysEvent); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	// Anabel's name starts like Ana's: a search for "ana" finds both, Ana first (exact).
	anabel := &store.Client{Email: "anabel@example.mx", FirstName: "Anabel", LastName: "Cruz"}
	if err := s.CreateClient(anabel, sysEvent); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	ct := &store.Contact{ClientID: ana.ID, FirstName: "Luis", LastName: "Pérez", Email: "Luis.Contador@Despacho.mx"}
	if _, err := s.CreateContact(ct, 0, nil, sysEvent); err != nil {
		t.Fatalf("CreateContact: %v", err)
	}
	return ana, anabel, ct
}

func foundIDs(t T, s Subject, q string) []string {
	t.Helper()
	hits, _, err := s.SearchClients(q)
	if err != nil {
		t.Fatalf("SearchClients(%q): %v", q, err)
	}
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.ClientID)
	}
	return ids
}

func testSearchByEveryField(t T, open Open) {
	s := open(t)
	ana, anabel, _ := searchFixture(t, s)
	for _, q := range []string{
		"López", "lopez", "ramirez", "Ana López", "abarrotes", "esperanza", "ana@example.mx", "ANA@EXAMPLE.MX",
		"LORA850101AB1", "lora850101ab1", ana.ID,
		"55 1234 5678", "5512345678", "+52 55 1234 5678", "+52 1 55 1234 5678", "044 55 1234 5678",
		"045 55 1234 5678", "(55) 1234-5678", "525512345678",
		"luis.contador@despacho.mx", "Luis.Contador@",
	} {
		if got := foundIDs(t, s, q); !slices.Equal(got, []string{ana.ID}) {
			t.Errorf("%q found %v, want only Ana %s", q, got, ana.ID)
		}
	}
	// The start of an ID finds the client; IDs made in the same millisecond share their
	// first characters, so it may find others made with it too.
	if got := foundIDs(t, s, ana.ID[:12]); !slices.Contains(got, ana.ID) {
		t.Errorf("%q found %v, want Ana %s among them", ana.ID[:12], got, ana.ID)
	}
	// Exact matches first: "ana" is Ana's first name exactly and starts Anabel's.
	if got := foundIDs(t, s, "ana"); !slices.Equal(got, []string{ana.ID, anabel.ID}) {
		t.Errorf("ana: %v, want Ana then Anabel", got)
	}
	for _, q := range []string{"", "zzz", "55 9999 0000", "López Cruz"} {
		if got := foundIDs(t, s, q); len(got) != 0 {
			t.Errorf("%q found %v", q, got)
		}
	}
	// Every word must match: "ana" starts Anabel's name and "cruz" is hers.
	if got := foundIDs(t, s, "Ana Cruz"); !slices.Equal(got, []string{anabel.ID}) {
		t.Errorf("Ana Cruz: %v", got)
	}
}

func testSearchFollowsChanges(t T, open Open) {
	s := open(t)
	ana, _, ct := searchFixture(t, s)
	ev := store.Event{Kind: store.KindAccountUpdated}
	if _, err := s.UpdateClient(ana.ID, ana.Rev, func(c *store.Client) error {
		c.Email, c.Company, c.Phone, c.Fiscal.RFC = "ana.nueva@example.mx", "Papelería Sol", "+528112345678", "XAXX010101000"
		return nil
	}, ev); err != nil {
		t.Fatalf("UpdateClient: %v", err)
	}
	for q, want := range map[string]bool{
		"ana@example.mx": false, "ana.nueva@example.mx": true, "abarrotes": false, "papeleria": true,
		"55 1234 5678": false, "81 1234 5678": true, "LORA850101AB1": false, "XAXX010101000": true,
	} {
		if got := len(foundIDs(t, s, q)) == 1; got != want {
			t.Errorf("after the edit, %q found: %v, want %v", q, got, want)
		}
	}
	if _, _, err := s.UpdateContact(ana.ID, ct.ID, ct.Rev, func(c *store.Contact) error { c.Email = "otro@despacho.mx"; return nil }, nil, ev); err != nil {
		t.Fatalf("UpdateContact: %v", err)
	}
	if len(foundIDs(t, s, "luis.contador@despacho.mx")) != 0 || len(foundIDs(t, s, "otro@despacho.mx")) != 1 {
		t.Error("the index did not follow the contact's email")
	}
	if _, err := s.DeleteContact(ana.ID, ct.ID, ev); err != nil {
		t.Fatalf("DeleteContact: %v", err)
	}
	if len(foundIDs(t, s, "otro@despacho.mx")) != 0 {
		t.Error("a deleted contact's email still finds the client")
	}
}

// A contact's kinds of device are its own: after a contact signed in from a phone, the
// owner's first sign-in (from anything) is not "a new kind of device" for the account.
func testKnownDevicesPerPerson(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	if isNew, err := s.RememberDevice(c.ID+"/01CONTACT", "Chrome en Android"); err != nil || isNew {
		t.Fatalf("contact's first device: new=%v err=%v", isNew, err)
	}
	if isNew, err := s.RememberDevice(c.ID, "Firefox en Linux"); err != nil || isNew {
		t.Fatalf("owner's first device after a contact's: new=%v err=%v, want not new", isNew, err)
	}
	if isNew, err := s.RememberDevice(c.ID, "Safari en iOS"); err != nil || !isNew {
		t.Fatalf("owner's second kind of device: new=%v err=%v, want new", isNew, err)
	}
}

func testSetupTokenOnce(t T, open Open) {
	s := open(t)
	hash := []byte("0123456789abcdef0123456789abcdef")
	if err := s.SetSetupToken(hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("SetSetupToken: %v", err)
	}
	if !s.SetupTokenValid(hash) || s.SetupTokenValid([]byte("wrong")) {
		t.Fatal("token validity")
	}
	if err := s.CreateFirstStaff(hash, &store.Staff{Email: "ops@example.mx", PasswordHash: "x"}); err != nil {
		t.Fatalf("CreateFirstStaff: %v", err)
	}
	if err := s.CreateFirstStaff(hash, &store.Staff{Email: "other@example.mx", PasswordHash: "x"}); !errors.Is(err, store.ErrSetupToken) {
		t.Fatalf("second use: %v", err)
	}
	if has, _ := s.HasStaff(); !has {
		t.Fatal("no staff after setup")
	}
	if err := s.SetSetupToken(hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("SetSetupToken: %v", err)
	}
	if s.SetupTokenValid(hash) {
		t.Fatal("a setup token is valid while staff exists")
	}
	if err := s.CreateStaff(&store.Staff{Email: "OPS@example.mx", PasswordHash: "x"}); !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("a second staff member with the same email: %v", err)
	}
}

func codeAt(t T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatalf("TOTP code: %v", err)
	}
	return c
}

// A code is accepted one step either side of now and never twice; an older step than the
// last accepted one is refused too. The secret is sealed at rest.
func testTOTPWindowAndReplay(t T, open Open) {
	s := open(t)
	now := time.Unix(1_800_000_015, 0)
	secret := store.NewTOTPSecret()
	k := store.ClientFactor("01HZZZZZZZZZZZZZZZZZZZZZZZ", "")
	_, hashes := store.NewRecoveryCodes(store.RecoveryCodes)
	if ok, err := s.EnrollTOTP(k, secret, codeAt(t, secret, now.Add(-90*time.Second)), hashes, now, "", store.Event{}); err != nil || ok {
		t.Fatalf("a code three steps old confirmed the setup: %v %v", ok, err)
	}
	if ok, err := s.EnrollTOTP(k, secret, codeAt(t, secret, now.Add(-30*time.Second)), hashes, now, "", store.Event{}); err != nil || !ok {
		t.Fatalf("setup: %v %v", ok, err)
	}
	f, _ := s.SecondFactorOf(k)
	if f == nil || string(f.Sealed) == secret || len(f.Sealed) < 30 {
		t.Fatal("the secret is stored in the clear")
	}
	for _, tc := range []struct {
		name string
		at   time.Duration
		want bool
	}{
		{"the setup's own code again", -30 * time.Second, false},
		{"two steps ahead", 60 * time.Second, false},
		{"the current step", 0, true},
		{"the current step again", 0, false},
		{"one step ahead", 30 * time.Second, true},
		{"the current step after a later one", 0, false},
	} {
		ok, err := s.CheckTOTP(k, codeAt(t, secret, now.Add(tc.at)), now)
		if err != nil || ok != tc.want {
			t.Errorf("%s: %v %v, want %v", tc.name, ok, err, tc.want)
		}
	}
}

// Each recovery code works once, typed in any case with or without its dash.
func testRecoveryCodesOnce(t T, open Open) {
	s := open(t)
	now := time.Now()
	secret := store.NewTOTPSecret()
	k := store.ClientFactor("01HZZZZZZZZZZZZZZZZZZZZZZZ", "")
	codes, hashes := store.NewRecoveryCodes(store.RecoveryCodes)
	if ok, err := s.EnrollTOTP(k, secret, codeAt(t, secret, now), hashes, now, "", store.Event{}); !ok || err != nil {
		t.Fatalf("EnrollTOTP: %v %v", ok, err)
	}
	typed := codes[0][:5] + codes[0][6:]
	if ok, left, err := s.UseRecoveryCode(k, " "+typed+" ", "", store.Event{}); !ok || left != store.RecoveryCodes-1 || err != nil {
		t.Fatalf("first use: %v %d %v", ok, left, err)
	}
	if ok, _, err := s.UseRecoveryCode(k, codes[0], "", store.Event{}); ok || err != nil {
		t.Fatalf("second use: %v %v", ok, err)
	}
}
