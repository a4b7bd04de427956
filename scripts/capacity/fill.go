package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"zona/store"
)

// host is what a capacity run writes: a small hosting company at -scale 1.
type host struct {
	clients, contactsPerClient, messages, history int
}

func fullHost(scale float64) host {
	n := func(full int) int { return max(1, int(float64(full)*scale)) }
	return host{clients: n(50_000), contactsPerClient: 3, messages: n(1_000_000), history: n(5_000_000)}
}

// The client every measured page belongs to: the busiest account of the host, with a
// heavy share of the archive and of the history (heavyShare of each), so that the
// archive's and the history's deep pages are deep.
const (
	heavyEmail    = "capacidad@example.mx"
	heavyPassword = "Capacidad de un nodo, 2026!"
	staffEmail    = "operaciones@hosting.test"
	heavyShare    = 0.02
	msgIDDomain   = "hosting.test"
)

var (
	firstNames = []string{"Ana", "Luis", "María", "José", "Carmen", "Jorge", "Lucía", "Miguel", "Sofía", "Javier", "Elena", "Ricardo", "Paula", "Andrés", "Valeria", "Fernando"}
	lastNames  = []string{"García", "Hernández", "López", "Martínez", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez"}
	companies  = []string{"Comercializadora", "Servicios Digitales", "Consultores", "Distribuidora", "Tienda en Línea", "Despacho", "Constructora", "Agencia"}
	states     = []string{"JAL", "CMX", "NLE", "PUE", "QRO", "YUC", "GUA", "VER"}
	services   = []string{"Hospedaje compartido", "Dominio .mx", "Certificado SSL", "Servidor virtual", "Correo empresarial", "Respaldo en la nube"}
	agents     = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
	}
)

// filled is what the fill wrote: the counts, and the cursors of the deep pages measured.
type filled struct {
	clients, contacts, messages, attachments, records int
	// heavyID is the client the pages are measured on; deepMessage and deepEntry are
	// cursors 90% of the way down its archive and its history.
	heavyID, deepMessage, deepEntry string
	// heavyFolio is the folio (in the subject) of one message of the heavy client.
	heavyFolio string
	// stopped says why the fill ended before the target, empty when it reached it.
	stopped string
}

// filler writes a host through the store's API.
type filler struct {
	st     store.Records
	rnd    *mrand.Rand
	hash   string // one argon2id password hash, shared by every account: hashing is not measured
	out    *filled
	budget func() error // why the fill must stop now (disk), checked every 1000 writes
	ops    int
	// payload is the bytes of the message bodies and attachments handed to the store.
	payload int64
}

// errBound ends a fill that reached -max-duration or -max-disk: the run goes on with what
// was written.
var errBound = errors.New("bound reached")

func (f *filler) check(ctx context.Context) error {
	if ctx.Err() != nil {
		return fmt.Errorf("time %w", errBound)
	}
	f.ops++
	if f.ops%1000 == 0 {
		return f.budget()
	}
	return nil
}

func (f *filler) pick(list []string) string { return list[f.rnd.IntN(len(list))] }

// people writes the staff member, the clients and their contacts.
func (f *filler) people(ctx context.Context, h host) error {
	if err := f.st.CreateStaff(&store.Staff{Email: staffEmail, Name: "Operaciones", PasswordHash: f.hash, Role: store.RoleAdmin}); err != nil {
		return err
	}
	created := store.Event{Kind: store.KindAccountCreated, Actor: store.Actor{Kind: store.ActorSystem}}
	for i := range h.clients {
		if err := f.check(ctx); err != nil {
			return err
		}
		first, last := f.pick(firstNames), f.pick(lastNames)
		email := fmt.Sprintf("cliente%06d@example.mx", i)
		if i == 0 {
			first, last, email = "Ana", "Capacidad", heavyEmail
		}
		c := &store.Client{
			Email: email, FirstName: first, LastName: last, PasswordHash: f.hash,
			Company: fmt.Sprintf("%s %s %s SA de CV", f.pick(companies), last, f.pick(lastNames)),
			Address: store.Address{Phone: fmt.Sprintf("+5255%08d", i), Street: fmt.Sprintf("Av. Juárez %d", 1+i%900),
				City: "Guadalajara", State: f.pick(states), PostalCode: fmt.Sprintf("%05d", 10000+i%89999)},
		}
		if err := f.st.CreateClient(c, created); err != nil {
			return err
		}
		if i == 0 {
			f.out.heavyID = c.ID
		}
		f.out.clients++
		f.out.records++
		for j := range h.contactsPerClient {
			ct := &store.Contact{
				ClientID: c.ID, FirstName: f.pick(firstNames), LastName: f.pick(lastNames),
				Email:  fmt.Sprintf("contacto%06d-%d@example.mx", i, j),
				Emails: map[string]bool{store.CategoryNotes: true, store.CategoryGeneral: j == 0},
			}
			ev := store.Event{Kind: store.KindContactCreated, Actor: store.Actor{Kind: store.ActorOwner, ID: c.ID}}
			if _, err := f.st.CreateContact(ct, store.DefaultMaxContacts, nil, ev); err != nil {
				return err
			}
			f.out.contacts++
			f.out.records++
		}
	}
	return nil
}

// messages archives h.messages payment notes, heavyShare of them to the heavy client and
// the rest spread over the others, each queued and then delivered as the mail worker does
// (claimed, sent), so the outbox ends empty.
func (f *filler) messages(ctx context.Context, h host, clientIDs []string) error {
	heavy := max(1, int(float64(h.messages)*heavyShare))
	var heavyIDs []string
	for i := range h.messages {
		if err := f.check(ctx); err != nil {
			f.deepMessage(heavyIDs)
			return err
		}
		clientID := f.out.heavyID
		if i >= heavy && len(clientIDs) > 1 {
			clientID = clientIDs[1+i%(len(clientIDs)-1)]
		}
		m, content := f.note(clientID, i)
		ev := store.Event{Kind: store.KindEmailQueued, Actor: store.Actor{Kind: store.ActorSystem}}
		if err := f.st.QueueMessage(m, content, msgIDDomain, ev); err != nil {
			return err
		}
		now := time.Now()
		for _, c := range m.Copies {
			if _, err := f.st.ClaimCopy(c.ID, now, now.Add(time.Minute)); err != nil {
				return err
			}
			if err := f.st.CopySentAt(c.ID, now); err != nil {
				return err
			}
		}
		if clientID == f.out.heavyID {
			heavyIDs = append(heavyIDs, m.ID)
			if i == heavy/2 {
				f.out.heavyFolio = folio(i)
			}
		}
		f.out.messages++
		f.out.attachments += len(content.Attachments)
		f.payload += int64(len(content.Body.HTML) + len(content.Body.Text))
		for _, a := range content.Attachments {
			f.payload += int64(len(a.Data))
		}
		f.out.records++
	}
	f.deepMessage(heavyIDs)
	return nil
}

// deepMessage keeps the cursor 90% down the heavy client's archive (IDs oldest first).
func (f *filler) deepMessage(ids []string) {
	if len(ids) > 0 {
		f.out.deepMessage = ids[len(ids)/10]
	}
}

// note is a payment note as a billing system sends them: an HTML body of 3–15 KB (a few
// shorter or longer), its text part, and one time in ten a PDF of 30–200 KB.
func (f *filler) note(clientID string, i int) (*store.Message, store.Content) {
	size := 3<<10 + f.rnd.IntN(12<<10)
	switch r := f.rnd.IntN(20); r {
	case 0:
		size = 1<<10 + f.rnd.IntN(2<<10)
	case 1:
		size = 15<<10 + f.rnd.IntN(25<<10)
	}
	folio := folio(i)
	subject := fmt.Sprintf("Nota de pago %s · %s", folio, f.pick(services))
	var html, text strings.Builder
	html.WriteString(`<html><body style="font-family:Arial,sans-serif;color:#222"><h1>Nota de pago</h1>`)
	fmt.Fprintf(&html, `<p>Folio <strong>%s</strong>. Gracias por su pago.</p><table style="border-collapse:collapse;width:100%%">`, folio)
	fmt.Fprintf(&text, "Nota de pago %s\nGracias por su pago.\n", folio)
	for line := 1; html.Len() < size; line++ {
		svc, amount := f.pick(services), 99+f.rnd.IntN(9900)
		fmt.Fprintf(&html, `<tr><td style="padding:4px;border-bottom:1px solid #ddd">%d</td><td style="padding:4px;border-bottom:1px solid #ddd">%s, periodo %02d/2026, referencia %x</td><td style="padding:4px;text-align:right;border-bottom:1px solid #ddd">$%d.%02d MXN</td></tr>`,
			line, svc, 1+f.rnd.IntN(12), f.rnd.Uint32(), amount, f.rnd.IntN(100))
		fmt.Fprintf(&text, "%d. %s, $%d MXN\n", line, svc, amount)
	}
	html.WriteString(`</table><p>Este correo se generó automáticamente; consérvelo como comprobante.</p></body></html>`)
	m := &store.Message{ClientID: clientID, Category: store.CategoryNotes, Subject: subject, From: "facturacion@" + msgIDDomain,
		Copies: []store.Copy{{Kind: "owner", PersonID: clientID, To: fmt.Sprintf("cliente-%s@example.mx", strings.ToLower(clientID[20:]))}}}
	content := store.Content{Body: store.MessageBody{HTML: html.String(), Text: text.String()}}
	if f.rnd.IntN(10) == 0 {
		pdf := make([]byte, 30<<10+f.rnd.IntN(170<<10))
		rand.Read(pdf) // a PDF's streams are compressed: as good as random to the store
		copy(pdf, "%PDF-1.7\n")
		content.Attachments = []store.AttachmentData{{Attachment: store.Attachment{Name: "nota-" + folio + ".pdf", Type: "application/pdf"}, Data: pdf}}
	}
	return m, content
}

// folio is the number of the i-th payment note written.
func folio(i int) string { return fmt.Sprintf("%08d", i) }

// history records history entries until the store holds h.history of them in all,
// heavyShare of the added ones on the heavy client.
func (f *filler) history(ctx context.Context, h host, clientIDs []string) error {
	add := h.history - f.out.records
	heavy := int(float64(add) * heavyShare)
	for i := range max(add, 0) {
		if err := f.check(ctx); err != nil {
			return err
		}
		clientID := f.out.heavyID
		if i >= heavy && len(clientIDs) > 1 {
			clientID = clientIDs[1+i%(len(clientIDs)-1)]
		}
		if err := f.st.Record(clientID, f.event(clientID)); err != nil {
			return err
		}
		f.out.records++
	}
	return nil
}

// event is a movement as people make them: mostly sign-ins, some failures, edits,
// sessions ended, PIN checks at the desk.
func (f *filler) event(clientID string) store.Event {
	ip := fmt.Sprintf("189.%d.%d.%d", f.rnd.IntN(256), f.rnd.IntN(256), 1+f.rnd.IntN(254))
	owner := store.Actor{Kind: store.ActorOwner, ID: clientID}
	ev := store.Event{Actor: owner, IP: ip, UserAgent: f.pick(agents)}
	switch r := f.rnd.IntN(20); {
	case r < 12:
		ev.Kind = store.KindSignIn
	case r < 14:
		ev.Kind = store.KindSignInFailed
	case r < 16:
		ev.Kind = store.KindAccountUpdated
		ev.Changes = []store.Change{{Field: "phone", Old: "+5255" + fmt.Sprint(10000000+f.rnd.IntN(89999999)), New: "+5233" + fmt.Sprint(10000000+f.rnd.IntN(89999999))}}
	case r < 18:
		ev.Kind = store.KindSignOut
	case r < 19:
		ev.Kind, ev.Actor = store.KindPINMatched, store.Actor{Kind: store.ActorStaff, Name: "Operaciones"}
	default:
		ev.Kind = store.KindPasswordChanged
		ev.Changes = []store.Change{{Field: "password", Secret: true}}
	}
	return ev
}

// deepEntry finds the cursor 90% down the heavy client's history, a page at a time.
func deepEntry(st store.Records, clientID string, total int) (string, error) {
	before, seen := "", 0
	for seen < total*9/10 {
		page, next, err := st.ListActivity(clientID, before, 1000)
		if err != nil {
			return "", err
		}
		if len(page) == 0 || next == "" {
			break
		}
		seen += len(page)
		before = next
	}
	return before, nil
}
