package mail

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zona/mail/mailtest"
	"zona/store"
)

// The operator's logo is archived as a data: image and sent as an inline part that the
// HTML refers to by Content-ID, which mail readers without data: images still show.
func TestBrandLogo(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 1, 2, 3}, 64)...)
	file := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(file, png, 0o600); err != nil {
		t.Fatal(err)
	}
	logo, err := LoadLogo(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("%PDF-1.4"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLogo(file); err == nil {
		t.Fatal("a PDF was taken as a logo")
	}
	r, err := Render(TplPasswordChanged, "es", "RaXa", time.UTC, TemplateData{Name: "Ana", Logo: logo, When: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.HTML, `src="`+logo+`"`) {
		t.Fatal("the archived HTML has no logo")
	}
	msg, err := Compose("avisos@hosting.test", &store.Delivery{
		Message: store.Message{Subject: "Aviso", At: time.Now()}, Body: store.MessageBody{HTML: r.HTML, Text: r.Text},
		Copy: store.Copy{To: "ana@cliente.mx", MessageID: "x@hosting.test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		t.Fatal(err)
	}
	got := mailtest.Received{Raw: raw.Bytes()}
	html := got.Part("text/html")
	if strings.Contains(html, "data:image") || !strings.Contains(html, `src="cid:image1.zona"`) {
		t.Fatalf("the sent HTML does not refer to an inline logo: %.300s", html)
	}
	if !strings.Contains(raw.String(), "Content-Id: <image1.zona>") && !strings.Contains(raw.String(), "Content-ID: <image1.zona>") {
		t.Fatal("no inline part with the logo's Content-ID")
	}
	if !strings.Contains(strings.ReplaceAll(raw.String(), "\r\n", ""), base64.StdEncoding.EncodeToString(png)[:40]) {
		t.Fatal("the logo's bytes are not in the message")
	}
}
