package handlers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"zona/mail"
	"zona/mail/mailtest"
	"zona/store"
	"zona/store/storetest"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../mail/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A notes message with a CFDI's PDF and XML goes out over a real SMTP server as
// multipart/mixed with both files byte-identical; the customer downloads both from the
// archive as attachments with safe headers; another client cannot.
func TestAttachmentsSentAndDownloaded(t *testing.T) {
	e := newEnv(t)
	srv := mailtest.Start(t, mailtest.Options{})
	cfg := mail.Config{Host: srv.Host, Port: srv.Port, TLS: mail.TLSNone, From: "Hosting <avisos@hosting.test>", Timeout: 5 * time.Second}
	w := mail.NewWorker(e.st, cfg, nil, quietLog)
	pdf, xml := testdata(t, "factura.pdf"), testdata(t, "factura.xml")
	files := []mail.File{{Name: "Factura julio ñ.pdf", Data: pdf}, {Name: "CFDI \"A1024\".xml", Data: xml}}
	msg, err := mail.NewMailer(e.st, cfg, w, quietLog).Send(mail.Outgoing{ClientID: e.client.ID, Category: store.CategoryNotes,
		Subject: "Nota de pago", HTML: "<p>Su CFDI.</p>", Attachments: files})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(1, 5*time.Second)
	if len(got) != 1 || !strings.HasPrefix(got[0].Header.Get("Content-Type"), "multipart/mixed") {
		t.Fatalf("received %d messages, Content-Type %q", len(got), got[0].Header.Get("Content-Type"))
	}
	arrived := got[0].Attachments()
	if len(arrived) != 2 || !bytes.Equal(arrived[0].Data, pdf) || !bytes.Equal(arrived[1].Data, xml) {
		t.Fatalf("attachments arrived changed: %d", len(arrived))
	}

	a := e.agent()
	a.mustSignIn()
	page := a.get("/emails/" + msg.ID)
	items := page.doc.Find(`[data-testid="email-attachment"]`)
	if items.Length() != 2 || !strings.Contains(items.First().Text(), "Factura julio ñ.pdf") || !strings.Contains(items.First().Text(), "PDF") {
		t.Fatalf("attachments listed: %q", items.Text())
	}
	wantDisposition := []string{
		`attachment; filename="Factura julio _.pdf"; filename*=UTF-8''Factura%20julio%20%C3%B1.pdf`,
		`attachment; filename="CFDI _A1024_.xml"; filename*=UTF-8''CFDI%20%22A1024%22.xml`,
	}
	for i, want := range [][]byte{pdf, xml} {
		href, _ := items.Eq(i).Find("a").Attr("href")
		r := a.get(href)
		if r.StatusCode != http.StatusOK || r.body != string(want) {
			t.Fatalf("GET %s: %d, %d bytes", href, r.StatusCode, len(r.body))
		}
		for h, v := range map[string]string{
			"Content-Disposition": wantDisposition[i], "X-Content-Type-Options": "nosniff",
			"Content-Security-Policy": "sandbox; default-src 'none'", "Content-Type": []string{mail.TypePDF, mail.TypeXML}[i],
		} {
			if got := r.Header.Get(h); got != v {
				t.Errorf("%s %s: %q, want %q", href, h, got, v)
			}
		}
	}
	for _, path := range []string{"/emails/" + msg.ID + "/attachments/0", "/emails/" + msg.ID + "/attachments/3", "/emails/" + msg.ID + "/attachments/x"} {
		if r := a.get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.StatusCode)
		}
	}

	storetest.MustCreateClient(t, e.st, "otra@example.mx", "Otra", "Cuenta", testPassword)
	b := e.agent()
	if r := b.signIn("otra@example.mx", testPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("other client sign-in: %d", r.StatusCode)
	}
	if r := b.get("/emails/" + msg.ID + "/attachments/1"); r.StatusCode != http.StatusNotFound || strings.Contains(r.body, "%PDF") {
		t.Fatalf("another client got the attachment: %d", r.StatusCode)
	}
}

// An attachment of a contact's security mail is as private as the mail: the owner gets 404.
func TestAttachmentOfAnotherPersonsAccountMail(t *testing.T) {
	e := newEnv(t)
	ct, _ := mustContact(t, e.st, e.client.ID, contactSpec{first: "Luis", email: "luis@example.mx"})
	who := mail.Recipient{Kind: mail.KindContact, ID: ct.ID, Email: ct.Email}
	msg, err := mail.NewMailer(e.st, mail.Config{}, nil, quietLog).Send(mail.Outgoing{ClientID: e.client.ID,
		Category: store.CategoryAccount, Subject: "Sus datos", HTML: "<p>Adjunto</p>", Concerns: &who,
		Attachments: []mail.File{{Name: "datos.txt", Data: []byte("privado")}}})
	if err != nil {
		t.Fatal(err)
	}
	a := e.agent()
	a.mustSignIn()
	if r := a.get("/emails/" + msg.ID + "/attachments/1"); r.StatusCode != http.StatusNotFound || strings.Contains(r.body, "privado") {
		t.Fatalf("owner opened a contact's account attachment: %d", r.StatusCode)
	}
}

// The API takes attachments as base64 and refuses a file whose content is not what it says.
func TestAPIMessageAttachments(t *testing.T) {
	e := newEnv(t)
	token := mustAPIToken(t, e, "billing")
	path := "/api/v1/clients/" + e.client.ID + "/messages"
	ok := `{"category":"notes","subject":"CFDI","html":"<p>CFDI</p>","attachments":[` +
		`{"name":"a.xml","content_type":"application/xml","content_base64":"PGE+PGIvPjwvYT4="}]}`
	if r := apiCall(e, token, http.MethodPost, path, ok); r.StatusCode != http.StatusCreated {
		t.Fatalf("with an XML: %d %s", r.StatusCode, r.body)
	}
	msgs, _, _ := e.st.ListMessages(e.client.ID, store.MessageQuery{})
	if len(msgs) != 1 || len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].Type != mail.TypeXML {
		t.Fatalf("archived %+v", msgs)
	}
	for name, body := range map[string]string{
		"a PDF named .xml": `{"category":"notes","subject":"x","html":"<p>x</p>","attachments":[{"name":"a.xml","content_base64":"JVBERi0xLjQK"}]}`,
		"bad base64":       `{"category":"notes","subject":"x","html":"<p>x</p>","attachments":[{"name":"a.txt","content_base64":"%%%"}]}`,
	} {
		r := apiCall(e, token, http.MethodPost, path, body)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "attachments[0]") {
			t.Errorf("%s: %d %s", name, r.StatusCode, r.body)
		}
	}
}
