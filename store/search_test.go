package store

import (
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// searchFixture stores two clients and a contact, and returns the first client, the
// second and the contact.
func searchFixture(t *testing.T, s *Store) (*Client, *Client, *Contact) {
	t.Helper()
	ana := &Client{Email: "ana@example.mx", FirstName: "Ana", LastName: "López Ramírez", Company: "Abarrotes La Esperanza",
		Address: Address{Phone: "+525512345678"}, Fiscal: Fiscal{RFC: "LORA850101AB1"}}
	if err := s.CreateClient(ana, sysEvent); err != nil {
		t.Fatal(err)
	}
	// Anabel's name starts like Ana's: a search for "ana" finds both, Ana first (exact).
	anabel := &Client{Email: "anabel@example.mx", FirstName: "Anabel", LastName: "Cruz"}
	if err := s.CreateClient(anabel, sysEvent); err != nil {
		t.Fatal(err)
	}
	ct := &Contact{ClientID: ana.ID, FirstName: "Luis", LastName: "Pérez", Email: "Luis.Contador@Despacho.mx"}
	if _, err := s.CreateContact(ct, 0, nil, sysEvent); err != nil {
		t.Fatal(err)
	}
	return ana, anabel, ct
}

func foundIDs(t *testing.T, s *Store, q string) []string {
	t.Helper()
	hits, _, err := s.SearchClients(q)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.ClientID)
	}
	return ids
}

func TestSearchClientsByEveryField(t *testing.T) {
	s, _ := mustOpen(t)
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

func TestSearchIndexFollowsChanges(t *testing.T) {
	s, _ := mustOpen(t)
	ana, _, ct := searchFixture(t, s)
	ev := Event{Kind: KindAccountUpdated}
	if _, err := s.UpdateClient(ana.ID, ana.Rev, func(c *Client) error {
		c.Email, c.Company, c.Phone, c.Fiscal.RFC = "ana.nueva@example.mx", "Papelería Sol", "+528112345678", "XAXX010101000"
		return nil
	}, ev); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]bool{
		"ana@example.mx": false, "ana.nueva@example.mx": true, "abarrotes": false, "papeleria": true,
		"55 1234 5678": false, "81 1234 5678": true, "LORA850101AB1": false, "XAXX010101000": true,
	} {
		if got := len(foundIDs(t, s, q)) == 1; got != want {
			t.Errorf("after the edit, %q found: %v, want %v", q, got, want)
		}
	}
	if _, _, err := s.UpdateContact(ana.ID, ct.ID, ct.Rev, func(c *Contact) error { c.Email = "otro@despacho.mx"; return nil }, nil, ev); err != nil {
		t.Fatal(err)
	}
	if len(foundIDs(t, s, "luis.contador@despacho.mx")) != 0 || len(foundIDs(t, s, "otro@despacho.mx")) != 1 {
		t.Error("the index did not follow the contact's email")
	}
	if _, err := s.DeleteContact(ana.ID, ct.ID, ev); err != nil {
		t.Fatal(err)
	}
	if len(foundIDs(t, s, "otro@despacho.mx")) != 0 {
		t.Error("a deleted contact's email still finds the client")
	}
}

// TestSearchIndexMigration: data stored before schema 3 has no index; opening it builds one.
func TestSearchIndexMigration(t *testing.T) {
	s, dir := mustOpen(t)
	ana, _, _ := searchFixture(t, s)
	if err := s.db.DropPrefix([]byte(searchPrefix)); err != nil {
		t.Fatal(err)
	}
	if len(foundIDs(t, s, "luis.contador@despacho.mx")) != 0 {
		t.Fatal("the index was not dropped")
	}
	if err := s.setSchema(2, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, q := range []string{"luis.contador@despacho.mx", "LORA850101AB1", "55 1234 5678", "López"} {
		if got := foundIDs(t, s2, q); !slices.Equal(got, []string{ana.ID}) {
			t.Errorf("after the migration %q found %v", q, got)
		}
	}
	n := 0
	_ = s2.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(searchPrefix)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if n == 0 {
		t.Fatal("no index keys after the migration")
	}
}
