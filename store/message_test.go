package store

import "testing"

func TestOpenableBy(t *testing.T) {
	owner := Copy{Kind: "owner", PersonID: "OWNER"}
	luis := Copy{Kind: "contact", PersonID: "LUIS"}
	for _, tc := range []struct {
		name     string
		category string
		copies   []Copy
		person   string
		want     bool
	}{
		{"owner, general mail to all", CategoryGeneral, []Copy{owner, luis}, "", true},
		{"contact, general mail to it", CategoryGeneral, []Copy{owner, luis}, "LUIS", true},
		{"contact, general mail not to it", CategoryGeneral, []Copy{owner}, "LUIS", false},
		{"owner, its own security mail", CategoryAccount, []Copy{owner}, "", true},
		{"owner, a contact's security mail", CategoryAccount, []Copy{luis}, "", false},
		{"contact, its own security mail", CategoryAccount, []Copy{luis}, "LUIS", true},
		{"contact, the owner's security mail", CategoryAccount, []Copy{owner}, "LUIS", false},
		{"contact, another contact's security mail", CategoryAccount, []Copy{{Kind: "contact", PersonID: "EVA"}}, "LUIS", false},
	} {
		m := Message{Category: tc.category, Copies: tc.copies}
		if got := m.OpenableBy(tc.person); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
