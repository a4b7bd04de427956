// Package mail is the one way Zona sends email: it decides who receives a message, archives
// it with a copy per recipient in a durable outbox, and delivers the outbox over SMTP.
package mail

import (
	"zona/store"
)

// Recipient kinds.
const (
	KindOwner   = "owner"
	KindContact = "contact"
	// KindStaff is a staff member: only Zona's own mail to staff (Mailer.SendStaff).
	KindStaff = "staff"
)

// Recipient is a person of an account who may receive its email: the owner, or a contact
// with the email permissions the owner gave it.
type Recipient struct {
	Kind  string // KindOwner or KindContact
	ID    string // the owner's client ID or the contact's ID
	Email string
	Name  string
	// Lang is the person's language, for what Zona adds to a message (es when empty).
	Lang string
	// Permissions are the email categories a contact receives (general, products, domains,
	// notes, support). The owner receives them all.
	Permissions map[string]bool
	// Marketing is the person's explicit opt-in to promotions and offers.
	Marketing bool
}

// Route decides who of people receives a message of category:
//   - the five permission categories go to the owner and to each contact holding that
//     permission;
//   - marketing goes only to people who opted in, owner or contact;
//   - account (security mail) goes only to concerns, the person it is about, and to nobody
//     when concerns is nil.
//
// Addresses are compared without letter case, and a person is listed once.
func Route(category string, people []Recipient, concerns *Recipient) []Recipient {
	var out []Recipient
	seen := map[string]bool{}
	add := func(r Recipient) {
		key := store.NormalizeEmail(r.Email)
		if key == "" || seen[key] {
			return
		}
		seen[key] = true
		out = append(out, r)
	}
	switch category {
	case store.CategoryAccount:
		if concerns != nil {
			add(*concerns)
		}
	case store.CategoryMarketing:
		for _, p := range people {
			if p.Marketing {
				add(p)
			}
		}
	case store.CategoryGeneral, store.CategoryProducts, store.CategoryDomains, store.CategoryNotes, store.CategorySupport:
		for _, p := range people {
			if p.Kind == KindOwner || (p.Kind == KindContact && p.Permissions[category]) {
				add(p)
			}
		}
	}
	return out
}
