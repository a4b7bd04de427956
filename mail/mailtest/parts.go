package mailtest

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
)

// Part returns the decoded body of the first MIME part of r with media type mediaType
// ("text/plain", "text/html"), or "" when there is none.
func (r Received) Part(mediaType string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		return ""
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	if mt == mediaType {
		b, _ := io.ReadAll(msg.Body)
		return string(b)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return ""
		}
		if ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct == mediaType {
			b, _ := io.ReadAll(p) // multipart decodes quoted-printable itself
			return string(b)
		}
	}
}

var linkPattern = regexp.MustCompile(`https?://[^\s"<>]+`)

// Links returns the URLs in r's plain-text part.
func (r Received) Links() []string { return linkPattern.FindAllString(r.Part("text/plain"), -1) }
