package store

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"zona/locales"
)

// oldMail archives a message as Zona did before schema 2: the body with its one-time link
// in the archive itself (the fixtures are that body, rendered by the mail templates).
func oldMail(t *testing.T, s *Store, c *Client, category, fixture string) *Message {
	t.Helper()
	html, err := os.ReadFile("testdata/" + fixture + ".html")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile("testdata/" + fixture + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	m := &Message{ClientID: c.ID, Category: category, Subject: fixture, From: "avisos@hosting.test",
		Copies: []Copy{{Kind: "owner", PersonID: c.ID, To: c.Email}}}
	if err := s.QueueMessage(m, Content{Body: MessageBody{HTML: string(html), Text: string(text)}}, "hosting.test",
		Event{Kind: KindEmailQueued, Actor: Actor{Kind: ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestUpgradeRedactsArchivedLinks(t *testing.T) {
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := Open(dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	c := mustClient(t, s, "ana@example.mx")
	queued := oldMail(t, s, c, CategoryAccount, "invitation_es")
	sent := oldMail(t, s, c, CategoryAccount, "reset_en")
	if err := s.CopySentAt(sent.Copies[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	// An operator's own message that happens to link to an /invite/ page is not Zona's
	// security mail: it stays as written.
	news := &Message{ClientID: c.ID, Category: CategoryGeneral, Subject: "Novedades", From: "avisos@hosting.test",
		Copies: []Copy{{Kind: "owner", PersonID: c.ID, To: c.Email}}}
	newsBody := MessageBody{HTML: `<p><a href="https://hosting.test/invite/amigos-y-familia-2026">Invite a sus amigos</a></p>`}
	if err := s.QueueMessage(news, Content{Body: newsBody}, "hosting.test", Event{Kind: KindEmailQueued, Actor: Actor{Kind: ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	if err := s.setSchema(1, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.schemaVersion(); v != SchemaVersion {
		t.Fatalf("schema %d after the upgrade", v)
	}
	for _, tc := range []struct {
		m           *Message
		lang, token string
		gone        []string
	}{
		{queued, "es", "OLDinviteTOKEN", []string{"Definir mi contraseña:", "copie esta dirección"}},
		{sent, "en", "OLDresetTOKEN", []string{"Choose a new password:", "copy this address"}},
	} {
		body, err := s.MessageBodyByID(c.ID, tc.m.ID)
		if err != nil {
			t.Fatal(err)
		}
		note := locales.For(tc.lang).T("mail.link_redacted")
		for part, v := range map[string]string{"html": body.HTML, "text": body.Text, "fold": body.Fold} {
			if strings.Contains(strings.ToLower(v), strings.ToLower(tc.token)) {
				t.Errorf("%s %s still has the link:\n%s", tc.m.Subject, part, v)
			}
			for _, g := range tc.gone {
				if strings.Contains(v, g) {
					t.Errorf("%s %s still has %q", tc.m.Subject, part, g)
				}
			}
		}
		if strings.Count(body.HTML, note) != 1 || strings.Count(body.Text, note) != 1 {
			t.Errorf("%s: the note appears %d times in the HTML, %d in the text, want once each:\n%s",
				tc.m.Subject, strings.Count(body.HTML, note), strings.Count(body.Text, note), body.Text)
		}
		if !strings.Contains(body.Text, "-- \n") || !strings.Contains(body.HTML, "Hosting de Prueba") {
			t.Errorf("%s: the rest of the message was lost:\n%s", tc.m.Subject, body.Text)
		}
	}
	if body, _ := s.MessageBodyByID(c.ID, news.ID); body.HTML != newsBody.HTML {
		t.Errorf("a general message was rewritten: %s", body.HTML)
	}
	// The copy still waiting delivers the link it was written with.
	d, err := s.ClaimCopy(queued.Copies[0].ID, time.Now(), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Body.Text, "/invite/OLDinviteTOKEN") || !strings.Contains(d.Body.HTML, "/invite/OLDinviteTOKEN") {
		t.Errorf("the queued copy lost its link:\n%s", d.Body.Text)
	}
	if n, err := s.VerifyActivity(c.ID); err != nil || n == 0 {
		t.Errorf("history after the upgrade: %d entries, %v", n, err)
	}

	// Run again (a process that died before recording schema 2): nothing changes.
	before, _ := s.MessageBodyByID(c.ID, sent.ID)
	if err := redactArchivedLinks(s); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.MessageBodyByID(c.ID, sent.ID); *after != *before {
		t.Errorf("a second run changed the body:\n%s\n---\n%s", before.HTML, after.HTML)
	}
}

func TestRedactManyInBatches(t *testing.T) {
	s, _ := mustOpen(t)
	c := mustClient(t, s, "ana@example.mx")
	html, _ := os.ReadFile("testdata/invitation_es.html")
	text, _ := os.ReadFile("testdata/invitation_es.txt")
	// More security mail than one transaction could rewrite (about 1.2 MB of writes).
	const n = 700
	wb := s.db.NewWriteBatch()
	for range n {
		id := NewID()
		m := Message{ID: id, ClientID: c.ID, Category: CategoryAccount, Subject: "Invitación", At: time.Now().UTC(),
			Copies: []Copy{{ID: id, Kind: "contact", PersonID: "x", To: "luis@example.mx", Status: CopySent}}}
		b := MessageBody{HTML: string(html), Text: string(text)}
		for key, v := range map[string]any{messageKey(c.ID, id): &m, messageBodyKey(c.ID, id): &b} {
			enc, err := encode(v)
			if err != nil {
				t.Fatal(err)
			}
			if err := wb.Set([]byte(key), enc); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := redactArchivedLinks(s); err != nil {
		t.Fatal(err)
	}
	msgs, _, err := s.ListMessages(c.ID, MessageQuery{Limit: n, Text: "oldinvitetoken", Person: "x"})
	if err != nil || len(msgs) != 0 {
		t.Errorf("%d bodies still hold the link (%v)", len(msgs), err)
	}
}
