package mail

import (
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net/mail"
	"strings"
	"time"
)

// TLS modes of the connection to the SMTP server.
const (
	// TLSImplicit opens TLS at once (SMTPS, usually port 465).
	TLSImplicit = "tls"
	// TLSStartTLS requires STARTTLS (usually port 587): no mail goes out unencrypted.
	TLSStartTLS = "starttls"
	// TLSOpportunistic uses STARTTLS when the server offers it.
	TLSOpportunistic = "opportunistic"
	// TLSNone sends in plain text, for a relay on the same host or private network.
	TLSNone = "none"
)

// Config is how Zona reaches its SMTP server and how it retries. A zero Host means no SMTP
// is configured: mail is archived and logged, and stays queued.
type Config struct {
	Host     string
	Port     int // default: 465 with TLSImplicit, else 587
	Username string
	Password string
	// TLS is one of TLSImplicit, TLSStartTLS (the default), TLSOpportunistic, TLSNone.
	TLS string
	// TLSConfig, when set, replaces the default TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
	// From is the sender, "Name <address>" or an address. Its domain is the right-hand
	// side of the Message-IDs.
	From string
	// BaseURL is Zona's public address, for the preferences links of marketing mail
	// (default http://localhost:8080).
	BaseURL string
	// HELO is the name Zona gives itself to the server (default: the server's choice).
	HELO string
	// Timeout bounds one attempt, from dialling to the server's answer (default 30 s).
	Timeout time.Duration
	// Lease is how long an attempt recorded as under way blocks another attempt of the same
	// copy (default: twice Timeout). Only a process that died mid-send leaves one behind.
	Lease time.Duration
	// RetryFirst is the wait after the first failed attempt (default 1 min); each next wait
	// doubles, up to RetryMax (default 1 h), with ±20 % jitter. After Attempts attempts
	// (default 30, about 24 hours) a copy is marked failed.
	RetryFirst time.Duration
	RetryMax   time.Duration
	Attempts   int
	// Poll is how often the worker looks at the outbox when nothing woke it (default 1 min).
	Poll time.Duration
}

// Enabled reports whether an SMTP server is configured.
func (c *Config) Enabled() bool { return strings.TrimSpace(c.Host) != "" }

func (c *Config) defaults() {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		c.Port = 587
		if c.TLS == TLSImplicit {
			c.Port = 465
		}
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Lease <= 0 {
		c.Lease = 2 * c.Timeout
	}
	if c.RetryFirst <= 0 {
		c.RetryFirst = time.Minute
	}
	if c.RetryMax <= 0 {
		c.RetryMax = time.Hour
	}
	if c.Attempts <= 0 {
		c.Attempts = 30
	}
	if c.Poll <= 0 {
		c.Poll = time.Minute
	}
	if c.From == "" {
		c.From = "no-reply@localhost"
	}
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	switch c.TLS {
	case "", TLSImplicit, TLSStartTLS, TLSOpportunistic, TLSNone:
	default:
		return fmt.Errorf("smtp tls mode %q: want tls, starttls, opportunistic or none", c.TLS)
	}
	if c.From != "" {
		if _, err := mail.ParseAddress(c.From); err != nil {
			return fmt.Errorf("smtp from %q: %w", c.From, err)
		}
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("smtp port %d out of range", c.Port)
	}
	return nil
}

// Domain is the domain of the From address, used in Message-IDs.
func (c *Config) Domain() string {
	from := c.From
	if a, err := mail.ParseAddress(from); err == nil {
		from = a.Address
	}
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		return d
	}
	return "localhost"
}

// Backoff is the wait before the attempt after attempt number n (1 for the first): first
// doubled n-1 times, capped at max, then moved by up to ±20 % so copies that failed
// together do not all retry in the same second.
func Backoff(n int, first, max time.Duration) time.Duration {
	d := first
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}
