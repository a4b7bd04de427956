package mail

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"zona/locales"
	"zona/store"
	"zona/views"
)

// Template is one of Zona's own emails.
type Template string

// Zona's own emails. All are security mail (category account) for one person.
const (
	TplInvitation      Template = "invitation"
	TplPasswordReset   Template = "password_reset"
	TplPasswordChanged Template = "password_changed"
	TplEmailChange     Template = "email_change"
	TplNewSignIn       Template = "new_signin"
	// TplEmailChangeNotice tells the old address that a change of the sign-in email was asked.
	TplEmailChangeNotice Template = "email_change_notice"
	// TplMarketingConfirm asks a contact to confirm the promotions an owner ticked for it.
	TplMarketingConfirm Template = "marketing_confirm"
	// TplTwoFARemoved tells a person that their second factor was removed (by themselves
	// or by staff); TplRecoveryUsed that one of their recovery codes was used to sign in.
	TplTwoFARemoved Template = "twofa_removed"
	TplRecoveryUsed Template = "recovery_used"
	// TplPasskeyRemoved tells a person that one of their passkeys was removed.
	TplPasskeyRemoved Template = "passkey_removed"
	// TplStaffInvitation invites a new staff member to set their password for the console.
	TplStaffInvitation Template = "staff_invitation"
	// TplWelcome welcomes a client created by staff with a link to set their password.
	TplWelcome Template = "welcome"
	// TplRequestResolved tells a person how staff resolved their ARCO request.
	TplRequestResolved Template = "request_resolved"
)

// Templates lists every template, for tests.
var Templates = []Template{TplInvitation, TplPasswordReset, TplPasswordChanged, TplEmailChange, TplNewSignIn, TplEmailChangeNotice,
	TplMarketingConfirm, TplTwoFARemoved, TplRecoveryUsed, TplPasskeyRemoved, TplStaffInvitation, TplWelcome, TplRequestResolved}

// TemplateData fills a template. Each template uses the fields it names.
type TemplateData struct {
	Name     string        // the person written to
	Account  string        // invitation: the owner who invites
	Link     string        // invitation, reset, email change: the one-time link
	Valid    time.Duration // how long Link works
	NewEmail string        // email change
	When     time.Time     // password changed, new sign-in
	IP       string        // password changed, new sign-in
	Device   string        // new sign-in
	// Logo is the operator's logo (LoadLogo), shown at the top; empty for none.
	Logo   string
	Method string // new sign-in: how it was proved ("password", "totp", "recovery", "passkey")
	Left   int    // recovery code used: how many are left
	// Request, State and Note: an ARCO request resolved, its kind and state (store.Request*
	// values) and the staff's note.
	Request, State, Note string
}

// Rendered is a template made into a message. HTML and Text may be archived. A template
// with a one-time link has them with the link replaced by a note, and the link in Secret,
// the body that only goes out by SMTP.
type Rendered struct {
	Subject, HTML, Text string
	Secret              *store.MessageBody
}

// Render makes tpl into a message in lang (Spanish when unsupported) under brand; dates are
// shown in loc.
func Render(tpl Template, lang, brand string, loc *time.Location, d TemplateData) (Rendered, error) {
	t := locales.For(lang)
	if loc == nil {
		loc = time.UTC
	}
	key := "mail." + string(tpl) + "."
	args := []any{
		"Brand", brand, "Name", d.Name, "Account", d.Account, "NewEmail", d.NewEmail,
		"IP", d.IP, "Device", d.Device, "When", d.When.In(loc).Format(t.T("format.datetime")),
		"Left", d.Left, "Note", d.Note, "Hours", int(d.Valid.Round(time.Hour) / time.Hour), "Minutes", int(d.Valid.Round(time.Minute) / time.Minute),
	}
	if tpl == TplRequestResolved {
		args = append(args, "Request", t.T("request.kind."+d.Request), "State", t.T("request.state."+d.State))
	}
	m := views.MailContent{
		Lang: t.HTMLLang(), Brand: brand, Title: t.T(key+"title", args...),
		Greeting: t.T("mail.greeting", args...), LinkHint: t.T("mail.link_hint"),
		Note: t.T(key+"note", args...), Footer: t.T("mail.footer", args...), Logo: d.Logo,
	}
	if d.Name == "" {
		m.Greeting = t.T("mail.greeting_anonymous")
	}
	switch tpl {
	case TplInvitation, TplPasswordReset, TplEmailChange, TplMarketingConfirm, TplStaffInvitation, TplWelcome:
		if d.Link == "" {
			return Rendered{}, fmt.Errorf("mail: template %s needs a link", tpl)
		}
		m.Paragraphs = []string{t.T(key+"intro", args...), t.T(key+"validity", args...)}
		m.ActionLabel, m.ActionURL = t.T(key+"action"), d.Link
		m.Redacted = t.T("mail.link_redacted")
	case TplPasswordChanged:
		m.Paragraphs = []string{t.T(key+"intro", args...), t.T(key+"sessions", args...)}
	case TplEmailChangeNotice:
		m.Paragraphs = []string{t.T(key+"intro", args...), t.T(key+"until", args...)}
	case TplNewSignIn:
		m.Paragraphs = []string{t.T(key+"intro", args...), t.T(key+"device", args...)}
		if d.Method != "" {
			m.Paragraphs = append(m.Paragraphs, t.T(key+"method", append(args, "Method", t.T("method."+d.Method))...))
		}
	case TplRequestResolved:
		m.Paragraphs = []string{t.T(key+"intro", args...), t.T(key+"answer", args...)}
	case TplTwoFARemoved, TplRecoveryUsed, TplPasskeyRemoved:
		m.Paragraphs = []string{t.T(key+"intro", args...), t.T(key+"detail", args...)}
	default:
		return Rendered{}, fmt.Errorf("mail: unknown template %q", tpl)
	}
	ctx := views.WithCtx(context.Background(), &views.Ctx{Tr: t, Brand: brand, Loc: loc})
	out := Rendered{Subject: t.T(key+"subject", args...)}
	if m.ActionURL != "" {
		html, err := mailHTML(ctx, m)
		if err != nil {
			return Rendered{}, err
		}
		out.Secret = &store.MessageBody{HTML: html, Text: mailText(m)}
		m.ActionURL = ""
	}
	html, err := mailHTML(ctx, m)
	if err != nil {
		return Rendered{}, err
	}
	out.HTML, out.Text = html, mailText(m)
	return out, nil
}

// mailHTML is the HTML part of a MailContent.
func mailHTML(ctx context.Context, m views.MailContent) (string, error) {
	var b bytes.Buffer
	err := views.MailHTML(m).Render(ctx, &b)
	return b.String(), err
}

// mailText is the text part of a MailContent.
func mailText(m views.MailContent) string {
	var b strings.Builder
	b.WriteString(m.Brand + "\n\n" + m.Title + "\n\n" + m.Greeting + "\n\n")
	for _, p := range m.Paragraphs {
		b.WriteString(p + "\n\n")
	}
	if m.ActionURL != "" {
		b.WriteString(m.ActionLabel + ":\n" + m.ActionURL + "\n\n")
	} else if m.Redacted != "" {
		b.WriteString(m.Redacted + "\n\n")
	}
	if m.Note != "" {
		b.WriteString(m.Note + "\n\n")
	}
	b.WriteString("-- \n" + m.Footer + "\n")
	return b.String()
}
