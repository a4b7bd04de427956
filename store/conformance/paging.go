package conformance

import (
	"fmt"
	"slices"
	"strings"

	"zona/store"
)

// Sizes of the sets paged through: deep enough that a page boundary lands everywhere.
const (
	deepMessages = 600
	deepEntries  = 1500
)

// checkPages walks pages of up to size items, starting after cursor "", until next is "",
// and checks they hold want (newest first) exactly: complete, in order, nothing twice.
func checkPages(t T, what string, want []string, size int, page func(before string) (ids []string, next string, err error)) {
	t.Helper()
	var got []string
	before := ""
	for pages := 0; ; pages++ {
		ids, next, err := page(before)
		if err != nil {
			t.Fatalf("%s, page %d: %v", what, pages, err)
		}
		if len(ids) > size {
			t.Fatalf("%s, page %d: %d items, over the page size %d", what, pages, len(ids), size)
		}
		if next != "" && len(ids) < size {
			t.Fatalf("%s, page %d: %d items and a next page, want full pages until the last", what, pages, len(ids))
		}
		got = append(got, ids...)
		if next == "" {
			break
		}
		if pages > len(want)/size+2 {
			t.Fatalf("%s: paging does not end", what)
		}
		before = next
	}
	if !slices.Equal(got, want) {
		seen := map[string]int{}
		for _, id := range got {
			seen[id]++
		}
		dup, missing := 0, 0
		for _, id := range want {
			switch seen[id] {
			case 0:
				missing++
			case 1:
			default:
				dup++
			}
		}
		t.Fatalf("%s: %d items over the pages, want %d; %d missing, %d twice, or out of order", what, len(got), len(want), missing, dup)
	}
}

func reversed(ids []string) []string {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}

// The archive's pages, at any depth, hold every message once, newest first, and only the
// client's own; a page opened straight at a deep cursor holds what follows it.
func testArchiveDepth(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	other := mustClient(t, s, "beto@example.mx")
	var ids []string // oldest first
	for i := range deepMessages {
		owner := c
		if i%10 == 3 {
			owner = other
		}
		m := queue(t, s, owner, fmt.Sprintf("Nota de pago %04d", i), owner.Email)
		if owner == c {
			ids = append(ids, m.ID)
		}
	}
	want := reversed(ids)
	for _, size := range []int{20, 37} {
		checkPages(t, fmt.Sprintf("archive in pages of %d", size), want, size, func(before string) ([]string, string, error) {
			ms, next, err := s.ListMessages(c.ID, store.MessageQuery{Before: before, Limit: size})
			out := make([]string, len(ms))
			for i, m := range ms {
				out[i] = m.ID
			}
			return out, next, err
		})
	}
	deep := len(want) * 9 / 10
	ms, _, err := s.ListMessages(c.ID, store.MessageQuery{Before: want[deep], Limit: 20})
	if err != nil || len(ms) != min(20, len(want)-deep-1) || ms[0].ID != want[deep+1] {
		t.Fatalf("a page at a deep cursor: %d messages, %v", len(ms), err)
	}
	// A search finds a message at any depth.
	for _, q := range []string{"Nota de pago 0007", "nota de pago 0587"} {
		ms, _, err := s.ListMessages(c.ID, store.MessageQuery{Text: q, Limit: 20})
		if err != nil || len(ms) != 1 {
			t.Fatalf("search %q: %d messages, %v; want 1", q, len(ms), err)
		}
	}
}

// The history's pages, through ListActivity and QueryActivity, hold every entry once,
// newest first, at any depth.
func testHistoryDepth(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	other := mustClient(t, s, "beto@example.mx")
	for i := range deepEntries {
		id := c.ID
		if i%7 == 0 {
			id = other.ID
		}
		if err := s.Record(id, store.Event{Kind: store.KindSignIn, IP: fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)}); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	all, _, err := s.ListActivity(c.ID, "", 2*deepEntries)
	if err != nil {
		t.Fatalf("ListActivity: %v", err)
	}
	if want := deepEntries - (deepEntries+6)/7 + 1; len(all) != want {
		t.Fatalf("one page of everything: %d entries, want %d", len(all), want)
	}
	want := entryIDs(all)
	if !slices.IsSortedFunc(want, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Fatal("the history is not newest first")
	}
	for _, size := range []int{50, 33} {
		checkPages(t, fmt.Sprintf("ListActivity in pages of %d", size), want, size, func(before string) ([]string, string, error) {
			es, next, err := s.ListActivity(c.ID, before, size)
			return entryIDs(es), next, err
		})
		checkPages(t, fmt.Sprintf("QueryActivity in pages of %d", size), want, size, func(before string) ([]string, string, error) {
			p, err := s.QueryActivity(c.ID, store.ActivityQuery{Before: before, Limit: size})
			return entryIDs(p.Entries), p.Next, err
		})
	}
}
