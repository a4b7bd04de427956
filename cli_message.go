package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"zona/mail"
	"zona/store"
)

// maxMessageFile bounds the HTML and text files of "zona message send".
const maxMessageFile = 2 << 20

// messageSend queues a message to a client's account through the same path as every email
// Zona sends: routed by category, archived, queued, recorded in the history. The server's
// worker delivers it when it runs.
func messageSend(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	const use = "usage: zona message send --client EMAIL --category C --subject S --html-file F [--text-file F] [--attach FILE]... [--data DIR]"
	fs := flag.NewFlagSet("message send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	email := fs.String("client", "", "the client's sign-in email")
	category := fs.String("category", "", "one of "+strings.Join(store.Categories, ", "))
	subject := fs.String("subject", "", "the subject")
	htmlFile := fs.String("html-file", "", "file with the HTML part")
	textFile := fs.String("text-file", "", "file with the text part (default: derived from the HTML)")
	from := fs.String("from", env("SMTP_FROM", ""), "sender shown in the archive (env ZONA_SMTP_FROM)")
	var files []mail.File
	fs.Func("attach", "a file to attach (repeatable): PDF, XML, PNG, JPEG, text or ZIP, 10 MiB in all", func(name string) error {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, store.MaxAttachmentBytes+1)) // CheckFiles refuses more
		files = append(files, mail.File{Name: filepath.Base(name), Data: b})
		return err
	})
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	switch {
	case !slices.Equal(pos, []string{"send"}):
		return errors.New(use)
	case *email == "":
		return errors.New("--client is required\n" + use)
	case !store.ValidCategory(*category):
		return fmt.Errorf("--category must be one of %s", strings.Join(store.Categories, ", "))
	case strings.TrimSpace(*subject) == "":
		return errors.New("--subject is required")
	case *htmlFile == "":
		return errors.New("--html-file is required")
	}
	html, err := readMessageFile(*htmlFile)
	if err != nil {
		return err
	}
	text := ""
	if *textFile != "" {
		if text, err = readMessageFile(*textFile); err != nil {
			return err
		}
	}
	// The base URL names the preferences links of marketing mail.
	cfg := mail.Config{From: *from, BaseURL: env("BASE_URL", "")}
	if err := cfg.Validate(); err != nil {
		return err
	}
	req := messageReq{Client: *email, Category: *category, Subject: *subject, HTML: html, Text: text,
		Files: files, From: cfg.From, BaseURL: cfg.BaseURL}
	return opMessageSend.do(ctx, *data, req, stdout, stderr)
}

// messageReq carries the message's parts and attachments, read from files by the CLI: the
// server may not be allowed to read the operator's files.
type messageReq struct {
	Client, Category, Subject, HTML, Text string
	Files                                 []mail.File
	From, BaseURL                         string
}

var opMessageSend = operation[messageReq]{"message-send", func(_ context.Context, st store.Records, r messageReq, stdout, stderr io.Writer) error {
	c, err := st.ClientByEmail(r.Client)
	if err != nil {
		return fmt.Errorf("client %s: %w", r.Client, err)
	}
	out := mail.Outgoing{Category: r.Category, Subject: r.Subject, HTML: r.HTML, Text: r.Text, Attachments: r.Files}
	msg, err := sendMessage(st, c, out, mail.Config{From: r.From, BaseURL: r.BaseURL}, stderr)
	if errors.Is(err, store.ErrNoRecipients) {
		return fmt.Errorf("nobody on %s's account receives %s email (marketing needs an opt-in)", r.Client, r.Category)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Message %s queued for %d recipient(s); the server delivers it.\n", msg.ID, len(msg.Copies))
	return nil
}}

// sendMessage queues out to client c's account as the CLI does (the demo too): routed,
// archived, queued for the server's worker, recorded as done by the CLI.
func sendMessage(st store.Records, c *store.Client, out mail.Outgoing, cfg mail.Config, stderr io.Writer) (*store.Message, error) {
	out.ClientID, out.Event = c.ID, cliEvent(store.KindEmailQueued)
	if out.Category == store.CategoryAccount {
		owner := mail.Owner(c)
		out.Concerns = &owner
	}
	return mail.NewMailer(st, cfg, nil, newLogger(stderr, "warn")).Send(out)
}

func readMessageFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxMessageFile+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxMessageFile {
		return "", fmt.Errorf("%s is larger than %d bytes", name, maxMessageFile)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%s is not UTF-8 text", name)
	}
	return string(b), nil
}
