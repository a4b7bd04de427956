package assets

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"
)

// Every text asset is served brotli- or gzip-compressed as the browser accepts, and each
// form decodes to the very file; a browser that accepts neither (or refuses one with q=0)
// gets the file as it is.
func TestCompressedAssets(t *testing.T) {
	app := fiber.New()
	app.Get(Prefix+"*", Handler)
	for _, name := range []string{"app.css", "app.js", "passkey.js", "favicon.svg", "vendor/pico-2.1.1.min.css", "vendor/htmx-2.0.11.min.js"} {
		want, err := files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ accept, encoding string }{
			{"gzip, deflate, br, zstd", "br"},
			{"gzip", "gzip"},
			{"br;q=0, gzip;q=0.8", "gzip"},
			{"", ""},
			{"identity", ""},
		} {
			req := httptest.NewRequest(fiber.MethodGet, URL(name), nil)
			if tc.accept != "" {
				req.Header.Set(fiber.HeaderAcceptEncoding, tc.accept)
			}
			res, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			if got := res.Header.Get(fiber.HeaderContentEncoding); got != tc.encoding {
				t.Errorf("%s with %q: Content-Encoding %q, want %q", name, tc.accept, got, tc.encoding)
				continue
			}
			if !strings.Contains(res.Header.Get(fiber.HeaderVary), fiber.HeaderAcceptEncoding) {
				t.Errorf("%s: no Vary: Accept-Encoding", name)
			}
			var r io.Reader = bytes.NewReader(body)
			switch tc.encoding {
			case "br":
				r = brotli.NewReader(r)
			case "gzip":
				if r, err = gzip.NewReader(r); err != nil {
					t.Fatal(err)
				}
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s with %q: decodes to %d bytes (%v), want the %d of the file", name, tc.accept, len(got), err, len(want))
			}
			if tc.encoding != "" && len(body) >= len(want) {
				t.Errorf("%s %s: %d bytes, no smaller than the file's %d", name, tc.encoding, len(body), len(want))
			}
		}
	}
}
