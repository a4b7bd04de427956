package handlers_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"zona/store"
)

// upload is a file chosen in a form.
type upload struct {
	name string
	data []byte
}

// postMultipart posts fields and files as a browser's file form does, with the agent's
// CSRF token.
func (a *agent) postMultipart(path string, fields map[string]string, files ...upload) *response {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("_csrf", a.csrf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, f := range files {
		part, _ := w.CreateFormFile("attachments", f.name)
		part.Write(f.data)
	}
	w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return a.do(req)
}

// Staff attach a CFDI's PDF and XML in the console: the preview lists them, the send
// (without choosing them again) archives them with the message; a file that is not what
// its name says is refused beside the field, with what was typed kept.
func TestConsoleComposeWithAttachments(t *testing.T) {
	e := newEnv(t)
	a, _ := mustStaffAgent(t, e)
	path := "/admin/clients/" + e.client.ID + "/messages/new"
	a.get(path)
	fields := map[string]string{"category": "notes", "subject": "Factura 1001", "format": "markdown", "body": "Su **factura**", "step": "preview"}
	pdf := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
	xml := []byte(`<?xml version="1.0" encoding="UTF-8"?><cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Total="1160.00"/>`)

	bad := a.postMultipart(path, fields, upload{"factura.pdf", []byte("<html><script>x</script></html>")})
	if got := bad.text(`[data-testid="attachments-error"]`); !strings.Contains(got, "factura.pdf") {
		t.Fatalf("a page named .pdf: error %q", got)
	}
	if v, _ := bad.doc.Find(`input[name="subject"]`).Attr("value"); v != "Factura 1001" {
		t.Fatalf("subject lost: %q", v)
	}

	r := a.postMultipart(path, fields, upload{"factura.pdf", pdf}, upload{"factura.xml", xml})
	if got := r.text(`[data-testid="admin-compose-files"]`); !strings.Contains(got, "factura.pdf") || !strings.Contains(got, "factura.xml") {
		t.Fatalf("preview lists %q", got)
	}
	draft, _ := r.doc.Find(`input[name="draft"]`).Attr("value")
	if draft == "" {
		t.Fatal("no draft token in the preview")
	}
	fields["step"], fields["draft"] = "send", draft
	if r := a.postMultipart(path, fields); r.StatusCode >= 400 || r.doc != nil && r.doc.Find(`[data-testid="attachments-error"]`).Length() > 0 {
		t.Fatalf("send: %d %.300s", r.StatusCode, r.body)
	}
	msgs, _, err := e.st.ListMessages(e.client.ID, store.MessageQuery{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || len(msgs[0].Attachments) != 2 {
		t.Fatalf("archived: %+v", msgs)
	}
	for n, want := range map[int][]byte{1: pdf, 2: xml} {
		got, err := e.st.AttachmentByIndex(e.client.ID, msgs[0].ID, n)
		if err != nil || !bytes.Equal(got.Data, want) {
			t.Fatalf("attachment %d: %v", n, err)
		}
	}
}
