package mailtest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strings"
)

// Part returns the decoded body of the first MIME part of r with media type mediaType
// ("text/plain", "text/html"), looking into nested multiparts, or "" when there is none.
func (r Received) Part(mediaType string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		return ""
	}
	return findPart(msg.Header.Get("Content-Type"), msg.Body, mediaType)
}

func findPart(contentType string, body io.Reader, mediaType string) string {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	if mt == mediaType {
		b, _ := io.ReadAll(body)
		return string(b)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return ""
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return ""
		}
		if d, _, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition")); d == "attachment" {
			continue
		}
		if s := findPart(p.Header.Get("Content-Type"), p, mediaType); s != "" {
			return s // multipart decodes quoted-printable itself
		}
	}
}

var linkPattern = regexp.MustCompile(`https?://[^\s"<>]+`)

// Links returns the URLs in r's plain-text part.
func (r Received) Links() []string { return linkPattern.FindAllString(r.Part("text/plain"), -1) }

// Attachment is a file part of a received message.
type Attachment struct {
	Name, Type string
	Data       []byte
}

// Attachments returns the parts of r sent as attachments (Content-Disposition
// attachment), decoded, looking into nested multiparts.
func (r Received) Attachments() []Attachment {
	msg, err := mail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		return nil
	}
	return attachments(msg.Header.Get("Content-Type"), msg.Body)
}

func attachments(contentType string, body io.Reader) []Attachment {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return nil
	}
	var out []Attachment
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return out
		}
		ct := p.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "multipart/") {
			out = append(out, attachments(ct, p)...)
			continue
		}
		disp, dparams, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if disp != "attachment" {
			continue
		}
		var src io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			src = base64.NewDecoder(base64.StdEncoding, p)
		}
		b, _ := io.ReadAll(src)
		t, _, _ := mime.ParseMediaType(ct)
		out = append(out, Attachment{Name: dparams["filename"], Type: t, Data: b})
	}
}
