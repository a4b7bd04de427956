// Package handlers is Zona's HTTP side: the route table, the middleware and one small
// handler per file. Handlers stay thin: parse the request, call the store or a domain rule,
// render a view.
package handlers

import (
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/gofiber/fiber/v2"

	"zona/mail"
	"zona/secure"
	"zona/store"
)

// Config is what the operator sets (flags and ZONA_* variables, see main.go).
type Config struct {
	// Brand is the operator's name, shown in the UI and in mail.
	Brand string
	// BrandLogo is the operator's logo for Zona's own emails, a data: URI (mail.LoadLogo);
	// empty for none.
	BrandLogo string
	// BaseURL is the public address of Zona, used in links sent out of band.
	BaseURL string
	// SecureCookies marks cookies Secure (Zona is reached over HTTPS).
	SecureCookies bool
	// TrustedProxies are the addresses whose forwarding headers are believed. Empty means
	// the client's address is the connection's.
	TrustedProxies []string
	// IdleTimeout ends a session nobody used for that long; AbsoluteTimeout ends any
	// session that old.
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	// Location is the time zone in which dates are shown.
	Location *time.Location
	Logger   *slog.Logger
	// NotifyNewDevice emails a person who signs in from a kind of device (browser and
	// system) not seen on their account before.
	NotifyNewDevice bool
	// MetricsToken, when set, is the bearer token GET /metrics requires.
	MetricsToken string
	// MaxContacts is how many contacts an account may have (store.DefaultMaxContacts
	// when zero).
	MaxContacts int
	// APIRateLimit is how many JSON API requests a token, and an IP address, may make a
	// minute (600 when zero).
	APIRateLimit int
	// CustomerTwoFA is TwoFAOptional (the default) or TwoFARequired: then an owner or
	// contact without a second factor sets one up at sign-in before anything else opens.
	CustomerTwoFA string
	// StaffTwoFA is TwoFARequired (the default: staff set up a second factor at their first
	// sign-in, before the console opens) or TwoFAOptional.
	StaffTwoFA string
	// PrivacyURL is the operator's privacy notice ("aviso de privacidad"), linked from
	// "Privacidad y datos"; empty when none was given.
	PrivacyURL string
	// ActivityRetention and ArchiveRetention are --activity-retention and
	// --archive-retention (0: forever), shown on /admin/retention and told to the people on
	// "Privacidad y datos"; main applies them.
	ActivityRetention time.Duration
	ArchiveRetention  time.Duration
	// Mailer sends Zona's mail. Nil means mail is archived and queued but no worker is
	// woken (as with no SMTP server configured).
	Mailer *mail.Mailer
}

func (c *Config) defaults() {
	if c.Brand == "" {
		c.Brand = "Zona"
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Minute
	}
	if c.AbsoluteTimeout <= 0 {
		c.AbsoluteTimeout = 12 * time.Hour
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.APIRateLimit <= 0 {
		c.APIRateLimit = defaultAPIRateLimit
	}
	if c.CustomerTwoFA == "" {
		c.CustomerTwoFA = TwoFAOptional
	}
	if c.StaffTwoFA == "" {
		c.StaffTwoFA = TwoFARequired
	}
	if c.MaxContacts <= 0 {
		c.MaxContacts = store.DefaultMaxContacts
	}
}

// Server holds what the handlers share.
type Server struct {
	cfg     Config
	store   store.Records
	kv      *store.Sessions
	mailer  *mail.Mailer
	metrics *metrics
	log     *slog.Logger
	// trustedProxies are cfg.TrustedProxies parsed (forwardedClient).
	trustedProxies []netip.Prefix
	// csrfKey keys the CSRF tokens of visitors (csrf.go).
	csrfKey []byte
	// touching holds the device hashes of the sessions whose last-seen time a request is
	// writing now: the requests that arrive meanwhile leave it to that one.
	touching sync.Map
	// later runs the work that must not show in a request's answer (a password reset's).
	later background
	// wa is the WebAuthn relying party of passkeys (passkey.go); nil when the base URL
	// cannot be one, and then passkeys are not offered.
	wa *webauthn.WebAuthn
}

// New builds the Fiber app with every route of Zona.
func New(cfg Config, st store.Records, kv *store.Sessions) *fiber.App {
	cfg.defaults()
	s := &Server{cfg: cfg, store: st, kv: kv, mailer: cfg.Mailer, metrics: newMetrics(st.Disk()), log: cfg.Logger}
	if s.mailer == nil {
		s.mailer = mail.NewMailer(st, mail.Config{BaseURL: cfg.BaseURL}, nil, cfg.Logger)
	}
	key, err := st.Secret("csrf")
	if err != nil {
		// Visitors' tokens then last until the next restart, which costs an open sign-in
		// form one retry: better than not serving.
		s.log.Error("csrf secret not read; using one for this run only", "err", err)
		key = secure.TokenHash(secure.Token())
	}
	s.csrfKey = key
	s.trustedProxies = parseProxies(cfg.TrustedProxies)
	if s.wa, err = newWebAuthn(cfg.Brand, cfg.BaseURL); err != nil {
		s.log.Error("passkeys are off: the base URL cannot be a WebAuthn relying party", "err", err)
	}
	app := fiber.New(fiber.Config{
		AppName:      "zona",
		ErrorHandler: s.handleError,
		// Paths match in one letter case only, everywhere: /API/v1 is not /api/v1, so the
		// API's rules (no cookie session, JSON errors) cannot be stepped around.
		CaseSensitive:           true,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             proxyHeader(cfg.TrustedProxies),
		ReadTimeout:             30 * time.Second,
		WriteTimeout:            30 * time.Second,
		IdleTimeout:             2 * time.Minute,
		BodyLimit:               1 << 20,
		// A whole page with its headers fits the write buffer (fasthttp's default is 4 KiB,
		// less than the dashboard), so a response leaves in one write system call.
		WriteBufferSize:       16 << 10,
		DisableStartupMessage: true,
	})
	s.routes(app)
	app.Hooks().OnShutdown(s.later.wait)
	return app
}

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}
