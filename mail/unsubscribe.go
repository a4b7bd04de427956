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

// unsubscribeLinks gives each marketing copy its recipient's own preferences token, in
// the recipient's language (see store.Unsubscribe); only the token's hash is stored.
func (m *Mailer) unsubscribeLinks(rcpts []Recipient) []store.CopyContent {
	out := make([]store.CopyContent, len(rcpts))
	for i, r := range rcpts {
		token := secure.Token()
		t := locales.For(r.Lang)
		out[i] = store.CopyContent{PrefTokenHash: secure.TokenHash(token), Unsubscribe: &store.Unsubscribe{
			URL: m.PrefLink(token), Note: t.T("mail.unsubscribe.note"), Label: t.T("mail.unsubscribe.action")}}
	}
	return out
}

// withUnsubscribe is body with u's line at its end, in the text part and in the HTML part
// (before </body> when it has one).
func withUnsubscribe(body store.MessageBody, u *store.Unsubscribe) store.MessageBody {
	out := store.MessageBody{Text: body.Text + "\n\n-- \n" + u.Note + "\n" + u.Label + ": " + u.URL + "\n"}
	if body.HTML == "" {
		return out
	}
	footer := `<p style="margin-top:24px;font-size:13px;color:#555555">` + html.EscapeString(u.Note) +
		` <a href="` + html.EscapeString(u.URL) + `" style="color:#1d4ed8">` + html.EscapeString(u.Label) + `</a></p>`
	if i := strings.LastIndex(strings.ToLower(body.HTML), "</body>"); i >= 0 {
		out.HTML = body.HTML[:i] + footer + body.HTML[i:]
	} else {
		out.HTML = body.HTML + footer
	}
	return out
}
