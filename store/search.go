package store

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"strings"
	"unicode"

	"github.com/dgraph-io/badger/v4"
	"github.com/nyaruka/phonenumbers"
)

// The console's client search runs on an index kept in the same transactions as the
// records it covers: one key search/<term>/<clientID>/<source> per term, where source is
// "c" for the client record or a contact's ID, and the value is the kind of field the term
// came from. A search reads only the keys under its words, so it costs the same with 50
// clients or 50,000.
//
// Terms are folded (lower case, no accents): each word of the client's name and company,
// the client's email, RFC and ID, its phone as E.164 digits and as the national number,
// and every contact's email.
const searchPrefix = "search/"

// Kinds of indexed field, stored as the value of an index key. A match on an identifier
// (ID, RFC, email, phone) ranks above one on a word of a name.
const (
	fieldName         byte = 'n'
	fieldCompany      byte = 'o'
	fieldEmail        byte = 'e'
	fieldRFC          byte = 'r'
	fieldPhone        byte = 'p'
	fieldID           byte = 'i'
	fieldContactEmail byte = 'k'
)

// sourceClient names the client record as the source of its index keys.
const sourceClient = "c"

// searchTerm is one indexed term and the kind of field it came from.
type searchTerm struct {
	term  string
	field byte
}

// searchWords splits folded text into the words the index keeps.
func searchWords(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// cleanTerm makes s usable inside a key: folded, without '/' or spaces.
func cleanTerm(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, Fold(strings.TrimSpace(s)))
}

// phoneTerms are the forms of an E.164 phone a caller may say: its digits with the country
// code and the national number alone.
func phoneTerms(e164 string) []string {
	digits := strings.TrimPrefix(e164, "+")
	if digits == "" {
		return nil
	}
	out := []string{digits}
	if num, err := phonenumbers.Parse(e164, DefaultCountry); err == nil {
		if national := phonenumbers.GetNationalSignificantNumber(num); national != "" && national != digits {
			out = append(out, national)
		}
	}
	return out
}

func clientTerms(c *Client) []searchTerm {
	if c == nil || c.ID == "" {
		return nil
	}
	var out []searchTerm
	add := func(field byte, terms ...string) {
		for _, t := range terms {
			if t = cleanTerm(t); t != "" {
				out = append(out, searchTerm{t, field})
			}
		}
	}
	add(fieldName, searchWords(c.FirstName+" "+c.LastName)...)
	add(fieldCompany, searchWords(c.Company)...)
	add(fieldEmail, c.Email)
	add(fieldRFC, c.Fiscal.RFC)
	add(fieldID, c.ID)
	add(fieldPhone, phoneTerms(c.Phone)...)
	return dedupeTerms(out)
}

func contactTerms(ct *Contact) []searchTerm {
	if ct == nil || ct.ID == "" {
		return nil
	}
	if t := cleanTerm(ct.Email); t != "" {
		return []searchTerm{{t, fieldContactEmail}}
	}
	return nil
}

// dedupeTerms keeps the first of terms that repeat (a name word that is also the company).
func dedupeTerms(terms []searchTerm) []searchTerm {
	seen := make(map[string]bool, len(terms))
	out := terms[:0]
	for _, t := range terms {
		if !seen[t.term] {
			seen[t.term] = true
			out = append(out, t)
		}
	}
	return out
}

func searchKey(term, clientID, source string) []byte {
	return []byte(searchPrefix + term + "/" + clientID + "/" + source)
}

// reindex replaces the index keys of one source (the client record, or a contact) of
// clientID: old are the terms it had, terms those it has now.
func reindex(txn *badger.Txn, clientID, source string, old, terms []searchTerm) error {
	keep := make(map[string]byte, len(terms))
	for _, t := range terms {
		keep[t.term] = t.field
	}
	for _, t := range old {
		if _, ok := keep[t.term]; !ok {
			if err := txn.Delete(searchKey(t.term, clientID, source)); err != nil {
				return err
			}
		}
	}
	had := make(map[string]byte, len(old))
	for _, t := range old {
		had[t.term] = t.field
	}
	for _, t := range terms {
		if f, ok := had[t.term]; ok && f == t.field {
			continue
		}
		if err := txn.Set(searchKey(t.term, clientID, source), []byte{t.field}); err != nil {
			return err
		}
	}
	return nil
}

// SearchHit is one client found by SearchClients: Exact counts the words of the search
// that equal a term of the client (the rest start one).
type SearchHit struct {
	ClientID string
	Exact    int
	// Best is the strongest kind of field matched (an identifier beats a name).
	Best int
}

// searchScanLimit bounds how many index keys one word of a search reads: a word of one
// letter starts the names of thousands of clients, and nobody pages through them all.
const searchScanLimit = 2000

// fieldRank orders kinds of field: identifiers first.
func fieldRank(f byte) int {
	switch f {
	case fieldID, fieldRFC, fieldEmail, fieldContactEmail, fieldPhone:
		return 2
	case fieldCompany:
		return 1
	}
	return 0
}

// queryWords turns what a person typed into the index's terms: a phone number in any of
// the ways a caller says it ("55 1234 5678", "+52 1 55…", "044 55…") becomes its E.164
// digits; an email stays whole; anything else is split into words.
func queryWords(q string) []string {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	if isPhoneLike(q) {
		if e164, bad := NormalizePhone(DefaultCountry, q); bad == "" {
			return []string{strings.TrimPrefix(e164, "+")}
		}
		return []string{phoneJunk.Replace(strings.TrimPrefix(q, "+"))}
	}
	if strings.Contains(q, "@") {
		return []string{cleanTerm(q)}
	}
	return searchWords(q)
}

// isPhoneLike reports whether q is written like a phone number: digits (at least 7) and
// the usual separators.
func isPhoneLike(q string) bool {
	digits := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+ -.()\u00a0", r):
		default:
			return false
		}
	}
	return digits >= 7
}

// SearchClients finds the clients matching every word of q in the search index: by name,
// company, email, RFC, phone, any contact's email or client ID, each word equal to a term
// or the start of one. Hits come ranked: more exact words first, then a match on an
// identifier before one on a name, then newest first. limited reports that a word matched
// more terms than one search reads (searchScanLimit): the list is then incomplete.
func (s *Store) SearchClients(q string) (hits []SearchHit, limited bool, err error) {
	words := queryWords(q)
	if len(words) == 0 {
		return nil, false, nil
	}
	err = s.db.View(func(txn *badger.Txn) error {
		var found map[string]*SearchHit
		for i, w := range words {
			m, cut, err := searchWord(txn, w)
			if err != nil {
				return err
			}
			limited = limited || cut
			if i == 0 {
				found = m
				continue
			}
			for id, h := range found {
				if other, ok := m[id]; ok {
					h.Exact += other.Exact
					h.Best = max(h.Best, other.Best)
				} else {
					delete(found, id)
				}
			}
		}
		for _, h := range found {
			hits = append(hits, *h)
		}
		return nil
	})
	slices.SortFunc(hits, func(a, b SearchHit) int {
		return cmp.Or(cmp.Compare(b.Exact, a.Exact), cmp.Compare(b.Best, a.Best), cmp.Compare(b.ClientID, a.ClientID))
	})
	return hits, limited, err
}

// searchWord reads the index keys of the terms that equal or start with w.
func searchWord(txn *badger.Txn, w string) (map[string]*SearchHit, bool, error) {
	out := map[string]*SearchHit{}
	prefix := []byte(searchPrefix + w)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid(); it.Next() {
		if n++; n > searchScanLimit {
			return out, true, nil
		}
		item := it.Item()
		rest := item.Key()[len(searchPrefix):]
		// rest is <term>/<clientID>/<source>; a term never holds '/'.
		slash := bytes.IndexByte(rest, '/')
		if slash < 0 {
			continue
		}
		term, ids := rest[:slash], rest[slash+1:]
		id, _, _ := bytes.Cut(ids, []byte("/"))
		var field byte
		if err := item.Value(func(v []byte) error {
			if len(v) > 0 {
				field = v[0]
			}
			return nil
		}); err != nil {
			return nil, false, err
		}
		h := out[string(id)]
		if h == nil {
			h = &SearchHit{ClientID: string(id)}
			out[h.ClientID] = h
		}
		if len(term) == len(w) {
			h.Exact = 1
		}
		h.Best = max(h.Best, fieldRank(field))
	}
	return out, false, nil
}

// ClientsByIDs returns the clients with those IDs, in that order; an ID no longer stored
// is skipped. A page of search hits is read with it.
func (s *Store) ClientsByIDs(ids []string) ([]Client, error) {
	out := make([]Client, 0, len(ids))
	err := s.db.View(func(txn *badger.Txn) error {
		for _, id := range ids {
			var c Client
			if err := get(txn, clientKey(id), &c); errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}
