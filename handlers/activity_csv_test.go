package handlers_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"zona/store"
)

// TestActivityCSVQuotesSemicolons downloads the history of an account whose entries hold
// semicolons: each such cell is quoted, so Excel in Spanish, which splits lines on
// semicolons, keeps it in one column.
func TestActivityCSVQuotesSemicolons(t *testing.T) {
	e := newEnv(t)
	ev := store.Event{Kind: store.KindLanguage, Actor: store.Actor{Kind: store.ActorStaff, Name: "Luis; Pérez"},
		Changes: []store.Change{{Field: "lang", Old: "es", New: "en"}, {Field: "company", Old: "A;B", New: "C"}}}
	if err := e.st.Record(e.client.ID, ev); err != nil {
		t.Fatal(err)
	}
	a := e.agent()
	a.mustSignIn()
	r := a.get("/activity.csv?kind=" + store.KindLanguage)
	body := strings.TrimPrefix(r.body, "\xEF\xBB\xBF")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), body)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, cell := range rows[1] {
		if strings.Contains(cell, ";") && !strings.Contains(lines[1], `"`+cell+`"`) {
			t.Errorf("cell %d %q is not quoted in %q", i, cell, lines[1])
		}
	}
	if !strings.Contains(lines[1], ";") {
		t.Fatalf("no cell with a semicolon to check: %q", lines[1])
	}
}
