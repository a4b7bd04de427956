// Command purge writes pico.used.css: Pico's stylesheet (vendor/pico-2.1.1.min.css) without
// the selectors that can match nothing Zona renders, at build time (go generate ./assets,
// before compress). The test command checks that the file committed is what it writes.
//
// A selector is dropped when, outside any parentheses, it names a class, an attribute or
// an HTML element that appears nowhere in Zona's markup and code: the templ views, the Go
// of the views and handlers (which build class names and attributes), and the scripts.
// Inside :where(), :is() and :not() nothing is judged (a :not() of something absent still
// matches), so a doubt keeps the rule. A rule loses the selectors that cannot match and
// goes when none is left; an @media or @supports block goes when it is left empty.
//
// The parser reads a minified stylesheet: rules and at-rules as "prelude{body}", with
// quoted strings (data: URLs) skipped whole. Comments are not expected (Pico's min file
// has only its licence banner, which is kept).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

const (
	source = "vendor/pico-2.1.1.min.css"
	target = "pico.used.css"
)

// content is where what Zona renders is written, relative to the assets directory.
var content = []string{"../views/*.templ", "../views/*.go", "../handlers/*.go", "*.js"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "purge:", err)
		os.Exit(1)
	}
}

func run() error {
	css, err := os.ReadFile(source)
	if err != nil {
		return err
	}
	var seen strings.Builder
	for _, pattern := range content {
		names, err := filepath.Glob(pattern)
		if err != nil {
			return err
		}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, "_templ.go") {
				continue
			}
			b, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			seen.Write(b)
			seen.WriteByte('\n')
		}
	}
	u := newUsage(seen.String())
	out, err := u.purge(string(css))
	if err != nil {
		return err
	}
	return os.WriteFile(target, []byte(out+"\n"), 0o644)
}

// usage is what Zona's markup and code name: every identifier-like word, and the elements
// opened in markup.
type usage struct {
	words, tags map[string]bool
}

var (
	wordRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9_-]*`)
	tagRE  = regexp.MustCompile(`<([a-z][a-z0-9]*)`)
	// In a selector outside parentheses: .class, [attribute, and a type selector at the
	// start or after a combinator.
	classRE = regexp.MustCompile(`\.([A-Za-z][\w-]*)`)
	attrRE  = regexp.MustCompile(`\[([A-Za-z][\w-]*)`)
	typeRE  = regexp.MustCompile(`(?:^|[\s>+~])([a-z][a-z0-9]*)`)
)

// htmlElements are the element names a type selector is judged on; anything else (a
// keyword, a custom element) is kept.
var htmlElements = strings.Fields(`a abbr address article aside audio b blockquote button canvas caption
	code dd del details dfn dialog div dl dt em fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6
	header hgroup hr i iframe img input ins kbd label legend li main mark menu meter nav ol optgroup option
	output p picture pre progress q s samp section select small span strong sub summary sup svg table tbody
	td template textarea tfoot th thead time tr u ul video`)

func newUsage(text string) *usage {
	u := &usage{words: map[string]bool{}, tags: map[string]bool{"html": true, "body": true}}
	for _, w := range wordRE.FindAllString(text, -1) {
		u.words[w] = true
	}
	for _, m := range tagRE.FindAllStringSubmatch(text, -1) {
		u.tags[m[1]] = true
	}
	return u
}

// matches reports whether one selector (no top-level comma) may match something Zona
// renders.
func (u *usage) matches(selector string) bool {
	s := outsideParens(selector)
	for _, m := range classRE.FindAllStringSubmatch(s, -1) {
		if !u.words[m[1]] {
			return false
		}
	}
	for _, m := range attrRE.FindAllStringSubmatch(s, -1) {
		if !u.words[m[1]] {
			return false
		}
	}
	for _, m := range typeRE.FindAllStringSubmatch(s, -1) {
		if isElement(m[1]) && !u.tags[m[1]] {
			return false
		}
	}
	return true
}

func isElement(name string) bool { return slices.Contains(htmlElements, name) }

// purge returns css without what cannot match.
func (u *usage) purge(css string) (string, error) {
	var b strings.Builder
	for len(css) > 0 {
		if strings.HasPrefix(css, "/*") {
			end := strings.Index(css, "*/")
			if end < 0 {
				return "", fmt.Errorf("unterminated comment")
			}
			b.WriteString(css[:end+2])
			css = css[end+2:]
			continue
		}
		open := strings.IndexByte(css, '{')
		if open < 0 {
			if strings.TrimSpace(css) != "" {
				return "", fmt.Errorf("text after the last rule: %.40q", css)
			}
			break
		}
		end, err := closing(css, open)
		if err != nil {
			return "", err
		}
		prelude, body := css[:open], css[open+1:end]
		css = css[end+1:]
		switch {
		case strings.HasPrefix(prelude, "@media") || strings.HasPrefix(prelude, "@supports"):
			inner, err := u.purge(body)
			if err != nil {
				return "", err
			}
			if inner != "" {
				b.WriteString(prelude + "{" + inner + "}")
			}
		case strings.HasPrefix(prelude, "@"):
			b.WriteString(prelude + "{" + body + "}")
		default:
			var kept []string
			for _, sel := range splitTop(prelude) {
				if u.matches(sel) {
					kept = append(kept, sel)
				}
			}
			if len(kept) > 0 {
				b.WriteString(strings.Join(kept, ",") + "{" + body + "}")
			}
		}
	}
	return b.String(), nil
}

// closing is the index of the brace that closes the one at open, quoted strings skipped.
func closing(css string, open int) (int, error) {
	depth := 0
	for i := open; i < len(css); i++ {
		switch c := css[i]; c {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return i, nil
			}
		case '"', '\'':
			j := strings.IndexByte(css[i+1:], c)
			if j < 0 {
				return 0, fmt.Errorf("unterminated string at %d", i)
			}
			i += j + 1
		}
	}
	return 0, fmt.Errorf("unclosed block at %d", open)
}

// splitTop splits a selector list at its commas outside parentheses.
func splitTop(list string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range list {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, list[start:i])
				start = i + 1
			}
		}
	}
	return append(out, list[start:])
}

// outsideParens is selector without what its parentheses hold.
func outsideParens(selector string) string {
	var b strings.Builder
	depth := 0
	for _, c := range selector {
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0:
			b.WriteRune(c)
		}
	}
	return b.String()
}
