package conformance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"zona/store"
)

// Data rights: exports, ARCO requests, closing an account and retention.

func ownerEvent(c *store.Client) store.Event {
	return store.Event{Actor: store.Actor{Kind: store.ActorOwner, ID: c.ID, Name: c.FirstName}, IP: "192.0.2.1"}
}

var staffEvent = store.Event{Actor: store.Actor{Kind: store.ActorStaff, ID: "01JSTAFF00000000000000000A", Name: "Luis"}}

func testExportsBelongToTheirPerson(t T, open Open) {
	s := open(t)
	a := mustClient(t, s, "ana@example.mx")
	b := mustClient(t, s, "beto@example.mx")
	ct := mustContact(t, s, a.ID, "luis@example.mx", nil)
	mine, err := s.StartExport(a.ID, "", ownerEvent(a))
	if err != nil {
		t.Fatalf("StartExport: %v", err)
	}
	if mine.ID == "" || mine.ClientID != a.ID || mine.Person != "" || mine.State != store.ExportRunning {
		t.Fatalf("a new export: %+v", mine)
	}
	if _, err := s.StartExport(a.ID, "", ownerEvent(a)); !errors.Is(err, store.ErrExportRunning) {
		t.Fatalf("a second export while the first runs: %v, want ErrExportRunning", err)
	}
	contacts, err := s.StartExport(a.ID, ct.ID, ownerEvent(a))
	if err != nil {
		t.Fatalf("the contact's export while the owner's runs: %v", err)
	}
	if _, err := s.ExportByID(b.ID, mine.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another client's ExportByID: %v, want ErrNotFound", err)
	}
	if got, err := s.ExportByID(a.ID, mine.ID); err != nil || got.Person != "" || got.ClientID != a.ID {
		t.Errorf("ExportByID: %+v %v", got, err)
	}
	for _, tc := range []struct {
		client, person string
		want           []string
	}{
		{a.ID, "", []string{mine.ID}},
		{a.ID, ct.ID, []string{contacts.ID}},
		{b.ID, "", nil},
	} {
		list, err := s.Exports(tc.client, tc.person)
		var ids []string
		for _, e := range list {
			ids = append(ids, e.ID)
		}
		if err != nil || !slices.Equal(ids, tc.want) {
			t.Errorf("Exports(%s, %q): %v %v, want %v", tc.client, tc.person, ids, err, tc.want)
		}
	}
	if err := s.FinishExport(a.ID, mine.ID, 0, 0, true, ownerEvent(a)); err != nil {
		t.Fatalf("FinishExport failed: %v", err)
	}
	if got, err := s.ExportByID(a.ID, mine.ID); err != nil || got.State != store.ExportFailed {
		t.Errorf("a failed export: %+v %v", got, err)
	}
	again, err := s.StartExport(a.ID, "", ownerEvent(a))
	if err != nil {
		t.Fatalf("a new export once the last is done: %v", err)
	}
	if list, err := s.Exports(a.ID, ""); err != nil || len(list) != 2 || list[0].ID != again.ID {
		t.Errorf("Exports after a second: %+v %v, want two, newest first", list, err)
	}
}

func testExportChunksRoundTrip(t T, open Open) {
	s := open(t)
	a := mustClient(t, s, "ana@example.mx")
	e, err := s.StartExport(a.ID, "", ownerEvent(a))
	if err != nil {
		t.Fatalf("StartExport: %v", err)
	}
	chunks := [][]byte{[]byte("PK\x03\x04 primera parte"), bytes.Repeat([]byte{0, 0xff, 'z'}, 100_000), []byte("fin")}
	var size int64
	for i, c := range chunks {
		if err := s.WriteExportChunk(e, i, c); err != nil {
			t.Fatalf("WriteExportChunk %d: %v", i, err)
		}
		size += int64(len(c))
		if err := s.ExportProgress(a.ID, e.ID, i+1, len(chunks)); err != nil {
			t.Fatalf("ExportProgress: %v", err)
		}
	}
	if got, err := s.ExportByID(a.ID, e.ID); err != nil || got.Done != len(chunks) || got.Total != len(chunks) || got.State != store.ExportRunning {
		t.Fatalf("progress: %+v %v", got, err)
	}
	if err := s.FinishExport(a.ID, e.ID, size, len(chunks), false, ownerEvent(a)); err != nil {
		t.Fatalf("FinishExport: %v", err)
	}
	got, err := s.ExportByID(a.ID, e.ID)
	if err != nil || got.State != store.ExportReady || got.Size != size || got.Chunks != len(chunks) {
		t.Fatalf("a finished export: %+v %v, want ready, %d bytes in %d chunks", got, err, size, len(chunks))
	}
	if d := got.Expires.Sub(got.Created); d != store.ExportValid {
		t.Errorf("kept for %s, want %s", d, store.ExportValid)
	}
	for i, want := range chunks {
		if b, err := s.ExportChunk(got, i); err != nil || !bytes.Equal(b, want) {
			t.Errorf("ExportChunk %d: %d bytes, %v; want %d", i, len(b), err, len(want))
		}
	}
	if _, err := s.ExportChunk(got, len(chunks)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a chunk past the last: %v, want ErrNotFound", err)
	}
	kinds := historyKinds(t, s, a.ID)
	if !slices.Contains(kinds, store.KindExportRequested) || kinds[0] != store.KindExportReady {
		t.Errorf("history %v, want the request and, last, the export ready", kinds)
	}
}

// historyKinds lists the kinds of clientID's history, newest first.
func historyKinds(t T, s Subject, clientID string) []string {
	t.Helper()
	entries, _, err := s.ListActivity(clientID, "", 1000)
	if err != nil {
		t.Fatalf("ListActivity: %v", err)
	}
	kinds := make([]string, len(entries))
	for i, e := range entries {
		kinds[i] = e.Kind
	}
	return kinds
}

func mustRequest(t T, s Subject, c *store.Client, person, kind string) *store.Request {
	t.Helper()
	r := &store.Request{ClientID: c.ID, Person: person, Name: c.FirstName, Kind: kind, Reason: "Borrar mi teléfono"}
	if err := s.FileRequest(r, time.UTC, ownerEvent(c)); err != nil {
		t.Fatalf("FileRequest: %v", err)
	}
	return r
}

func testRequestResolvedOnce(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	r := mustRequest(t, s, c, "", store.RequestCancel)
	if r.ID == "" || r.State != store.RequestOpen || r.Filed.IsZero() {
		t.Fatalf("a filed request: %+v", r)
	}
	got, err := s.ResolveRequest(r.ID, false, "No procede", staffEvent)
	if err != nil || got.State != store.RequestRejected || got.ResolvedBy.Name != "Luis" || got.ResolvedAt.IsZero() {
		t.Fatalf("resolved %+v %v", got, err)
	}
	if _, err := s.ResolveRequest(r.ID, true, "Sí procede", staffEvent); !errors.Is(err, store.ErrRequestResolved) {
		t.Fatalf("resolving twice: %v, want ErrRequestResolved", err)
	}
	if got, err := s.RequestByID(r.ID); err != nil || got.State != store.RequestRejected || got.Note != "No procede" {
		t.Fatalf("stored after resolving twice: %+v %v", got, err)
	}
	resolutions := 0
	kinds := historyKinds(t, s, c.ID)
	for _, k := range kinds {
		if k == store.KindRequestResolved {
			resolutions++
		}
	}
	if kinds[0] != store.KindRequestResolved || resolutions != 1 {
		t.Errorf("history %v, want one resolution, last", kinds)
	}
	if _, err := s.ResolveRequest(store.NewID(), true, "", staffEvent); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("resolving an unknown request: %v, want ErrNotFound", err)
	}
	if _, err := s.RequestByID("../" + r.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RequestByID of a path: %v, want ErrNotFound", err)
	}
}

// businessDaysAfter is the start of the nth day after from's date, in loc, that is neither a
// weekend day nor store.Holiday, counted here day by day.
func businessDaysAfter(from time.Time, n int, loc *time.Location) time.Time {
	y, m, d := from.In(loc).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday && !store.Holiday(day) {
			n--
		}
	}
	return day
}

func testRequestDueInBusinessDays(t T, open Open) {
	// The count itself, over weekends and federal holidays (the request below is filed
	// today, which may cross none).
	for _, c := range []struct{ filed, due string }{
		{"2026-11-30", "2026-12-29"}, // over December 25 (a Friday)
		{"2026-03-02", "2026-03-31"}, // over the third Monday of March
		{"2026-06-01", "2026-06-29"}, // weekends only
	} {
		filed, _ := time.Parse(time.DateOnly, c.filed)
		want, _ := time.Parse(time.DateOnly, c.due)
		if got := businessDaysAfter(filed, store.ARCODays, time.UTC); !got.Equal(want) {
			t.Fatalf("%d business days after %s: counted %s, want %s", store.ARCODays, c.filed, got.Format(time.DateOnly), c.due)
		}
		if got := store.AddBusinessDays(filed, store.ARCODays); !got.Equal(want) {
			t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", c.filed, store.ARCODays, got.Format(time.DateOnly), c.due)
		}
	}
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	mx, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	r := &store.Request{ClientID: c.ID, Name: "Ana", Kind: store.RequestRectify, Reason: "Mi apellido"}
	if err := s.FileRequest(r, mx, ownerEvent(c)); err != nil {
		t.Fatalf("FileRequest: %v", err)
	}
	want := businessDaysAfter(r.Filed, store.ARCODays, mx)
	if !r.Due.Equal(want) || r.Due.Location().String() != mx.String() {
		t.Errorf("filed %s, due %s; want %s in Mexico City", r.Filed, r.Due, want)
	}
	if got, err := s.RequestByID(r.ID); err != nil || !got.Due.Equal(want) || !got.Filed.Equal(r.Filed) {
		t.Errorf("stored %+v %v, due %s", got, err, want)
	}
}

func testPersonRequestsScoped(t T, open Open) {
	s := open(t)
	a := mustClient(t, s, "ana@example.mx")
	b := mustClient(t, s, "beto@example.mx")
	ct := mustContact(t, s, a.ID, "luis@example.mx", nil)
	owner := mustRequest(t, s, a, "", store.RequestAccess)
	contact := mustRequest(t, s, a, ct.ID, store.RequestOppose)
	other := mustRequest(t, s, b, "", store.RequestClose)
	owner2 := mustRequest(t, s, a, "", store.RequestRectify)
	ids := func(rs []store.Request) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		client, person string
		want           []string
	}{
		{a.ID, "", []string{owner2.ID, owner.ID}},
		{a.ID, ct.ID, []string{contact.ID}},
		{b.ID, "", []string{other.ID}},
		{b.ID, ct.ID, nil},
		{a.ID, store.NewID(), nil},
	} {
		if got, err := s.PersonRequests(tc.client, tc.person); err != nil || !slices.Equal(ids(got), tc.want) {
			t.Errorf("PersonRequests(%s, %q): %v %v, want %v", tc.client, tc.person, ids(got), err, tc.want)
		}
	}
	all, err := s.Requests()
	if want := []string{owner2.ID, other.ID, contact.ID, owner.ID}; err != nil || !slices.Equal(ids(all), want) {
		t.Errorf("Requests: %v %v, want every account's, newest first: %v", ids(all), err, want)
	}
	if got, err := s.RequestByID(contact.ID); err != nil || got.ClientID != a.ID || got.Person != ct.ID || got.Kind != store.RequestOppose {
		t.Errorf("RequestByID: %+v %v", got, err)
	}
}

// seedAccount makes a client named word with personal data of every kind: fiscal data, a
// contact with access, a session, history entries with personal fields, an archived and
// delivered message with an attachment, a pending email change and a password reset.
func seedAccount(t T, s Subject, word string) *store.Client {
	t.Helper()
	c := &store.Client{Email: word + "@example.mx", FirstName: word, LastName: "Pérez", Company: word + " SA", PasswordHash: "x",
		Address: store.Address{Phone: "+525512345678", Street: "Calle " + word},
		Fiscal:  store.Fiscal{RFC: "PEGA850101AB1", RazonSocial: "Razón " + strings.ToUpper(word)}}
	if err := s.CreateClient(c, sysEvent); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	owner := store.Actor{Kind: store.ActorOwner, ID: c.ID, Name: word + " Pérez"}
	ct := &store.Contact{ClientID: c.ID, FirstName: word + "contacto", Email: "contacto." + word + "@example.mx", Access: true}
	if _, err := s.CreateContact(ct, 0, []byte(strings.Repeat("i", 22)+word), store.Event{Kind: store.KindContactCreated, Actor: owner, IP: "10.1.2.3", UserAgent: word + "-browser"}); err != nil {
		t.Fatalf("CreateContact: %v", err)
	}
	d := &store.Device{Hash: strings.Repeat("a", 64), Started: time.Now(), LastSeen: time.Now(), Expires: time.Now().Add(time.Hour), IP: "10.1.2.3", UserAgent: word + "-browser"}
	if err := s.StartDevice(c.ID, d, store.Event{Kind: store.KindSignIn, Actor: owner, IP: "10.1.2.3", UserAgent: word + "-browser"}); err != nil {
		t.Fatalf("StartDevice: %v", err)
	}
	if _, err := s.UpdateClient(c.ID, c.Rev, func(c *store.Client) error { c.City = "Ciudad " + word; return nil },
		store.Event{Kind: store.KindAccountUpdated, Actor: owner, Changes: []store.Change{{Field: "city", New: "Ciudad " + word}}}); err != nil {
		t.Fatalf("UpdateClient: %v", err)
	}
	m := archive(t, s, c, "Asunto "+word, word, store.CategoryGeneral)
	if err := s.CopySentAt(m.Copies[0].ID, time.Now()); err != nil {
		t.Fatalf("CopySentAt: %v", err)
	}
	if err := s.RequestEmailChange(c.ID, "nuevo."+word+"@example.mx", []byte(strings.Repeat("t", 32)+word), time.Hour,
		store.Event{Kind: store.KindEmailChangeRequested, Actor: owner, Detail: map[string]string{"to": "nuevo." + word + "@example.mx"}}); err != nil {
		t.Fatalf("RequestEmailChange: %v", err)
	}
	if err := s.CreateReset(c, nil, []byte(strings.Repeat("r", 22)+word), time.Now().Add(time.Hour),
		store.Event{Kind: store.KindResetRequested, Actor: owner, IP: "10.1.2.3"}); err != nil {
		t.Fatalf("CreateReset: %v", err)
	}
	return c
}

// archive queues to c's owner a message naming word with one attachment, its copy queued.
func archive(t T, s Subject, c *store.Client, subject, word, category string) *store.Message {
	t.Helper()
	m := &store.Message{ClientID: c.ID, Category: category, Subject: subject, From: "zona@example.mx",
		Copies: []store.Copy{{Kind: "owner", PersonID: c.ID, To: c.Email, Name: word}}}
	content := store.Content{Body: store.MessageBody{Text: "Hola " + word, HTML: "<p>Hola " + word + "</p>"},
		Attachments: []store.AttachmentData{{Attachment: store.Attachment{Name: word + ".txt", Type: "text/plain", Size: int64(len("adjunto " + word))}, Data: []byte("adjunto " + word)}}}
	if err := s.QueueMessage(m, content, "example.mx", store.Event{Kind: store.KindEmailQueued, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatalf("QueueMessage: %v", err)
	}
	return m
}

func testCloseAccount(t T, open Open) {
	s := open(t)
	c := seedAccount(t, s, "cerrada")
	other := seedAccount(t, s, "sigue")
	contacts, err := s.ListContacts(c.ID)
	if err != nil || len(contacts) != 1 {
		t.Fatalf("contacts before closing: %+v %v", contacts, err)
	}
	before, _, err := s.ListActivity(c.ID, "", 100)
	if err != nil || len(before) < 5 {
		t.Fatalf("history before closing: %d entries, %v", len(before), err)
	}
	staff := store.Actor{Kind: store.ActorStaff, ID: "01JSTAFF00000000000000000A", Name: "Eva Staff"}
	got, err := s.CloseAccount(c.ID, staff)
	if err != nil {
		t.Fatalf("CloseAccount: %v", err)
	}
	// The account's creation was recorded by the system, with no personal field.
	if want := (store.Closed{Messages: 1, Attachments: 1, Contacts: 1, Sessions: 1, Entries: len(before) - 1}); got != want {
		t.Errorf("CloseAccount removed %+v, want %+v", got, want)
	}
	if _, err := s.CloseAccount(c.ID, staff); !errors.Is(err, store.ErrAccountClosed) {
		t.Errorf("closing twice: %v, want ErrAccountClosed", err)
	}
	cl, err := s.ClientByID(c.ID)
	if err != nil || !cl.Closed() || cl.Email != "" || cl.FirstName != "" || cl.Company != "" || cl.Phone != "" ||
		cl.Street != "" || cl.City != "" || cl.Fiscal.RFC != "" || cl.PasswordHash != "" {
		t.Fatalf("the closed client's record: %+v, %v", cl, err)
	}
	fk, err := s.FiscalKept(c.ID)
	if err != nil || fk.RFC != "PEGA850101AB1" || fk.RazonSocial != "Razón CERRADA" || fk.Reason == "" || fk.ClosedBy.ID != staff.ID || fk.ClosedBy.Name != "" {
		t.Errorf("FiscalKept: %+v, %v", fk, err)
	}
	if _, err := s.FiscalKept(other.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FiscalKept of an open account: %v, want ErrNotFound", err)
	}
	for _, email := range []string{"cerrada@example.mx", "contacto.cerrada@example.mx"} {
		if cl, ct, err := s.Login(email); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Login(%s) after closing: %+v %+v %v, want ErrNotFound", email, cl, ct, err)
		}
	}
	if _, err := s.ClientByEmail("cerrada@example.mx"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClientByEmail after closing: %v, want ErrNotFound", err)
	}
	if list, err := s.ListContacts(c.ID); err != nil || len(list) != 0 {
		t.Errorf("contacts after closing: %+v %v", list, err)
	}
	if _, err := s.ContactByID(c.ID, contacts[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ContactByID after closing: %v, want ErrNotFound", err)
	}
	if msgs, _, err := s.ListMessages(c.ID, store.MessageQuery{Limit: 10}); err != nil || len(msgs) != 0 {
		t.Errorf("archive after closing: %+v %v", msgs, err)
	}
	if devs, err := s.Devices(c.ID, "", time.Time{}); err != nil || len(devs) != 0 {
		t.Errorf("sessions after closing: %+v %v", devs, err)
	}
	if ch, err := s.PendingEmailChange(c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("pending email change after closing: %+v %v", ch, err)
	}
	if cl, ct, err := s.ResetPerson([]byte(strings.Repeat("r", 22) + "cerrada")); err == nil || cl != nil || ct != nil {
		t.Errorf("password reset after closing: %+v %+v %v", cl, ct, err)
	}
	if hits, _, err := s.SearchClients("cerrada"); err != nil || len(hits) != 0 {
		t.Errorf("search finds the closed account: %+v %v", hits, err)
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n != len(before)+1 {
		t.Errorf("VerifyActivity after closing: %d entries, %v; want %d", n, err, len(before)+1)
	}
	after, _, err := s.ListActivity(c.ID, "", 100)
	if err != nil || len(after) != len(before)+1 || after[0].Kind != store.KindAccountClosed || after[0].Actor.ID != staff.ID {
		t.Fatalf("history after closing: %+v, %v; want %d entries, account.closed by %s last", after, err, len(before)+1, staff.ID)
	}
	for _, e := range after[1:] {
		if e.IP != "" || e.UserAgent != "" || e.Actor.Name != "" || len(e.Detail) > 0 {
			t.Errorf("entry %s kept personal fields: %+v", e.Kind, e)
		}
		for _, ch := range e.Changes {
			if ch.Old != "" || ch.New != "" {
				t.Errorf("entry %s kept the values of a change: %+v", e.Kind, ch)
			}
		}
	}
	// The emails are free again.
	again := mustClient(t, s, "cerrada@example.mx")
	mustContact(t, s, again.ID, "contacto.cerrada@example.mx", []byte(strings.Repeat("j", 32)))
	if cl, _, err := s.Login("cerrada@example.mx"); err != nil || cl.ID != again.ID {
		t.Errorf("Login of the new client with the closed account's email: %+v %v", cl, err)
	}
	// The other account is untouched.
	if oc, err := s.ClientByEmail("sigue@example.mx"); err != nil || oc.FirstName != "sigue" || oc.Fiscal.RFC != "PEGA850101AB1" {
		t.Errorf("the other client: %+v, %v", oc, err)
	}
	if list, err := s.ListContacts(other.ID); err != nil || len(list) != 1 {
		t.Errorf("the other client's contacts: %+v %v", list, err)
	}
	if n, err := s.VerifyActivity(other.ID); err != nil || n < 5 {
		t.Errorf("the other client's history: %d, %v", n, err)
	}
	if _, err := s.CloseAccount(store.NewID(), staff); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("closing an unknown account: %v, want ErrNotFound", err)
	}
}

// The notice queued just before the closing (that the request to close was approved) is
// kept, with its outbox item, until its copy is sent or given up; then it is erased like
// the rest and the history still verifies.
func testCloseAccountKeepsAWaitingNotice(t T, open Open) {
	for _, finish := range []struct {
		name string
		done func(s Subject, copyID string) error
	}{
		{"Sent", func(s Subject, copyID string) error { return s.CopySentAt(copyID, time.Now()) }},
		{"GivenUp", func(s Subject, copyID string) error { return s.CopyFailedFinal(copyID, "550 no such user") }},
	} {
		t.Run(finish.name, func(t T) {
			s := open(t)
			c := seedAccount(t, s, "cerrada")
			notice := archive(t, s, c, "Solicitud ARCO resuelta", "cerrada", store.CategoryAccount)
			got, err := s.CloseAccount(c.ID, staffEvent.Actor)
			if err != nil {
				t.Fatalf("CloseAccount: %v", err)
			}
			if got.Messages != 1 || got.Attachments != 1 || got.Waiting != 1 {
				t.Errorf("CloseAccount removed %+v, want the archived message removed and the notice kept", got)
			}
			items, err := s.Outbox()
			if err != nil || len(items) != 1 || items[0].CopyID != notice.Copies[0].ID {
				t.Fatalf("outbox after closing: %+v %v", items, err)
			}
			d, err := s.ClaimCopy(notice.Copies[0].ID, time.Now(), time.Now().Add(time.Minute))
			if err != nil || d.Copy.To != "cerrada@example.mx" || d.Body.Text != "Hola cerrada" || len(d.Attachments) != 1 {
				t.Fatalf("delivering the notice: %+v %v", d, err)
			}
			if err := finish.done(s, notice.Copies[0].ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.MessageByID(c.ID, notice.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the notice once its copy is done: %v, want ErrNotFound", err)
			}
			if items, err := s.Outbox(); err != nil || len(items) != 0 {
				t.Errorf("outbox once the notice is done: %+v %v", items, err)
			}
			if failed, err := s.FailedCopies(); err != nil || len(failed) != 0 {
				t.Errorf("failed copies left: %+v %v", failed, err)
			}
			if _, err := s.VerifyActivity(c.ID); err != nil {
				t.Errorf("VerifyActivity: %v", err)
			}
		})
	}
}

// tick waits until the clock has moved past the millisecond it reads now, and returns the
// time after: a cutoff strictly between what was written before and what is written after.
func tick() time.Time {
	time.Sleep(2 * time.Millisecond)
	at := time.Now()
	time.Sleep(2 * time.Millisecond)
	return at
}

func testArchiveRetention(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "archivo@example.mx")
	oldSent := archive(t, s, c, "viejo", "viejo", store.CategoryGeneral)
	if err := s.CopySentAt(oldSent.Copies[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	oldQueued := archive(t, s, c, "viejo en cola", "cola", store.CategoryGeneral)
	cutoff := tick()
	recent := archive(t, s, c, "reciente", "reciente", store.CategoryGeneral)
	if err := s.CopySentAt(recent.Copies[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if p, err := s.PreviewRetention(time.Time{}, time.Time{}); err != nil || p != (store.RetentionPreview{}) {
		t.Errorf("preview with retention off: %+v %v", p, err)
	}
	p, err := s.PreviewRetention(time.Time{}, cutoff)
	if err != nil || p != (store.RetentionPreview{Messages: 1, Attachments: 1, Waiting: 1}) {
		t.Fatalf("preview: %+v, %v; want one message with one attachment, one waiting", p, err)
	}
	if n, err := s.PruneArchive(time.Time{}); err != nil || n != 0 {
		t.Errorf("PruneArchive with retention off: %d %v", n, err)
	}
	if n, err := s.PruneArchive(cutoff); err != nil || n != p.Messages {
		t.Fatalf("PruneArchive: %d, %v; want %d, as previewed", n, err, p.Messages)
	}
	if _, err := s.MessageByID(c.ID, oldSent.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old message is still archived: %v", err)
	}
	if _, err := s.AttachmentByIndex(c.ID, oldSent.ID, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old message's attachment: %v, want ErrNotFound", err)
	}
	for _, m := range []*store.Message{oldQueued, recent} {
		if _, err := s.MessageByID(c.ID, m.ID); err != nil {
			t.Errorf("message %q removed: %v", m.Subject, err)
		}
	}
	if items, err := s.Outbox(); err != nil || len(items) != 1 || items[0].CopyID != oldQueued.Copies[0].ID {
		t.Errorf("outbox after retention: %+v %v; want the waiting copy", items, err)
	}
	if p, err := s.PreviewRetention(time.Time{}, cutoff); err != nil || p != (store.RetentionPreview{Waiting: 1}) {
		t.Errorf("preview after pruning: %+v %v", p, err)
	}
}

func testActivityRetention(t T, open Open) {
	s := open(t)
	a := mustClient(t, s, "ana@example.mx")
	b := mustClient(t, s, "beto@example.mx")
	ev := store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorOwner, ID: a.ID, Name: "Ana"}, IP: "203.0.113.77"}
	for range 3 {
		if err := s.Record(a.ID, ev); err != nil {
			t.Fatal(err)
		}
	}
	cutoff := tick()
	mustClient(t, s, "carla@example.mx") // a history wholly after the cutoff
	ev.IP = "198.51.100.1"
	if err := s.Record(a.ID, ev); err != nil {
		t.Fatal(err)
	}
	// a: its creation and 3 sign-ins before the cutoff; b: its creation.
	p, err := s.PreviewRetention(cutoff, time.Time{})
	if err != nil || p != (store.RetentionPreview{Entries: 5, Histories: 2}) {
		t.Fatalf("preview: %+v, %v; want 5 entries in 2 histories", p, err)
	}
	if n, err := s.PruneAllActivity(cutoff); err != nil || n != p.Entries {
		t.Fatalf("PruneAllActivity: %d, %v; want %d, as previewed", n, err, p.Entries)
	}
	if n, err := s.VerifyActivity(a.ID); err != nil || n != 1 {
		t.Errorf("VerifyActivity of what is left: %d, %v; want 1", n, err)
	}
	if list, _, err := s.ListActivity(a.ID, "", 10); err != nil || len(list) != 1 || list[0].IP != "198.51.100.1" {
		t.Errorf("history left: %+v, %v", list, err)
	}
	if n, err := s.VerifyActivity(b.ID); err != nil || n != 0 {
		t.Errorf("VerifyActivity of an emptied history: %d, %v; want 0", n, err)
	}
	if err := s.Record(b.ID, ev); err != nil {
		t.Fatal(err)
	}
	if n, err := s.VerifyActivity(b.ID); err != nil || n != 1 {
		t.Errorf("VerifyActivity of an emptied history written again: %d, %v; want 1", n, err)
	}
	if p, err := s.PreviewRetention(cutoff, time.Time{}); err != nil || p != (store.RetentionPreview{}) {
		t.Errorf("preview after pruning: %+v %v", p, err)
	}
}

// checkChain verifies clientID's history as someone outside Zona would from HistoryChain
// read in pages of three: each entry's stored form hashes to its Hash (with "hash" empty),
// names the next older entry's hash as its Prev, and its personal part, if any, hashes to
// its Digest. It returns how many entries have a personal part.
func checkChain(t T, s Subject, clientID string) (personal int) {
	t.Helper()
	entries, _, err := s.ListActivity(clientID, "", 1000)
	if err != nil {
		t.Fatalf("ListActivity: %v", err)
	}
	var chain []store.ChainEntry
	for before := ""; ; {
		page, next, err := s.HistoryChain(clientID, before, 3)
		if err != nil {
			t.Fatalf("HistoryChain: %v", err)
		}
		chain = append(chain, page...)
		if next == "" {
			break
		}
		before = next
	}
	if len(chain) != len(entries) {
		t.Fatalf("HistoryChain gave %d entries, ListActivity %d", len(chain), len(entries))
	}
	for i, ce := range chain {
		e := entries[i]
		if ce.Entry.ID != e.ID || ce.Entry.Hash != e.Hash || ce.Entry.IP != e.IP || ce.Entry.Actor != e.Actor {
			t.Fatalf("chain entry %d is %+v, ListActivity's %+v", i, ce.Entry, e)
		}
		var stored struct{ ID, Hash, Prev, Digest string }
		if err := json.Unmarshal(ce.Stored, &stored); err != nil {
			t.Fatalf("entry %s: stored form %q: %v", e.ID, ce.Stored, err)
		}
		if stored.ID != e.ID || stored.Hash != e.Hash || stored.Prev != e.Prev {
			t.Fatalf("entry %s: stored form %+v", e.ID, stored)
		}
		unhashed := bytes.Replace(ce.Stored, []byte(`"hash":"`+stored.Hash+`"`), []byte(`"hash":""`), 1)
		if sum := sha256.Sum256(unhashed); hex.EncodeToString(sum[:]) != stored.Hash {
			t.Errorf("entry %s (%s): its stored form does not hash to %s", e.ID, e.Kind, stored.Hash)
		}
		if i+1 < len(chain) && stored.Prev != chain[i+1].Entry.Hash {
			t.Errorf("entry %s names %s as its predecessor, not the older entry's %s", e.ID, stored.Prev, chain[i+1].Entry.Hash)
		}
		if e.IP != "" && bytes.Contains(ce.Stored, []byte(e.IP)) {
			t.Errorf("entry %s: the hashed form holds the IP in clear: %s", e.ID, ce.Stored)
		}
		if ce.Personal == nil {
			continue
		}
		personal++
		if sum := sha256.Sum256(ce.Personal); hex.EncodeToString(sum[:]) != stored.Digest {
			t.Errorf("entry %s: the personal part does not hash to its digest %s", e.ID, stored.Digest)
		}
		if e.IP != "" && !bytes.Contains(ce.Personal, []byte(e.IP)) {
			t.Errorf("entry %s: the personal part lacks the IP %s", e.ID, e.IP)
		}
	}
	return personal
}

func testHistoryChain(t T, open Open) {
	s := open(t)
	c := seedAccount(t, s, "cadena")
	if n := checkChain(t, s, c.ID); n < 4 {
		t.Errorf("%d entries with a personal part, want the seeded account's (4 at least)", n)
	}
	if _, err := s.CloseAccount(c.ID, staffEvent.Actor); err != nil {
		t.Fatalf("CloseAccount: %v", err)
	}
	if n := checkChain(t, s, c.ID); n != 0 {
		t.Errorf("after closing, %d entries still have a personal part", n)
	}
}
