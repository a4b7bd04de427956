package mail

import (
	"bytes"
	"context"
	"errors"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"zona/store"
)

// Sender delivers one copy of a message. SMTPSender is the real one.
type Sender interface {
	Send(ctx context.Context, d *store.Delivery) error
}

// SMTPSender delivers over SMTP with go-mail.
type SMTPSender struct{ cfg Config }

// NewSMTPSender returns a sender for cfg.
func NewSMTPSender(cfg Config) *SMTPSender {
	cfg.defaults()
	return &SMTPSender{cfg: cfg}
}

func (s *SMTPSender) client() (*gomail.Client, error) {
	c := s.cfg
	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(c.Timeout)}
	switch c.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if c.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(c.TLSConfig))
	}
	if c.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	if c.HELO != "" {
		opts = append(opts, gomail.WithHELO(c.HELO))
	}
	return gomail.NewClient(c.Host, opts...)
}

// Compose builds the MIME message of one copy: multipart/alternative with the text part
// first and the HTML part second (inside multipart/mixed with the attachments when there
// are any; its data: images as inline parts, embedDataImages), the copy's stable Message-ID, the archived time as its Date, and for
// marketing the RFC 8058 one-click unsubscribe headers.
func Compose(from string, d *store.Delivery) (*gomail.Msg, error) {
	m := gomail.NewMsg()
	if err := m.From(from); err != nil {
		return nil, err
	}
	if err := m.AddToFormat(d.Copy.Name, d.Copy.To); err != nil {
		return nil, err
	}
	m.Subject(d.Message.Subject)
	m.SetMessageIDWithValue(d.Copy.MessageID)
	m.SetDateWithValue(d.Message.At)
	m.SetGenHeader(gomail.HeaderXMailer, "Zona")
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetGenHeader("X-Zona-Category", d.Message.Category)
	body := d.Body
	if d.Unsubscribe != nil {
		body = withUnsubscribe(body, d.Unsubscribe)
		m.SetGenHeader("List-Unsubscribe", "<"+d.Unsubscribe.URL+">")
		m.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	m.SetBodyString(gomail.TypeTextPlain, body.Text)
	if strings.TrimSpace(body.HTML) != "" {
		html, err := embedDataImages(m, body.HTML)
		if err != nil {
			return nil, err
		}
		m.AddAlternativeString(gomail.TypeTextHTML, html)
	}
	for _, a := range d.Attachments {
		if err := m.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.Type))); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Send delivers d over one SMTP connection.
func (s *SMTPSender) Send(ctx context.Context, d *store.Delivery) error {
	msg, err := Compose(s.cfg.From, d)
	if err != nil {
		return &permanentError{err}
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	err = c.DialAndSendWithContext(ctx, msg)
	if err != nil && isPermanent(err) {
		return &permanentError{err}
	}
	return err
}

// permanentError is a refusal that retrying cannot change.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err says the copy can never be delivered.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// isPermanent: the server refused this recipient or this content with a 5xx reply. A 5xx
// to MAIL FROM or to authentication is a configuration problem the operator can fix, so it
// is retried.
func isPermanent(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	if se.ErrorCode() < 500 || se.ErrorCode() > 599 {
		return false
	}
	return se.Reason == gomail.ErrSMTPRcptTo || se.Reason == gomail.ErrSMTPDataClose
}
