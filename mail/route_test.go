package mail

import (
	"slices"
	"testing"
	"time"

	"zona/store"
)

func TestRoute(t *testing.T) {
	owner := Recipient{Kind: KindOwner, ID: "o", Email: "owner@x.mx"}
	ownerOptIn := Recipient{Kind: KindOwner, ID: "o", Email: "owner@x.mx", Marketing: true}
	all := map[string]bool{}
	for _, c := range store.Categories[:5] {
		all[c] = true
	}
	withAll := Recipient{Kind: KindContact, ID: "c1", Email: "all@x.mx", Permissions: all}
	none := Recipient{Kind: KindContact, ID: "c2", Email: "none@x.mx"}
	optIn := Recipient{Kind: KindContact, ID: "c3", Email: "promo@x.mx", Marketing: true}
	dup := Recipient{Kind: KindContact, ID: "c4", Email: "OWNER@x.mx", Permissions: all}
	other := Recipient{Kind: KindContact, ID: "c5", Email: "other@x.mx"}

	for _, cat := range store.Categories[:5] {
		only := Recipient{Kind: KindContact, ID: "c6", Email: "only@x.mx", Permissions: map[string]bool{cat: true}}
		// A contact holding any other permission but this one.
		rest := map[string]bool{}
		for _, c := range store.Categories[:5] {
			rest[c] = c != cat
		}
		notThis := Recipient{Kind: KindContact, ID: "c7", Email: "rest@x.mx", Permissions: rest, Marketing: true}
		t.Run(cat, func(t *testing.T) {
			check(t, Route(cat, []Recipient{owner}, nil), "owner@x.mx")
			check(t, Route(cat, []Recipient{owner, withAll, none, only, notThis, optIn}, &other),
				"owner@x.mx", "all@x.mx", "only@x.mx")
			check(t, Route(cat, []Recipient{owner, dup}, nil), "owner@x.mx")
			check(t, Route(cat, nil, nil))
		})
	}
	t.Run("marketing", func(t *testing.T) {
		check(t, Route(store.CategoryMarketing, []Recipient{owner, withAll, none}, &owner))
		check(t, Route(store.CategoryMarketing, []Recipient{owner, withAll, optIn, none}, nil), "promo@x.mx")
		check(t, Route(store.CategoryMarketing, []Recipient{ownerOptIn, withAll, optIn}, nil), "owner@x.mx", "promo@x.mx")
	})
	t.Run("account", func(t *testing.T) {
		everyone := []Recipient{ownerOptIn, withAll, none, optIn}
		check(t, Route(store.CategoryAccount, everyone, nil))
		check(t, Route(store.CategoryAccount, everyone, &owner), "owner@x.mx")
		check(t, Route(store.CategoryAccount, everyone, &none), "none@x.mx")
		check(t, Route(store.CategoryAccount, everyone, &other), "other@x.mx")
	})
	t.Run("unknown category", func(t *testing.T) {
		check(t, Route("spam", []Recipient{ownerOptIn, withAll}, &owner))
	})
	t.Run("no address", func(t *testing.T) {
		check(t, Route(store.CategoryGeneral, []Recipient{{Kind: KindOwner}}, nil))
	})
}

func check(t *testing.T, got []Recipient, want ...string) {
	t.Helper()
	var emails []string
	for _, r := range got {
		emails = append(emails, r.Email)
	}
	if !slices.Equal(emails, want) {
		t.Errorf("recipients %v, want %v", emails, want)
	}
}

func TestBackoff(t *testing.T) {
	first, max := time.Minute, time.Hour
	total := time.Duration(0)
	for n := 1; n < 30; n++ {
		d := Backoff(n, first, max)
		base := first << (n - 1)
		if n > 7 || base > max {
			base = max
		}
		if d < base*8/10 || d > base*12/10 {
			t.Errorf("attempt %d: wait %v, want %v ±20%%", n, d, base)
		}
		total += d
	}
	if total < 20*time.Hour || total > 30*time.Hour {
		t.Errorf("30 attempts span %v, want about a day", total)
	}
}

func TestHTMLToText(t *testing.T) {
	got := HTMLToText(`<html><head><style>p{color:red}</style><title>T</title></head><body>
		<h1>Hola</h1><p>Su factura   está <b>lista</b>.<br>Gracias.</p>
		<ul><li>Uno</li><li>Dos</li></ul><script>alert(1)</script>
		<p><a href="https://x.mx/f">Ver factura</a></p></body></html>`)
	want := "Hola\n\nSu factura está lista.\nGracias.\n\n- Uno\n- Dos\n\nVer factura (https://x.mx/f)"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
