package mail

import (
	"strings"
	"testing"
	"time"

	"zona/locales"
)

func TestTemplatesInEveryLanguage(t *testing.T) {
	d := TemplateData{Name: "Ana López", Account: "Abarrotes La Esperanza", Link: "https://zona.test/invite/abc?x=1&y=2",
		Valid: 48 * time.Hour, NewEmail: "nueva@cliente.mx", When: time.Date(2026, 7, 1, 18, 30, 0, 0, time.UTC), IP: "203.0.113.9", Device: "Firefox en Linux"}
	for _, lang := range locales.Langs {
		for _, tpl := range Templates {
			r, err := Render(tpl, lang, "RaXa México", time.UTC, d)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, tpl, err)
			}
			for part, s := range map[string]string{"subject": r.Subject, "html": r.HTML, "text": r.Text} {
				if s == "" || strings.Contains(s, "mail.") || strings.Contains(s, "<no value>") {
					t.Errorf("%s %s %s: %q", lang, tpl, part, s)
				}
				if part != "subject" && !strings.Contains(s, "RaXa México") {
					t.Errorf("%s %s %s lacks the brand", lang, tpl, part)
				}
			}
			// A one-time link goes out in Secret alone; the archivable parts carry the note.
			note := locales.For(lang).T("mail.link_redacted")
			if tpl == TplInvitation || tpl == TplPasswordReset || tpl == TplEmailChange || tpl == TplMarketingConfirm ||
				tpl == TplStaffInvitation || tpl == TplWelcome {
				if r.Secret == nil || !strings.Contains(r.Secret.Text, d.Link) || !strings.Contains(r.Secret.HTML, `href="https://zona.test/invite/abc?x=1&amp;y=2"`) {
					t.Errorf("%s %s: link missing from what is sent", lang, tpl)
				}
				if strings.Contains(r.HTML, "/invite/") || strings.Contains(r.Text, "/invite/") {
					t.Errorf("%s %s: the archivable parts carry the link", lang, tpl)
				}
				if !strings.Contains(r.HTML, note) || !strings.Contains(r.Text, note) || strings.Contains(r.Secret.Text, note) {
					t.Errorf("%s %s: the note is not where the link was", lang, tpl)
				}
			} else if r.Secret != nil || strings.Contains(r.Text, note) {
				t.Errorf("%s %s: a message without a link has a secret body", lang, tpl)
			}
			if !strings.Contains(r.HTML, `lang="`+locales.For(lang).HTMLLang()+`"`) {
				t.Errorf("%s %s: html lang", lang, tpl)
			}
		}
	}
	if r, _ := Render(TplNewSignIn, "en", "RaXa", time.UTC, d); !strings.Contains(r.Text, "Device: Firefox en Linux · IP: 203.0.113.9") {
		t.Errorf("English new sign-in: %q", r.Text)
	}
	if _, err := Render(TplPasswordReset, "es", "RaXa", time.UTC, TemplateData{}); err == nil {
		t.Error("a reset without a link rendered")
	}
}
