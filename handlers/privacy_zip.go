package handlers

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"zona/locales"
	"zona/mail"
	"zona/store"
	"zona/views"
)

// exportPage is how many history entries or messages the export reads at a time.
const exportPage = 200

// exportJob builds one export in the background. It holds copies of what it needs from the
// request that asked for it: the person's records as read then, and the language.
type exportJob struct {
	s      *Server
	exp    *store.Export
	p      *principal
	t      *locales.Translator
	ctx    context.Context
	origin origin
	zw     *zip.Writer
}

// run builds the ZIP into the store, piece by piece, and marks the export ready, or
// failed when anything went wrong.
func (j *exportJob) run() error {
	out := &exportWriter{st: j.s.store, exp: j.exp}
	j.zw = zip.NewWriter(out)
	err := j.write()
	if err == nil {
		err = j.zw.Close()
	}
	if err == nil {
		err = out.flush()
	}
	ev := store.Event{Actor: store.Actor{Kind: store.ActorSystem}, IP: j.origin.ip, UserAgent: j.origin.userAgent}
	if ferr := j.s.store.FinishExport(j.exp.ClientID, j.exp.ID, out.size, out.n, err != nil, ev); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

// parts lists the export's parts in order; each writes its files into the ZIP.
func (j *exportJob) parts() []func() error {
	p := j.p
	parts := []func() error{j.readme, j.person, j.consents, j.sessions, j.requests}
	if p.Contact != nil && p.may(store.AreaProfile) {
		parts = append(parts, j.account)
	}
	if p.may(store.AreaContacts) {
		parts = append(parts, j.contacts)
	}
	return append(parts, j.history, j.emails)
}

func (j *exportJob) write() error {
	parts := j.parts()
	for i, part := range parts {
		if err := part(); err != nil {
			return err
		}
		if err := j.s.store.ExportProgress(j.exp.ClientID, j.exp.ID, i+1, len(parts)); err != nil {
			return err
		}
	}
	return nil
}

func (j *exportJob) file(name string) (io.Writer, error) {
	return j.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: j.exp.Created})
}

// readme explains the files, in the person's language.
func (j *exportJob) readme() error {
	w, err := j.file(j.t.T("export.readme.file"))
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, j.t.T("export.readme.body", "Brand", j.s.cfg.Brand, "Name", j.p.Name(),
		"When", j.exp.Created.In(j.s.cfg.Location).Format(j.t.T("format.datetime")), "Days", int(store.ExportValid/(24*time.Hour))))
	return err
}

// exportClient is an account's details as exported: every field but the password and PIN
// hashes.
type exportClient struct {
	ID        string        `json:"id"`
	Email     string        `json:"email"`
	FirstName string        `json:"first_name"`
	LastName  string        `json:"last_name"`
	Company   string        `json:"company,omitempty"`
	Lang      string        `json:"lang,omitempty"`
	Address   store.Address `json:"address"`
	Fiscal    store.Fiscal  `json:"fiscal"`
	Marketing store.Consent `json:"marketing"`
	PINSet    bool          `json:"pin_set"`
	PINAt     time.Time     `json:"pin_changed_at,omitzero"`
	Suspended time.Time     `json:"suspended_at,omitzero"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// exportContact is a contact as exported: every field but its password hash and its
// invitation's token hash.
type exportContact struct {
	ID          string          `json:"id"`
	FirstName   string          `json:"first_name"`
	LastName    string          `json:"last_name"`
	Company     string          `json:"company,omitempty"`
	Email       string          `json:"email"`
	Address     store.Address   `json:"address"`
	Access      bool            `json:"access"`
	SignsIn     bool            `json:"signs_in"`
	Emails      map[string]bool `json:"emails,omitempty"`
	Areas       map[string]bool `json:"areas,omitempty"`
	Marketing   store.Consent   `json:"marketing"`
	Lang        string          `json:"lang,omitempty"`
	InviteState string          `json:"invite_state,omitempty"`
	InviteSent  time.Time       `json:"invite_sent,omitzero"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

func clientRecord(c *store.Client) exportClient {
	return exportClient{ID: c.ID, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Company: c.Company, Lang: c.Lang,
		Address: c.Address, Fiscal: c.Fiscal, Marketing: c.Marketing, PINSet: c.PINHash != "", PINAt: c.PINChangedAt,
		Suspended: c.SuspendedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func contactRecord(c *store.Contact) exportContact {
	return exportContact{ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Company: c.Company, Email: c.Email,
		Address: c.Address, Access: c.Access, SignsIn: c.CanSignIn(), Emails: c.Emails, Areas: c.Areas, Marketing: c.Marketing,
		Lang: c.Lang, InviteState: c.Invite.State, InviteSent: c.Invite.SentAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// person writes the person's own details: the account's for the owner (with the fiscal
// data), the contact's own for a contact.
func (j *exportJob) person() error {
	if j.p.Contact != nil {
		return j.records("contact", contactRecord(j.p.Contact))
	}
	return j.records("account", clientRecord(j.p.Client))
}

// account writes the account's details for a contact who may see them.
func (j *exportJob) account() error { return j.records("account", clientRecord(j.p.Client)) }

func (j *exportJob) contacts() error {
	list, err := j.s.store.ListContacts(j.p.ClientID())
	if err != nil {
		return err
	}
	out := make([]exportContact, 0, len(list))
	for i := range list {
		out = append(out, contactRecord(&list[i]))
	}
	return j.records("contacts", out)
}

// exportConsent is one record of the person's marketing consent: the state now, or a
// change of it in the history.
type exportConsent struct {
	At    time.Time `json:"at"`
	What  string    `json:"what"`
	Given bool      `json:"given"`
	How   string    `json:"how,omitempty"`
	IP    string    `json:"ip,omitempty"`
}

func (j *exportJob) consents() error {
	now := j.p.Client.Marketing
	if j.p.Contact != nil {
		now = j.p.Contact.Marketing
	}
	out := []exportConsent{{At: now.At, What: j.t.T("page.privacy.consent_now"), Given: now.Given, IP: now.IP}}
	err := j.eachEntry(func(e store.Entry) error {
		if strings.HasPrefix(e.Kind, "marketing.") && concerns(j.p, e) {
			out = append(out, exportConsent{At: e.At, What: views.Describe(j.ctx, e), Given: e.Kind == store.KindMarketingOptIn,
				How: e.Detail["how"], IP: e.IP})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return j.records("consents", out)
}

// exportSession is one signed-in session, without its ID or any hash of it.
type exportSession struct {
	Started   time.Time `json:"started"`
	LastSeen  time.Time `json:"last_seen"`
	Expires   time.Time `json:"expires"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	Method    string    `json:"method,omitempty"`
}

func (j *exportJob) sessions() error {
	list, err := j.s.store.Devices(j.p.ClientID(), j.p.person(), time.Time{})
	if err != nil {
		return err
	}
	out := make([]exportSession, 0, len(list))
	for _, d := range list {
		out = append(out, exportSession{Started: d.Started, LastSeen: d.LastSeen, Expires: d.Expires, IP: d.IP, UserAgent: d.UserAgent, Method: d.Method})
	}
	return j.records("sessions", out)
}

func (j *exportJob) requests() error {
	list, err := j.s.store.PersonRequests(j.p.ClientID(), j.p.person())
	if err != nil {
		return err
	}
	return j.records("requests", list)
}

// eachEntry calls fn with every entry of the account's history, newest first.
func (j *exportJob) eachEntry(fn func(store.Entry) error) error {
	before := ""
	for {
		list, next, err := j.s.store.ListActivity(j.p.ClientID(), before, exportPage)
		if err != nil {
			return err
		}
		for _, e := range list {
			if err := fn(e); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		before = next
	}
}

// chainLine is one line of history.jsonl: the entry as its hash covers it, and its salted
// personal part (store.ChainEntry).
type chainLine struct {
	Entry    json.RawMessage `json:"entry"`
	Personal []byte          `json:"personal,omitempty"`
}

// history writes the history the person may see (the whole account's for the owner and a
// contact with the activity area, else the contact's own entries) as a CSV with each
// entry's ID, its predecessor's hash and its own, and as history.jsonl, one entry a line
// in the form its hash covers, from which the chain can be verified outside Zona (the
// README says how). Each file is written as the history is read, a page at a time.
func (j *exportJob) history() error {
	all := j.p.may(store.AreaActivity)
	w, err := j.file("history.csv")
	if err != nil {
		return err
	}
	rows := newRowMaker(j.ctx)
	var buf bytes.Buffer
	buf.Write(utf8BOM)
	writeCSVLine(&buf, []string{
		j.t.T("page.activity.csv.when"), j.t.T("page.activity.csv.who"), j.t.T("page.activity.csv.kind"),
		j.t.T("page.activity.csv.what"), j.t.T("page.activity.csv.changes"), j.t.T("page.activity.csv.ip"),
		j.t.T("page.activity.csv.device"), j.t.T("export.csv.id"), j.t.T("export.csv.prev"), j.t.T("export.csv.hash"),
	})
	err = j.eachEntry(func(e store.Entry) error {
		if all || concerns(j.p, e) {
			writeCSVLine(&buf, append(csvRecord(rows, e, j.s.cfg.Location), e.ID, e.Prev, e.Hash))
		}
		if buf.Len() < exportChunk {
			return nil
		}
		_, err := buf.WriteTo(w)
		return err
	})
	if err != nil {
		return err
	}
	if _, err := buf.WriteTo(w); err != nil {
		return err
	}
	if w, err = j.file("history.jsonl"); err != nil {
		return err
	}
	for before := ""; ; {
		page, next, err := j.s.store.HistoryChain(j.p.ClientID(), before, exportPage)
		if err != nil {
			return err
		}
		for _, ce := range page {
			if !all && !concerns(j.p, ce.Entry) {
				continue
			}
			b, err := json.Marshal(chainLine{Entry: ce.Stored, Personal: ce.Personal})
			if err != nil {
				return err
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		before = next
	}
}

// exportEmail is one line of the index of the exported emails.
type exportEmail struct {
	File     string    `json:"file"`
	At       time.Time `json:"at"`
	Category string    `json:"category"`
	Subject  string    `json:"subject"`
	To       string    `json:"to"`
	Status   string    `json:"status"`
}

// emails writes every archived email the person may open, as an .eml file with its
// attachments, and an index of them. Another person's security (account) mail is left
// out, as the archive leaves it unopened.
func (j *exportJob) emails() error {
	var index []exportEmail
	q := store.MessageQuery{Limit: exportPage, Person: j.p.person()}
	for {
		list, next, err := j.s.store.ListMessages(j.p.ClientID(), q)
		if err != nil {
			return err
		}
		for i := range list {
			m := &list[i]
			if !m.OpenableBy(j.p.person()) {
				continue
			}
			e, err := j.email(m)
			if err != nil {
				return err
			}
			index = append(index, e)
		}
		if next == "" {
			break
		}
		q.Before = next
	}
	return j.records("emails", index)
}

func (j *exportJob) email(m *store.Message) (exportEmail, error) {
	body, err := j.s.store.MessageBodyByID(m.ClientID, m.ID)
	if err != nil {
		return exportEmail{}, err
	}
	d := &store.Delivery{Message: *m, Body: *body, Copy: j.copyOf(m)}
	for n := range m.Attachments {
		a, err := j.s.store.AttachmentByIndex(m.ClientID, m.ID, n+1)
		if err != nil {
			return exportEmail{}, err
		}
		d.Attachments = append(d.Attachments, *a)
	}
	msg, err := mail.Compose(m.From, d)
	if err != nil {
		return exportEmail{}, fmt.Errorf("export: message %s: %w", m.ID, err)
	}
	name := "emails/" + m.At.In(j.s.cfg.Location).Format("2006-01-02") + "-" + m.ID + ".eml"
	w, err := j.file(name)
	if err != nil {
		return exportEmail{}, err
	}
	if _, err := msg.WriteTo(w); err != nil {
		return exportEmail{}, err
	}
	return exportEmail{File: name, At: m.At, Category: m.Category, Subject: m.Subject, To: d.Copy.To,
		Status: j.t.T("email_status." + m.Status())}, nil
}

// copyOf is the copy of m the person received: a contact's own, the owner's, or for the
// owner of a message sent to contacts alone the first.
func (j *exportJob) copyOf(m *store.Message) store.Copy {
	kind, person := "owner", ""
	if j.p.Contact != nil {
		kind, person = "contact", j.p.Contact.ID
	}
	if i := slices.IndexFunc(m.Copies, func(c store.Copy) bool {
		return c.Kind == kind && c.PersonID == person || kind == "owner" && c.Kind == kind
	}); i >= 0 {
		return m.Copies[i]
	}
	if len(m.Copies) > 0 {
		return m.Copies[0]
	}
	return store.Copy{To: j.p.Email(), Name: j.p.Name()}
}

// records writes v (a record or a list of them) as name.json and name.csv.
func (j *exportJob) records(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	w, err := j.file(name + ".json")
	if err != nil {
		return err
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return err
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.Write(utf8BOM)
	switch tree := tree.(type) {
	case []any:
		var rows []map[string]string
		var cols []string
		for _, item := range tree {
			row := map[string]string{}
			flatten("", item, row)
			for _, k := range sortedKeys(row) {
				if !slices.Contains(cols, k) {
					cols = append(cols, k)
				}
			}
			rows = append(rows, row)
		}
		writeCSVLine(&buf, cols)
		for _, row := range rows {
			line := make([]string, len(cols))
			for i, k := range cols {
				line[i] = csvSafe(row[k])
			}
			writeCSVLine(&buf, line)
		}
	default:
		row := map[string]string{}
		flatten("", tree, row)
		writeCSVLine(&buf, []string{j.t.T("export.csv.field"), j.t.T("export.csv.value")})
		for _, k := range sortedKeys(row) {
			writeCSVLine(&buf, []string{k, csvSafe(row[k])})
		}
	}
	w, err = j.file(name + ".csv")
	if err != nil {
		return err
	}
	_, err = buf.WriteTo(w)
	return err
}

// flatten puts the leaves of a decoded JSON value into out, named by their dotted path.
func flatten(prefix string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			flatten(strings.TrimPrefix(prefix+"."+k, "."), x, out)
		}
	case []any:
		for i, x := range v {
			flatten(fmt.Sprintf("%s.%d", prefix, i+1), x, out)
		}
	case nil:
		out[prefix] = ""
	default:
		out[prefix] = fmt.Sprint(v)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// exportChunk is the size of the pieces the ZIP is written to the store in.
const exportChunk = 1 << 20

// exportWriter stores what is written to it as the export's pieces of exportChunk bytes.
type exportWriter struct {
	st   store.Records
	exp  *store.Export
	buf  []byte
	n    int
	size int64
}

func (w *exportWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	w.size += int64(len(p))
	for len(w.buf) >= exportChunk {
		if err := w.st.WriteExportChunk(w.exp, w.n, bytes.Clone(w.buf[:exportChunk])); err != nil {
			return 0, err
		}
		w.n++
		w.buf = append(w.buf[:0], w.buf[exportChunk:]...)
	}
	return len(p), nil
}

// flush stores the last piece.
func (w *exportWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if err := w.st.WriteExportChunk(w.exp, w.n, w.buf); err != nil {
		return err
	}
	w.n++
	return nil
}
