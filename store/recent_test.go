package store_test

import (
	"slices"
	"testing"
	"time"

	"zona/store"
	"zona/store/storetest"
)

// The dashboard's newest entries from memory are always what a fresh list says: after
// appends, after a pruning that removes some of them, and when the history is emptied.
func TestRecentActivityIsNeverStale(t *testing.T) {
	st, _ := storetest.MustOpen(t)
	c := storetest.MustCreateClient(t, st, "ana@example.mx", "Ana", "López", "Clave-Segura-2026!")
	ids := func(es []store.Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	check := func(when string) {
		t.Helper()
		for range 2 { // the second answer comes from memory
			got, err := st.RecentActivity(c.ID, 5)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := st.ListActivity(c.ID, "", 5)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), ids(want)) {
				t.Fatalf("%s: recent %v, list %v", when, ids(got), ids(want))
			}
		}
	}
	check("new account")
	for i := range 7 {
		if err := st.Record(c.ID, store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
			t.Fatal(err)
		}
		check("after append " + string(rune('1'+i)))
	}
	if _, err := st.PruneActivity(c.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("after pruning everything")
	got, _ := st.RecentActivity(c.ID, 5)
	if len(got) != 0 {
		t.Fatalf("%d entries shown after pruning everything", len(got))
	}
}
