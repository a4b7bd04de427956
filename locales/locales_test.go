package locales_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"zona/locales"
)

func TestEveryLanguageHasEveryKey(t *testing.T) {
	all := map[string]map[string]bool{}
	for _, l := range locales.Langs {
		keys, err := locales.Keys(l)
		if err != nil {
			t.Fatal(err)
		}
		all[l] = keys
	}
	for _, a := range locales.Langs {
		for _, b := range locales.Langs {
			for k := range all[a] {
				if !all[b][k] {
					t.Errorf("%q is in %s.json but not in %s.json", k, a, b)
				}
			}
		}
	}
}

// keyLiteral matches a message key written as a string literal in Go or templ source.
var keyLiteral = regexp.MustCompile(`"((?:page|form|field|error|menu|layout|activity|actor|device|format|flash|mail)\.[a-z0-9_.]+[a-z0-9_])"`)

func TestEveryKeyUsedExists(t *testing.T) {
	keys, err := locales.Keys(locales.ES)
	if err != nil {
		t.Fatal(err)
	}
	root := ".."
	seen := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "data" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".templ")) || strings.HasSuffix(path, "_templ.go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range keyLiteral.FindAllStringSubmatch(string(b), -1) {
			seen++
			if !keys[m[1]] && !isPrefix(m[1], keys) {
				t.Errorf("%s uses %q, which is in no translation file", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 20 {
		t.Fatalf("only %d keys found in the source: the scan is broken", seen)
	}
}

// isPrefix accepts a literal that is the start of keys built at run time ("error.title.").
func isPrefix(k string, keys map[string]bool) bool {
	for key := range keys {
		if strings.HasPrefix(key, k+".") {
			return true
		}
	}
	return false
}

func TestPluralsRender(t *testing.T) {
	for _, l := range locales.Langs {
		for _, n := range []int{1, 2, 15, 1000000} {
			got := locales.For(l).T("page.login.locked", "Count", n)
			if got == "page.login.locked" || !strings.Contains(got, "15") && n == 15 {
				t.Errorf("%s, %d: %q", l, n, got)
			}
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct{ choice, accept, want string }{
		{"", "", "es"},
		{"", "en-US,en;q=0.9", "en"},
		{"", "es-AR,es;q=0.9", "es"},
		{"", "fr-FR", "es"},
		{"es", "en", "es"},
		{"en", "es-MX", "en"},
		{"xx", "en", "en"},
		{"", "garbage;;;q=x", "es"},
	} {
		for range 2 { // the second answer comes from what Negotiate remembers
			if got := locales.Negotiate(tc.choice, tc.accept); got != tc.want {
				t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.choice, tc.accept, got, tc.want)
			}
		}
	}
}

func TestFieldMessagesMatchTextTemplate(t *testing.T) {
	tr := locales.For(locales.ES)
	if got := tr.T("activity.auth.signin", "Who", "Ana <López>"); got != "Ana <López> inició sesión." {
		t.Fatalf("field message: %q", got)
	}
	if got := tr.T("device.on", "Browser", "Chrome", "OS", "Linux"); got != "Chrome en Linux" {
		t.Fatalf("two fields: %q", got)
	}
	if got := tr.T("device.on", "Browser", "Chrome"); got != "Chrome en " {
		t.Fatalf("a missing field renders empty: %q", got)
	}
}
