package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	gomail "github.com/wneessen/go-mail"
)

// maxLogoBytes bounds the operator's logo: it travels in every one of Zona's own emails.
const maxLogoBytes = 100 << 10

// LoadLogo reads the operator's logo (--brand-logo) for Zona's own emails and returns it
// as a data: URI, which the archive shows as it is (its frame allows data: images only)
// and Compose turns into an inline part. It must be a PNG or JPEG, judged by its content,
// of at most 100 KB.
func LoadLogo(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxLogoBytes+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxLogoBytes {
		return "", fmt.Errorf("%s: a logo is at most %d KB", name, maxLogoBytes>>10)
	}
	typ := Sniff("", b)
	if typ != TypePNG && typ != TypeJPEG {
		return "", fmt.Errorf("%s: the logo must be a PNG or JPEG image", name)
	}
	return "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(b), nil
}

var dataImage = regexp.MustCompile(`src="data:(image/(?:png|jpeg));base64,([A-Za-z0-9+/=]+)"`)

// embedDataImages moves the data: images of html into inline parts of m, referred to by
// Content-ID: many mail readers (Gmail among them) show no data: image, all show an
// inline part. The same image is embedded once.
func embedDataImages(m *gomail.Msg, html string) (string, error) {
	ids := map[string]string{}
	var err error
	out := dataImage.ReplaceAllStringFunc(html, func(src string) string {
		sub := dataImage.FindStringSubmatch(src)
		id, ok := ids[sub[2]]
		if !ok {
			b, decErr := base64.StdEncoding.DecodeString(sub[2])
			if decErr != nil {
				return src
			}
			id = "image" + strconv.Itoa(len(ids)+1) + ".zona"
			ids[sub[2]] = id
			if e := m.EmbedReader(id, bytes.NewReader(b), gomail.WithFileContentType(gomail.ContentType(sub[1]))); e != nil {
				err = e
			}
		}
		return `src="cid:` + id + `"`
	})
	return out, err
}
