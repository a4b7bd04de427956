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
