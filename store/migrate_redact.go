package store

import (
	"bytes"
	"errors"
	"regexp"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"golang.org/x/net/html"

	"zona/locales"
)

// secretLink matches a one-time link of Zona's own security mail, token included: an
// invitation, a password reset, an email-change confirmation.
var secretLink = regexp.MustCompile(`(?:https?://[^\s"'<>]*?)?/(?:invite|password/reset|account/email)/[A-Za-z0-9_-]{16,}`)

// secretLinkLine matches such a link in a text part with the action's label on the line
// before it ("Definir mi contraseña:"), as Zona's text parts put it.
var secretLinkLine = regexp.MustCompile(`(?m)(?:^[^\n]*:\n)?` + secretLink.String())

// redactBatch is how many messages one transaction of the migration rewrites.
const redactBatch = 64

// redactArchivedLinks is the upgrade to schema 2: security mail archived before it kept its
// one-time link in "Emails Recibidos", where the account owner could open it. It rewrites
// each such archived body with the link replaced by the note new mail carries
// (mail.link_redacted, in the message's language), and moves the original body into the
// outbox items of copies not yet delivered, so that they still deliver the link. Rewritten
// bodies have no link left, so running it again changes nothing.
func redactArchivedLinks(s *Store) error {
	var keys []string
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("msg/"), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var m Message
			if err := it.Item().Value(func(b []byte) error { return decode(b, &m) }); err != nil {
				return err
			}
			if m.Category == CategoryAccount {
				keys = append(keys, messageKey(m.ClientID, m.ID))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), redactBatch)
		if err := s.update(func(txn *badger.Txn) error {
			for _, k := range keys[:n] {
				if err := redactMessage(txn, k); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// redactMessage redacts the archived body of the message at key, when it has a link.
func redactMessage(txn *badger.Txn, key string) error {
	var m Message
	if err := get(txn, key, &m); err != nil {
		return err
	}
	var body MessageBody
	if err := get(txn, messageBodyKey(m.ClientID, m.ID), &body); err != nil {
		return err
	}
	if !secretLink.MatchString(body.HTML) && !secretLink.MatchString(body.Text) {
		return nil
	}
	for _, c := range m.Copies {
		var o OutboxItem
		switch err := get(txn, outboxKey(c.ID), &o); {
		case errors.Is(err, ErrNotFound):
			continue
		case err != nil:
			return err
		}
		if o.Secret == nil {
			o.Secret = &MessageBody{HTML: body.HTML, Text: body.Text}
			if err := put(txn, outboxKey(c.ID), &o); err != nil {
				return err
			}
		}
	}
	note := locales.For(locales.Negotiate("", htmlLang(body.HTML))).T("mail.link_redacted")
	body.HTML = redactHTML(body.HTML, note)
	body.Text = secretLinkLine.ReplaceAllLiteralString(body.Text, note)
	body.Fold = Fold(m.Subject + "\n" + body.Text)
	return put(txn, messageBodyKey(m.ClientID, m.ID), &body)
}

// htmlLang is the lang attribute of src's html element, or "".
func htmlLang(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			t := z.Token()
			if t.Data != "html" {
				continue
			}
			for _, a := range t.Attr {
				if a.Key == "lang" {
					return a.Val
				}
			}
			return ""
		}
	}
}

// redactHTML replaces, in an HTML body, the paragraphs holding a one-time link (the button,
// and the bare link under it) by one paragraph with note; any link left elsewhere in the
// text becomes note as well.
func redactHTML(src, note string) string {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return secretLink.ReplaceAllLiteralString(src, html.EscapeString(note))
	}
	var blocks []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "a" && secretLink.MatchString(attr(n, "href")) {
			b := n
			for p := n.Parent; p != nil; p = p.Parent {
				if p.Type == html.ElementNode && p.Data == "p" {
					b = p
					break
				}
			}
			if len(blocks) == 0 || blocks[len(blocks)-1] != b {
				blocks = append(blocks, b)
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for i, b := range blocks {
		if i > 0 {
			b.Parent.RemoveChild(b)
			continue
		}
		p := &html.Node{Type: html.ElementNode, Data: "p"}
		p.AppendChild(&html.Node{Type: html.TextNode, Data: note})
		b.Parent.InsertBefore(p, b)
		b.Parent.RemoveChild(b)
	}
	var out bytes.Buffer
	if err := html.Render(&out, doc); err != nil {
		return secretLink.ReplaceAllLiteralString(src, html.EscapeString(note))
	}
	return secretLink.ReplaceAllLiteralString(out.String(), html.EscapeString(note))
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
