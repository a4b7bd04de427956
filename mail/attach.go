package mail

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"zona/store"
)

// File is an attachment as a sender hands it in: a name, optionally the media type it
// claims, and the content.
type File struct {
	Name string
	// ContentType, when set, is the type the sender claims; it must agree with the content.
	ContentType string
	Data        []byte
}

// The media types a message may carry (DESIGN "Emails"): a CFDI's PDF and XML, images,
// plain text and ZIP archives.
const (
	TypePDF  = "application/pdf"
	TypeXML  = "application/xml"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeText = "text/plain"
	TypeZIP  = "application/zip"
)

// extensions maps a file name's extension to the type its content must have, so that a
// "factura.pdf" that is really a ZIP is refused rather than archived under a false name.
var extensions = map[string]string{
	".pdf": TypePDF, ".xml": TypeXML, ".png": TypePNG, ".jpg": TypeJPEG, ".jpeg": TypeJPEG,
	".txt": TypeText, ".csv": TypeText, ".zip": TypeZIP,
}

// AttachmentError says why a file cannot be attached. Code is one of "count", "size",
// "type", "name"; Index is the file's position (0-based), -1 for the whole set.
type AttachmentError struct {
	Index int
	Name  string
	Code  string
}

func (e *AttachmentError) Error() string {
	switch e.Code {
	case "count":
		return fmt.Sprintf("at most %d attachments", store.MaxAttachments)
	case "size":
		return fmt.Sprintf("attachments total more than %d MiB", store.MaxAttachmentBytes>>20)
	case "name":
		return fmt.Sprintf("attachment %d has no usable name", e.Index+1)
	}
	return fmt.Sprintf("%s: not a PDF, XML, PNG, JPEG, plain text (UTF-8) or ZIP file, or not what its name or type says", e.Name)
}

// CheckFiles checks files against the limits and types of DESIGN "Emails" by their
// content, and returns them ready to archive with the type found. The first problem is
// an *AttachmentError.
func CheckFiles(files []File) ([]store.AttachmentData, error) {
	if len(files) > store.MaxAttachments {
		return nil, &AttachmentError{Index: -1, Code: "count"}
	}
	total := 0
	out := make([]store.AttachmentData, 0, len(files))
	for i, f := range files {
		total += len(f.Data)
		if total > store.MaxAttachmentBytes {
			return nil, &AttachmentError{Index: -1, Code: "size"}
		}
		name := cleanName(f.Name)
		if name == "" {
			return nil, &AttachmentError{Index: i, Code: "name"}
		}
		typ := Sniff(name, f.Data)
		claimed, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(f.ContentType)), ";")
		if claimed == "text/xml" {
			claimed = TypeXML
		}
		if typ == "" || (claimed != "" && strings.TrimSpace(claimed) != typ) {
			return nil, &AttachmentError{Index: i, Name: name, Code: "type"}
		}
		out = append(out, store.AttachmentData{Attachment: store.Attachment{Name: name, Type: typ, Size: int64(len(f.Data))}, Data: f.Data})
	}
	return out, nil
}

// Sniff is the media type of data judged by its content, or "" when it is none of the
// types allowed or disagrees with the extension of name. XML must parse as XML and text
// must be UTF-8 without control characters other than tab and line breaks.
func Sniff(name string, data []byte) string {
	want, known := extensions[strings.ToLower(path.Ext(name))]
	typ := ""
	switch sniffed, _, _ := strings.Cut(http.DetectContentType(data), ";"); sniffed {
	case TypePDF, TypePNG, TypeJPEG, TypeZIP:
		typ = sniffed
	case "text/xml":
		typ = TypeXML
	case "text/plain", "text/html":
		// XML without a declaration sniffs as text, or as HTML when its root is <a> or
		// <p>: a file named .xml is judged by parsing it. Other HTML is refused.
		switch {
		case want == TypeXML:
			typ = TypeXML
		case sniffed == "text/plain":
			typ = TypeText
		}
	}
	switch {
	case typ == "", known && want != typ:
		return ""
	case typ == TypeXML && !wellFormedXML(data):
		return ""
	case typ == TypeText && !plainText(data):
		return ""
	}
	return typ
}

func wellFormedXML(data []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(data))
	root := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return root
		}
		if err != nil {
			return false
		}
		if _, ok := tok.(xml.StartElement); ok {
			root = true
		}
	}
}

func plainText(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, r := range string(data) {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' && r != '\f' {
			return false
		}
	}
	return true
}

// cleanName keeps the last element of a path (a browser or a script may send a full
// one), without control or bidirectional-override characters, at most 200 bytes.
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "." || name == ".." {
		return ""
	}
	return name
}
