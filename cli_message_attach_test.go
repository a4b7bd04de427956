package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zona/store"
)

// zona message send --attach (repeatable) archives and queues the files with the message,
// and refuses a file whose content is not what its name says.
func TestMessageSendAttach(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	if out, err := runCLI(t, "Clave-Segura-2026!\n", "client", "create", "--data", data, "--email", "ana@cliente.mx",
		"--name", "Ana López", "--password-stdin"); err != nil {
		t.Fatalf("client create: %v\n%s", err, out)
	}
	pdf, err := os.ReadFile("mail/testdata/factura.pdf")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"nota.html": []byte("<p>Su CFDI</p>"), "A1024.pdf": pdf, "A1024.xml": []byte("<cfdi/>"), "falso.xml": pdf}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	send := func(attach ...string) (string, error) {
		args := []string{"message", "send", "--data", data, "--client", "ana@cliente.mx", "--category", "notes",
			"--subject", "Nota de pago", "--html-file", filepath.Join(dir, "nota.html")}
		for _, a := range attach {
			args = append(args, "--attach", filepath.Join(dir, a))
		}
		return runCLI(t, "", args...)
	}
	if out, err := send("falso.xml"); err == nil || !strings.Contains(out+err.Error(), "falso.xml") {
		t.Fatalf("a PDF named .xml was sent: %v %s", err, out)
	}
	if out, err := send("A1024.pdf", "A1024.xml"); err != nil {
		t.Fatalf("send: %v\n%s", err, out)
	}
	st, err := store.Open(data, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, _ := st.ClientByEmail("ana@cliente.mx")
	msgs, _, _ := st.ListMessages(c.ID, store.MessageQuery{})
	if len(msgs) != 1 || len(msgs[0].Attachments) != 2 || msgs[0].Attachments[0].Name != "A1024.pdf" {
		t.Fatalf("archived %+v", msgs)
	}
	a, err := st.AttachmentByIndex(c.ID, msgs[0].ID, 1)
	if err != nil || !bytes.Equal(a.Data, pdf) {
		t.Fatalf("archived PDF differs: %v", err)
	}
}
