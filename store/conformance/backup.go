package conformance

import (
	"bytes"
	"errors"
	"reflect"
	"time"

	"zona/secure"
	"zona/store"
)

// A backup restored into an empty store gives back the same records, indexes, archive,
// outbox, secrets and verifiable histories; a non-empty store refuses a restore.
func testBackupRoundTrip(t T, open Open) {
	src := open(t)
	ana := mustClient(t, src, "ana@example.mx")
	beto := mustClient(t, src, "beto@example.mx")
	invite := secure.TokenHash("invitación")
	luis := mustContact(t, src, ana.ID, "luis@example.mx", invite)
	if _, err := src.AcceptInvitation(invite, "hash", store.Event{Kind: store.KindContactJoined}); err != nil {
		t.Fatalf("AcceptInvitation: %v", err)
	}
	for range 20 {
		if err := src.Record(beto.ID, store.Event{Kind: store.KindSignIn, IP: "192.0.2.1"}); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0xA5, 0x5A, 0x00, 0xFF}, 10<<10)...) // over Badger's value threshold
	m := &store.Message{ClientID: ana.ID, Category: store.CategoryNotes, Subject: "Nota de pago", From: "avisos@hosting.test",
		Copies: []store.Copy{{Kind: "owner", PersonID: ana.ID, To: "ana@example.mx"}}}
	content := store.Content{Body: store.MessageBody{HTML: "<p>Pago</p>", Text: "Pago"},
		Attachments: []store.AttachmentData{{Attachment: store.Attachment{Name: "nota.pdf", Type: "application/pdf"}, Data: pdf}}}
	if err := src.QueueMessage(m, content, "hosting.test", sysEvent); err != nil {
		t.Fatalf("QueueMessage: %v", err)
	}
	sent := queue(t, src, beto, "Enviado", "beto@example.mx")
	now := time.Now()
	if _, err := src.ClaimCopy(sent.Copies[0].ID, now, now.Add(time.Minute)); err != nil {
		t.Fatalf("ClaimCopy: %v", err)
	}
	if err := src.CopySentAt(sent.Copies[0].ID, now); err != nil {
		t.Fatalf("CopySentAt: %v", err)
	}
	if err := src.CreateStaff(&store.Staff{Email: "ops@hosting.test", Name: "Ops", PasswordHash: "x", Role: store.RoleAdmin}); err != nil {
		t.Fatalf("CreateStaff: %v", err)
	}
	if _, err := src.CreateAPIToken("facturacion", secure.TokenHash("token")); err != nil {
		t.Fatalf("CreateAPIToken: %v", err)
	}
	secret, err := src.Secret("csrf")
	if err != nil {
		t.Fatalf("Secret: %v", err)
	}

	var buf bytes.Buffer
	if err := src.Backup(&buf); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if err := src.Restore(bytes.NewReader(buf.Bytes())); err == nil {
		t.Fatalf("a restore into a store holding clients was accepted")
	}
	dst := open(t)
	if err := dst.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatalf("Restore: %v", err)
	}

	for _, c := range []*store.Client{ana, beto} {
		want, _ := src.ClientByID(c.ID)
		got, err := dst.ClientByID(c.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("client %s restored as %+v, %v; want %+v", c.ID, got, err, want)
		}
		wantN, err1 := src.VerifyActivity(c.ID)
		gotN, err2 := dst.VerifyActivity(c.ID)
		if err1 != nil || err2 != nil || gotN != wantN {
			t.Errorf("history of %s: %d entries (%v) restored from %d (%v)", c.ID, gotN, err2, wantN, err1)
		}
		wantH, _, _ := src.ListActivity(c.ID, "", 100)
		gotH, _, _ := dst.ListActivity(c.ID, "", 100)
		if !reflect.DeepEqual(entryIDs(gotH), entryIDs(wantH)) {
			t.Errorf("history of %s restored as %v, want %v", c.ID, entryIDs(gotH), entryIDs(wantH))
		}
	}
	if cl, ct, err := dst.Login("LUIS@example.mx"); err != nil || ct == nil || ct.ID != luis.ID || cl.ID != ana.ID {
		t.Errorf("the contact's sign-in after the restore: %v %v %v", cl, ct, err)
	}
	if err := dst.CreateClient(&store.Client{Email: "ana@example.mx"}, sysEvent); !errors.Is(err, store.ErrEmailTaken) {
		t.Errorf("the restored login index lets a second ana@example.mx in: %v", err)
	}
	if hits, _, err := dst.SearchClients("beto@example.mx"); err != nil || len(hits) != 1 || hits[0].ClientID != beto.ID {
		t.Errorf("the restored search index: %+v %v", hits, err)
	}
	got, err := dst.MessageByID(ana.ID, m.ID)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("message restored as %+v, %v; want %+v", got, err, m)
	}
	if att, err := dst.AttachmentByIndex(ana.ID, m.ID, 1); err != nil || !bytes.Equal(att.Data, pdf) {
		t.Errorf("attachment restored: %v", err)
	}
	if body, err := dst.MessageBodyByID(ana.ID, m.ID); err != nil || body.Text != "Pago" {
		t.Errorf("body restored: %+v %v", body, err)
	}
	if items, err := dst.Outbox(); err != nil || len(items) != 1 || items[0].CopyID != m.Copies[0].ID {
		t.Errorf("outbox restored: %+v %v", items, err)
	}
	if st, err := dst.StaffByEmail("ops@hosting.test"); err != nil || st.Name != "Ops" {
		t.Errorf("staff restored: %+v %v", st, err)
	}
	if tok, err := dst.APITokenByHash(secure.TokenHash("token")); err != nil || tok.Name != "facturacion" {
		t.Errorf("API token restored: %+v %v", tok, err)
	}
	if got, err := dst.Secret("csrf"); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("the CSRF secret changed in the restore: %v", err)
	}
}
