// Package locales holds Zona's translations (Spanish of Mexico first, English second),
// embedded in the binary, and chooses a language for each request.
package locales

import (
	"embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"text/template"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.json
var files embed.FS

// Languages Zona speaks, the default first.
const (
	ES = "es"
	EN = "en"
)

// Langs lists the supported languages, the default first.
var Langs = []string{ES, EN}

var (
	bundle  = load()
	matcher = language.NewMatcher([]language.Tag{language.MustParse("es-MX"), language.English})
	tr      = map[string]*Translator{
		ES: newTranslator(ES, "es-MX"),
		EN: newTranslator(EN, "en"),
	}
)

// newTranslator prepares lang's messages once: a message without a template is kept as
// text, one with a template is parsed; plural messages go through go-i18n, which knows each
// language's plural rules. A request then never pays for language matching or parsing.
func newTranslator(lang, htmlLang string) *Translator {
	t := &Translator{lang: lang, htmlLang: htmlLang, loc: i18n.NewLocalizer(bundle, lang),
		text: map[string]string{}, fields: map[string][]string{}, tmpl: map[string]*template.Template{}}
	b, err := files.ReadFile(lang + ".json")
	if err != nil {
		panic(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		panic(fmt.Sprintf("locales: %s: %v", lang, err))
	}
	for key, v := range raw {
		var msg string
		if json.Unmarshal(v, &msg) != nil {
			continue // a plural form: left to go-i18n
		}
		if !strings.Contains(msg, "{{") {
			t.text[key] = msg
			continue
		}
		if parts, ok := splitFields(msg); ok {
			t.fields[key] = parts
			continue
		}
		tp, err := template.New(key).Option("missingkey=zero").Parse(msg)
		if err != nil {
			panic(fmt.Sprintf("locales: %s: %s: %v", lang, key, err))
		}
		t.tmpl[key] = tp
	}
	return t
}

func load() *i18n.Bundle {
	b := i18n.NewBundle(language.Spanish)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, l := range []string{ES, EN} {
		if _, err := b.LoadMessageFileFS(files, l+".json"); err != nil {
			panic(fmt.Sprintf("locales: %s: %v", l, err))
		}
	}
	return b
}

// Supported reports whether lang is one of Langs.
func Supported(lang string) bool { _, ok := tr[lang]; return ok }

// Negotiate picks the language for a request: the person's own choice when it is supported,
// else the best match for the browser's Accept-Language header, else Spanish.
func Negotiate(choice, acceptLanguage string) string {
	if Supported(choice) {
		return choice
	}
	if acceptLanguage == "" {
		return ES
	}
	if len(acceptLanguage) > maxMatchedLen {
		return match(acceptLanguage)
	}
	matchedMu.Lock()
	lang, ok := matched[acceptLanguage]
	matchedMu.Unlock()
	if ok {
		return lang
	}
	lang = match(acceptLanguage)
	matchedMu.Lock()
	if len(matched) >= maxMatched {
		clear(matched)
	}
	matched[strings.Clone(acceptLanguage)] = lang // the caller's string may be a request buffer
	matchedMu.Unlock()
	return lang
}

// Browsers send few distinct Accept-Language headers, and parsing one costs more than the
// rest of choosing a language: Negotiate remembers up to maxMatched of them, forgetting all
// when full, and only headers of a browser's length (so made-up headers cost little memory,
// and give it back).
const (
	maxMatched    = 256
	maxMatchedLen = 256
)

var (
	matchedMu sync.Mutex
	matched   = make(map[string]string, maxMatched)
)

// match is the supported language that best fits an Accept-Language header, else Spanish.
func match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return ES
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return ES
	}
	return Langs[i]
}

// Translator renders messages in one language.
type Translator struct {
	lang, htmlLang string
	loc            *i18n.Localizer
	text           map[string]string
	fields         map[string][]string // literal, field name, literal, field name, …
	tmpl           map[string]*template.Template
}

// fieldRef matches a template action that only prints a field: {{.Name}}.
var fieldRef = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// splitFields splits a message whose only template actions print fields ("{{.Who}} inició
// sesión.") into literals and field names, so rendering it is a few appends; ok is false
// for any other template, which text/template then runs.
func splitFields(msg string) (parts []string, ok bool) {
	last := 0
	for _, m := range fieldRef.FindAllStringSubmatchIndex(msg, -1) {
		parts = append(parts, msg[last:m[0]], msg[m[2]:m[3]])
		last = m[1]
	}
	rest := msg[last:]
	if strings.Contains(rest, "{{") || strings.Contains(strings.Join(parts, ""), "{{") {
		return nil, false
	}
	return append(parts, rest), true
}

// For returns the translator for lang, or the Spanish one when lang is not supported.
func For(lang string) *Translator {
	if t, ok := tr[lang]; ok {
		return t
	}
	return tr[ES]
}

// Lang is the translator's language code ("es", "en").
func (t *Translator) Lang() string { return t.lang }

// HTMLLang is the value for the html element's lang attribute ("es-MX", "en").
func (t *Translator) HTMLLang() string { return t.htmlLang }

// T renders the message key. args are name/value pairs for the message's template, as in
// T("page.login.locked", "Minutes", 15). A "Count" argument also selects the plural form. A
// key missing from the files renders as itself and is logged; the completeness test keeps
// that from shipping.
func (t *Translator) T(key string, args ...any) string {
	if s, ok := t.text[key]; ok {
		return s
	}
	if parts, ok := t.fields[key]; ok {
		var b strings.Builder
		for i, part := range parts {
			if i%2 == 0 {
				b.WriteString(part)
				continue
			}
			for j := 0; j+1 < len(args); j += 2 {
				if args[j] == part {
					writeArg(&b, args[j+1])
					break
				}
			}
		}
		return b.String()
	}
	if tp, ok := t.tmpl[key]; ok {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
		var b strings.Builder
		if err := tp.Execute(&b, data); err != nil {
			slog.Warn("translation failed", "lang", t.lang, "key", key, "err", err)
			return key
		}
		return b.String()
	}
	cfg := &i18n.LocalizeConfig{MessageID: key}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name := fmt.Sprint(args[i])
			data[name] = args[i+1]
			if name == "Count" {
				cfg.PluralCount = args[i+1]
			}
		}
		cfg.TemplateData = data
	}
	s, err := t.loc.Localize(cfg)
	if err != nil {
		slog.Warn("missing translation", "lang", t.lang, "key", key, "err", err)
		return key
	}
	return s
}

// writeArg writes a message argument as fmt.Print would, without fmt's machinery for the
// strings that most arguments are.
func writeArg(b *strings.Builder, v any) {
	if s, ok := v.(string); ok {
		b.WriteString(s)
		return
	}
	fmt.Fprint(b, v)
}

// Keys returns every message key of lang's file, for tests.
func Keys(lang string) (map[string]bool, error) {
	b, err := files.ReadFile(lang + ".json")
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	keys := make(map[string]bool, len(m))
	for k := range m {
		keys[strings.TrimSpace(k)] = true
	}
	return keys, nil
}
