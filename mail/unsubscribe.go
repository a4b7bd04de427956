package mail

import (
	"html"
	"strings"

	"zona/locales"
	"zona/secure"
	"zona/store"
)

// PrefPath is the path of the preferences page of a token (GET) and of its RFC 8058
// one-click unsubscribe (POST).
func PrefPath(token string) string { return "/unsubscribe/" + token }

// PrefLink is the absolute preferences link of token.
func (m *Mailer) PrefLink(token string) string {
	base := strings.TrimSuffix(m.cfg.BaseURL, "/")
	if base == "" {
		base = "http://localhost:8080"
	}
	return base + PrefPath(token)
}

// unsubscribeLinks gives each marketing copy its recipient's own preferences token: the
// List-Unsubscribe header and a visible link at the end of the body, in the recipient's
// language. Only the token's hash is stored; the body with the link goes out by SMTP and
// the archive keeps body without it, so that nobody reading the archive (the owner reads
// every contact's marketing copy) can unsubscribe someone else.
func (m *Mailer) unsubscribeLinks(rcpts []Recipient, body store.MessageBody) []store.CopyContent {
	out := make([]store.CopyContent, len(rcpts))
	for i, r := range rcpts {
		token := secure.Token()
		link := m.PrefLink(token)
		t := locales.For(r.Lang)
		note, label := t.T("mail.unsubscribe.note"), t.T("mail.unsubscribe.action")
		footer := `<p style="margin-top:24px;font-size:13px;color:#555555">` + html.EscapeString(note) +
			` <a href="` + html.EscapeString(link) + `" style="color:#1d4ed8">` + html.EscapeString(label) + `</a></p>`
		withLink := store.MessageBody{Text: body.Text + "\n\n-- \n" + note + "\n" + label + ": " + link + "\n"}
		if body.HTML != "" {
			if i := strings.LastIndex(strings.ToLower(body.HTML), "</body>"); i >= 0 {
				withLink.HTML = body.HTML[:i] + footer + body.HTML[i:]
			} else {
				withLink.HTML = body.HTML + footer
			}
		}
		out[i] = store.CopyContent{Secret: &withLink, Unsubscribe: link, PrefTokenHash: secure.TokenHash(token)}
	}
	return out
}
