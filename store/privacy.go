package store

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// History kinds of "Privacidad y datos": the export of a person's data and their ARCO
// requests.
const (
	KindExportRequested  = "privacy.export_requested"
	KindExportReady      = "privacy.export_ready"
	KindExportFailed     = "privacy.export_failed"
	KindExportDownloaded = "privacy.export_downloaded"
	KindRequestFiled     = "privacy.request_filed"
	KindRequestResolved  = "privacy.request_resolved"
)

// Export states.
const (
	ExportRunning = "running"
	ExportReady   = "ready"
	ExportFailed  = "failed"
)

// ExportValid is how long an export (its record and its ZIP) is kept for its person to
// download.
const ExportValid = 7 * 24 * time.Hour

// exportStale is how long an export may take: one still marked running after that was cut
// off (the process stopped, or its job was dropped) and counts as failed.
const exportStale = time.Hour

// ErrExportRunning is returned when a person asks for an export while one of theirs is
// still being built.
var ErrExportRunning = &Error{Code: "export_running", MsgKey: "error.export_running"}

// Export is a ZIP of everything Zona keeps about one person (the owner, or a contact:
// Person), built in the background and kept ExportValid for that person to download.
type Export struct {
	ID       string    `json:"id"`
	ClientID string    `json:"client_id"`
	Person   string    `json:"person,omitempty"`
	State    string    `json:"state"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	// Done and Total count the parts written, for the progress shown while it runs.
	Done  int `json:"done,omitempty"`
	Total int `json:"total,omitempty"`
	// Size is the ZIP's size and Chunks how many pieces it is stored in, once ready.
	Size   int64 `json:"size,omitempty"`
	Chunks int   `json:"chunks,omitempty"`
}

// Running reports whether e is still being built at now (an export cut off by a stop of
// the process is not).
func (e *Export) Running(now time.Time) bool {
	return e.State == ExportRunning && now.Sub(e.Created) < exportStale
}

func exportPrefix(clientID string) string  { return "export/" + clientID + "/" }
func exportKey(clientID, id string) string { return exportPrefix(clientID) + id }
func exportChunkKey(clientID, id string, n int) string {
	return "exportzip/" + clientID + "/" + id + "/" + strconv.Itoa(n)
}

func putExport(txn *badger.Txn, e *Export) error {
	b, err := encode(e)
	if err != nil {
		return err
	}
	return txn.SetEntry(badger.NewEntry([]byte(exportKey(e.ClientID, e.ID)), b).WithTTL(time.Until(e.Expires)))
}

// StartExport records a new export of person (a contact's ID, "" for the owner) of
// clientID, running, and ev (KindExportRequested) in its history, in one transaction. It
// fails with ErrExportRunning while another export of that person runs.
func (s *Store) StartExport(clientID, person string, ev Event) (*Export, error) {
	now := time.Now().UTC()
	e := &Export{ID: NewID(), ClientID: clientID, Person: person, State: ExportRunning, Created: now, Expires: now.Add(ExportValid)}
	err := s.update(func(txn *badger.Txn) error {
		err := each(txn, exportPrefix(clientID), func(_ []byte, old *Export) error {
			if old.Person == person && old.Running(now) {
				return ErrExportRunning
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := putExport(txn, e); err != nil {
			return err
		}
		ev.Kind = KindExportRequested
		ev.Detail = map[string]string{"export": e.ID}
		return appendEntry(txn, clientID, ev)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ExportByID returns clientID's export id, whoever's it is; callers check Person.
func (s *Store) ExportByID(clientID, id string) (*Export, error) {
	if !validID(clientID) || !validID(id) {
		return nil, ErrNotFound
	}
	var e Export
	if err := s.db.View(func(txn *badger.Txn) error { return get(txn, exportKey(clientID, id), &e) }); err != nil {
		return nil, err
	}
	return &e, nil
}

// Exports lists the exports of person in clientID's account still kept, newest first.
func (s *Store) Exports(clientID, person string) ([]Export, error) {
	all, err := listAll[Export](s, exportPrefix(clientID))
	var out []Export
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Person == person {
			out = append(out, all[i])
		}
	}
	return out, err
}

// ExportProgress records that done of total parts of export id are written.
func (s *Store) ExportProgress(clientID, id string, done, total int) error {
	return s.changeExport(clientID, id, func(e *Export) { e.Done, e.Total = done, total })
}

// WriteExportChunk stores piece n (0-based) of export id's ZIP, kept as long as the export.
func (s *Store) WriteExportChunk(e *Export, n int, data []byte) error {
	return s.update(func(txn *badger.Txn) error {
		return txn.SetEntry(badger.NewEntry([]byte(exportChunkKey(e.ClientID, e.ID, n)), data).WithTTL(time.Until(e.Expires)))
	})
}

// ExportChunk returns piece n of export e's ZIP.
func (s *Store) ExportChunk(e *Export, n int) ([]byte, error) {
	var b []byte
	err := s.db.View(func(txn *badger.Txn) (err error) {
		b, err = getRaw(txn, exportChunkKey(e.ClientID, e.ID, n))
		return err
	})
	return b, err
}

// FinishExport marks export id ready with its ZIP of size bytes in chunks pieces, or
// failed when failed is set, and records ev (its kind set here) in the history, in one
// transaction.
func (s *Store) FinishExport(clientID, id string, size int64, chunks int, failed bool, ev Event) error {
	return s.update(func(txn *badger.Txn) error {
		var e Export
		if err := get(txn, exportKey(clientID, id), &e); err != nil {
			return err
		}
		e.State, e.Size, e.Chunks, ev.Kind = ExportReady, size, chunks, KindExportReady
		if failed {
			e.State, e.Size, e.Chunks, ev.Kind = ExportFailed, 0, 0, KindExportFailed
		}
		if err := putExport(txn, &e); err != nil {
			return err
		}
		ev.Detail = map[string]string{"export": id}
		return appendEntry(txn, clientID, ev)
	})
}

func (s *Store) changeExport(clientID, id string, fn func(*Export)) error {
	return s.update(func(txn *badger.Txn) error {
		var e Export
		if err := get(txn, exportKey(clientID, id), &e); err != nil {
			return err
		}
		fn(&e)
		return putExport(txn, &e)
	})
}

// ARCO request kinds: the rights of the data-protection law (acceso, rectificación,
// cancelación, oposición) and closing the whole account.
const (
	RequestAccess  = "access"
	RequestRectify = "rectify"
	RequestCancel  = "cancel"
	RequestOppose  = "oppose"
	RequestClose   = "close"
)

// RequestKinds lists the request kinds in the order the form offers them.
var RequestKinds = []string{RequestAccess, RequestRectify, RequestCancel, RequestOppose, RequestClose}

// Request states.
const (
	RequestOpen     = "open"
	RequestApproved = "approved"
	RequestRejected = "rejected"
)

// ErrRequestResolved is returned when staff resolve a request already resolved.
var ErrRequestResolved = &Error{Code: "request_resolved", MsgKey: "error.request_resolved"}

// Request is an ARCO request a person (the owner, or a contact: Person) filed about their
// data, due ARCODays business days after it was filed, resolved by staff with a note.
type Request struct {
	ID       string    `json:"id"`
	ClientID string    `json:"client_id"`
	Person   string    `json:"person,omitempty"`
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`
	Reason   string    `json:"reason"`
	Filed    time.Time `json:"filed"`
	// Due is the day by which it must be answered (AddBusinessDays in the operator's time
	// zone), at its start.
	Due        time.Time `json:"due"`
	State      string    `json:"state"`
	Note       string    `json:"note,omitempty"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	ResolvedBy Actor     `json:"resolved_by,omitzero"`
}

// Open reports whether r waits for staff.
func (r *Request) Open() bool { return r.State == RequestOpen }

func requestKey(clientID, id string) string { return "arco/" + clientID + "/" + id }
func requestIndexKey(id string) string      { return "arcoidx/" + id }

// FileRequest stores r, open and due ARCODays business days after now in loc, with its
// index and ev in the client's history, in one transaction. It fills in ID, Filed, Due and
// State.
func (s *Store) FileRequest(r *Request, loc *time.Location, ev Event) error {
	now := time.Now()
	r.ID, r.Filed, r.State = NewID(), now.UTC(), RequestOpen
	r.Due = AddBusinessDays(now.In(loc), ARCODays)
	return s.update(func(txn *badger.Txn) error {
		if err := put(txn, requestKey(r.ClientID, r.ID), r); err != nil {
			return err
		}
		if err := txn.Set([]byte(requestIndexKey(r.ID)), []byte(r.ClientID)); err != nil {
			return err
		}
		ev.Kind = KindRequestFiled
		ev.Detail = map[string]string{"request": r.ID, "request_kind": r.Kind}
		return appendEntry(txn, r.ClientID, ev)
	})
}

// RequestByID returns the request id of whichever account filed it, for staff.
func (s *Store) RequestByID(id string) (*Request, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	var r Request
	err := s.db.View(func(txn *badger.Txn) error {
		clientID, err := getRaw(txn, requestIndexKey(id))
		if err != nil {
			return err
		}
		return get(txn, requestKey(string(clientID), id), &r)
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Requests lists every account's requests, newest first, for staff.
func (s *Store) Requests() ([]Request, error) {
	all, err := listAll[Request](s, "arco/")
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b Request) int { return strings.Compare(b.ID, a.ID) })
	return all, nil
}

// PersonRequests lists the requests person (a contact's ID, "" for the owner) filed in
// clientID's account, newest first.
func (s *Store) PersonRequests(clientID, person string) ([]Request, error) {
	all, err := listAll[Request](s, "arco/"+clientID+"/")
	var out []Request
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Person == person {
			out = append(out, all[i])
		}
	}
	return out, err
}

// ResolveRequest approves (or, unless approve, rejects) the open request id with note,
// by ev's actor, and records ev in the account's history, in one transaction. A request
// already resolved is ErrRequestResolved.
func (s *Store) ResolveRequest(id string, approve bool, note string, ev Event) (*Request, error) {
	r, err := s.RequestByID(id)
	if err != nil {
		return nil, err
	}
	err = s.update(func(txn *badger.Txn) error {
		if err := get(txn, requestKey(r.ClientID, id), r); err != nil {
			return err
		}
		if !r.Open() {
			return ErrRequestResolved
		}
		r.State = RequestRejected
		if approve {
			r.State = RequestApproved
		}
		r.Note, r.ResolvedAt, r.ResolvedBy = note, time.Now().UTC(), ev.Actor
		if err := put(txn, requestKey(r.ClientID, id), r); err != nil {
			return err
		}
		ev.Kind = KindRequestResolved
		ev.Detail = map[string]string{"request": id, "request_kind": r.Kind, "state": r.State}
		return appendEntry(txn, r.ClientID, ev)
	})
	if errors.Is(err, ErrRequestResolved) {
		return r, err
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// ChainEntry is one history entry in the two forms an export of the history holds: Entry,
// with its personal fields filled in (as ListActivity gives it), and the proof of its
// place in the chain. Stored is the JSON of the entry as its hash covers it (a sealed
// entry's personal fields empty, their salted digest in Digest; an entry from before
// schema 4 whole): its SHA-256 with "hash" set to "" is Hash. Personal is the salted
// personal part (saltSize random bytes, then its JSON) whose SHA-256 is Digest; nil when
// the entry has none or it was erased.
type ChainEntry struct {
	Entry    Entry
	Stored   []byte
	Personal []byte
}

// HistoryChain is ListActivity with the proof of each entry (ChainEntry), for the export
// of a person's data, which lets them verify the chain outside Zona.
func (s *Store) HistoryChain(clientID, before string, limit int) ([]ChainEntry, string, error) {
	entries, next, err := s.ListActivity(clientID, before, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]ChainEntry, 0, len(entries))
	err = s.db.View(func(txn *badger.Txn) error {
		for _, e := range entries {
			var st Entry
			if err := get(txn, activityPrefix(clientID)+e.ID, &st); err != nil {
				return err
			}
			ce := ChainEntry{Entry: e}
			if len(st.Sealed) > 0 {
				key, err := historyKey(txn, clientID, st.At, false)
				if err != nil {
					return err
				}
				if key != nil {
					if ce.Personal, err = decrypt(key, st.Sealed, []byte(st.ID)); err != nil {
						return errSealAltered
					}
				}
			}
			st.Sealed = nil
			if ce.Stored, err = json.Marshal(st); err != nil {
				return err
			}
			out = append(out, ce)
		}
		return nil
	})
	return out, next, err
}

// privacyKeys lists the key prefixes of clientID's exports and ARCO requests, which
// closing the account removes with the rest of its personal data (personalKeys).
func privacyKeys(txn *badger.Txn, clientID string) ([][]byte, error) {
	out := [][]byte{[]byte(exportPrefix(clientID)), []byte("exportzip/" + clientID + "/"), []byte("arco/" + clientID + "/")}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("arcoidx/"), PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			return nil, err
		}
		if string(v) == clientID {
			out = append(out, it.Item().KeyCopy(nil))
		}
	}
	return out, nil
}
