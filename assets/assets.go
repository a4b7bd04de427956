// Package assets embeds Zona's static files and serves them under content-hashed URLs, so
// browsers may cache them for a year and still get a new file the moment it changes.
//
// Text files are also served compressed, brotli or gzip as the browser accepts: both forms
// are written at build time by go generate (compress/, into compressed/), so a request
// costs no compression work. Pages link pico.used.css, Pico without the selectors that
// can match nothing Zona renders, also written by go generate (purge/).
//
// Vendored files and their versions: vendor/htmx-2.0.11.min.js (npm htmx.org 2.0.11) and
// vendor/pico-2.1.1.min.css (npm @picocss/pico 2.1.1), each with its licence beside it.
package assets

//go:generate go run ./purge
//go:generate go run ./compress

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

//go:embed *.css *.js *.svg vendor
var files embed.FS

//go:embed compressed
var compressed embed.FS

// Prefix is where assets are served.
const Prefix = "/assets/"

type asset struct {
	body  []byte
	ctype string
	// br and gz are the body compressed, when it is text.
	br, gz []byte
}

var (
	urls   = map[string]string{} // name → hashed URL
	byPath = map[string]asset{}  // hashed URL → file
)

func init() {
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(name, ".LICENSE") {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		url := Prefix + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		urls[name] = url
		a := asset{body: body, ctype: mime.TypeByExtension(ext)}
		a.br, _ = compressed.ReadFile("compressed/" + name + ".br")
		a.gz, _ = compressed.ReadFile("compressed/" + name + ".gz")
		byPath[url] = a
		return nil
	})
	if err != nil {
		panic(err)
	}
}

// URL returns the content-hashed URL of the embedded file name (for example "app.css").
// It panics on an unknown name, which the view tests catch.
func URL(name string) string {
	u, ok := urls[name]
	if !ok {
		panic("assets: no file " + name)
	}
	return u
}

// Handler serves the embedded files at their hashed URLs with a year-long, immutable cache
// lifetime. Any other path under Prefix is a 404.
func Handler(c *fiber.Ctx) error {
	a, ok := byPath[c.Path()]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderContentType, a.ctype)
	body := a.body
	if a.br != nil || a.gz != nil {
		c.Vary(fiber.HeaderAcceptEncoding)
		switch {
		case a.br != nil && accepts(c, "br"):
			c.Set(fiber.HeaderContentEncoding, "br")
			body = a.br
		case a.gz != nil && accepts(c, "gzip"):
			c.Set(fiber.HeaderContentEncoding, "gzip")
			body = a.gz
		}
	}
	return c.Send(body)
}

// accepts reports whether the request's Accept-Encoding names coding with a weight above
// zero.
func accepts(c *fiber.Ctx, coding string) bool {
	for _, part := range strings.Split(c.Get(fiber.HeaderAcceptEncoding), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
