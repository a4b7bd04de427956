// Command compress writes the brotli (.br) and gzip (.gz) forms of Zona's text assets into
// assets/compressed, at build time (go generate ./assets), so that serving them costs no
// compression work. The test command checks that the files committed are what it writes.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/andybalholm/brotli"
)

// compressible are the extensions worth compressing: text. Images of other kinds are
// compressed already.
var compressible = map[string]bool{".css": true, ".js": true, ".svg": true}

func main() {
	if err := run(".", "compressed"); err != nil {
		fmt.Fprintln(os.Stderr, "compress:", err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name == out || name == "compress" {
				return filepath.SkipDir
			}
			return nil
		}
		if !compressible[filepath.Ext(name)] || strings.HasSuffix(name, ".LICENSE") {
			return nil
		}
		body, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		dst := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		var br, gz bytes.Buffer
		bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
		bw.Write(body)
		if err := bw.Close(); err != nil {
			return err
		}
		// No name and no time in the gzip header: the same input writes the same bytes.
		gw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		gw.Write(body)
		if err := gw.Close(); err != nil {
			return err
		}
		if err := os.WriteFile(dst+".br", br.Bytes(), 0o644); err != nil {
			return err
		}
		return os.WriteFile(dst+".gz", gz.Bytes(), 0o644)
	})
}
