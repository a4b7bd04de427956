package mail

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"zona/mail/mailtest"
	"zona/store"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A CFDI's PDF and XML travel as multipart/mixed over a real SMTP server and arrive
// byte-identical; the archive lists them and keeps their bytes.
func TestAttachmentsDeliveredAndArchived(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	st := openStore(t, t.TempDir())
	defer st.Close()
	c := newClient(t, st, "ana@cliente.mx")
	cfg := configFor(srv, TLSNone)
	w := NewWorker(st, cfg, nil, quiet)
	pdf, xml := readTestdata(t, "factura.pdf"), readTestdata(t, "factura.xml")
	msg, err := NewMailer(st, cfg, w, quiet).Send(Outgoing{ClientID: c.ID, Category: store.CategoryNotes,
		Subject: "Nota de pago 1024", HTML: "<p>Adjuntamos su CFDI.</p>", Attachments: []File{
			{Name: "CFDI-A1024.pdf", Data: pdf}, {Name: "CFDI-A1024.xml", ContentType: "text/xml", Data: xml},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("got %d messages", len(got))
	}
	if ct := got[0].Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/mixed") {
		t.Fatalf("Content-Type %q, want multipart/mixed", ct)
	}
	if !strings.Contains(got[0].Part("text/plain"), "Adjuntamos su CFDI") {
		t.Error("the text part is missing")
	}
	files := got[0].Attachments()
	want := []mailtest.Attachment{{Name: "CFDI-A1024.pdf", Type: TypePDF, Data: pdf}, {Name: "CFDI-A1024.xml", Type: TypeXML, Data: xml}}
	if len(files) != len(want) {
		t.Fatalf("%d attachments arrived, want 2", len(files))
	}
	for i, f := range files {
		if f.Name != want[i].Name || f.Type != want[i].Type || !bytes.Equal(f.Data, want[i].Data) {
			t.Errorf("attachment %d: %q %q %d bytes, want %q %q %d bytes", i, f.Name, f.Type, len(f.Data),
				want[i].Name, want[i].Type, len(want[i].Data))
		}
	}
	stored, err := st.MessageByID(c.ID, msg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Attachments) != 2 || stored.Attachments[1].Size != int64(len(xml)) {
		t.Fatalf("archived listing %+v", stored.Attachments)
	}
	a, err := st.AttachmentByIndex(c.ID, msg.ID, 1)
	if err != nil || !bytes.Equal(a.Data, pdf) {
		t.Fatalf("archived PDF: %v", err)
	}
	if _, err := st.AttachmentByIndex(c.ID, msg.ID, 3); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("attachment 3: %v, want not found", err)
	}
	// The archive's search finds the message by a word of an attachment's name.
	found, _, err := st.ListMessages(c.ID, store.MessageQuery{Text: "a1024.xml"})
	if err != nil || len(found) != 1 {
		t.Fatalf("search by attachment name: %d found, %v", len(found), err)
	}
}

func TestCheckFiles(t *testing.T) {
	pdf, xml := readTestdata(t, "factura.pdf"), readTestdata(t, "factura.xml")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	zip := []byte("PK\x03\x04\x14\x00\x00\x00")
	big := bytes.Repeat([]byte("a"), store.MaxAttachmentBytes/2+1)
	cases := []struct {
		name  string
		files []File
		code  string // "" when accepted
		types []string
	}{
		{"cfdi pair", []File{{Name: "a.pdf", Data: pdf}, {Name: "a.xml", Data: xml}}, "", []string{TypePDF, TypeXML}},
		{"xml without a declaration", []File{{Name: "b.xml", Data: []byte("<a><b/></a>")}}, "", []string{TypeXML}},
		{"image, text, zip", []File{{Name: "logo.png", Data: png}, {Name: "léame.txt", Data: []byte("Hola, ñandú\n")}, {Name: "x.zip", Data: zip}},
			"", []string{TypePNG, TypeText, TypeZIP}},
		{"a path is cut to its name", []File{{Name: `C:\Users\ana\factura.pdf`, Data: pdf}}, "", []string{TypePDF}},
		{"pdf named xml", []File{{Name: "a.xml", Data: pdf}}, "type", nil},
		{"zip named pdf", []File{{Name: "a.pdf", Data: zip}}, "type", nil},
		{"broken xml", []File{{Name: "a.xml", Data: []byte("<?xml version=\"1.0\"?><a><b></a>")}}, "type", nil},
		{"html", []File{{Name: "a.txt", Data: []byte("<html><script>alert(1)</script></html>")}}, "type", nil},
		{"latin-1 text", []File{{Name: "a.txt", Data: []byte("caf\xe9")}}, "type", nil},
		{"executable", []File{{Name: "a.pdf", Data: []byte("MZ\x90\x00\x03\x00\x00\x00")}}, "type", nil},
		{"claimed type disagrees", []File{{Name: "a", ContentType: "image/png", Data: pdf}}, "type", nil},
		{"no name", []File{{Name: " / ", Data: pdf}}, "name", nil},
		{"eleven files", make([]File, 11), "count", nil},
		{"over 10 MiB in all", []File{{Name: "a.txt", Data: big}, {Name: "b.txt", Data: big}}, "size", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckFiles(tc.files)
			var ae *AttachmentError
			if tc.code != "" {
				if !errors.As(err, &ae) || ae.Code != tc.code {
					t.Fatalf("err %v, want code %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range got {
				if a.Type != tc.types[i] || strings.ContainsAny(a.Name, `/\`) {
					t.Errorf("file %d: %q %q", i, a.Name, a.Type)
				}
			}
		})
	}
}
