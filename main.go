// Command zona is the client zone of a hosting company: one binary with its own embedded
// store. Run "zona help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // the binary carries its time zones; the container has none

	"github.com/dustin/go-humanize"

	"zona/ctl"
	"zona/handlers"
	"zona/mail"
	"zona/secure"
	"zona/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "zona:", err)
		os.Exit(1)
	}
}

// run dispatches a command line. Tests call it as the binary would be called.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "staff" || cmd == "client" {
		// "create" may come after flags too, as every positional argument may.
		i := slices.Index(args, "create")
		if i < 0 {
			return fmt.Errorf("usage: zona %s create --email E ... --password-stdin", cmd)
		}
		cmd, args = cmd+" create", slices.Delete(slices.Clone(args), i, i+1)
	}
	commands := map[string]func(context.Context, []string, io.Reader, io.Writer, io.Writer) error{
		"serve":         serve,
		"staff create":  createStaff,
		"client create": createClient,
		"demo":          demo,
		"audit":         auditVerify,
		"backup":        backup,
		"restore":       restore,
		"message":       messageSend,
		"pin":           pinVerify,
		"api":           apiCommand,
	}
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	f, ok := commands[cmd]
	if !ok {
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
	return f(ctx, args, stdin, stdout, stderr)
}

const usage = `Usage: zona [command] [flags]

Commands:
  serve                       run the web server (the default)
  staff create --email E --password-stdin [--name N] [--role admin|support]
  client create --email E --name N --password-stdin
  demo                        seed demo data and print its sign-ins
  message send --client E --category C --subject S --html-file F [--text-file F]
                              queue a message to a client through the outbox
  audit verify [--client E]   check the tamper-evident history chains
  pin verify --client E [--staff E]
                              check a client's security PIN read from stdin
  api token create --name N   create a JSON API bearer token, printed once
  api token list              list API tokens: name, created, last used
  api token revoke --name N   revoke an API token at once
  backup FILE                 write a consistent backup of the store, also while serving
  restore FILE                load a backup into an empty data dir, verify its histories

Every command takes --data DIR (env ZONA_DATA, default ./data), before or after its
arguments. While "zona serve" runs, every command but restore runs inside it through the
control socket DIR/zona.sock. "zona serve -h" lists the server's flags; each has a ZONA_*
variable.
`

// env returns the ZONA_* variable name, or def when it is unset.
func env(name, def string) string {
	if v, ok := os.LookupEnv("ZONA_" + name); ok {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(env(name, "")); err == nil {
		return d
	}
	return def
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(env(name, ""), &n); err == nil && n > 0 {
		return n
	}
	return def
}

func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", env("DATA", "./data"), "data directory (env ZONA_DATA)")
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

func serve(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	addr := fs.String("addr", env("ADDR", "127.0.0.1:8080"), "listen address; \":8080\" listens on every interface (env ZONA_ADDR)")
	baseURL := fs.String("base-url", env("BASE_URL", ""), "public URL of Zona, used in links (default http://localhost:PORT) (env ZONA_BASE_URL)")
	brand := fs.String("brand", env("BRAND", "Zona"), "company name shown to customers (env ZONA_BRAND)")
	brandLogo := fs.String("brand-logo", env("BRAND_LOGO", ""), "PNG or JPEG logo (at most 100 KB) at the top of Zona's own emails (env ZONA_BRAND_LOGO)")
	proxies := fs.String("trusted-proxies", env("TRUSTED_PROXIES", ""), "comma-separated proxy IPs or CIDRs whose X-Forwarded-For is believed (env ZONA_TRUSTED_PROXIES)")
	secureCookies := fs.String("secure-cookies", env("SECURE_COOKIES", "auto"), "mark cookies Secure: true, false, or auto (true when --base-url is https) (env ZONA_SECURE_COOKIES)")
	idle := fs.Duration("idle-timeout", envDuration("IDLE_TIMEOUT", 30*time.Minute), "end sessions unused for this long (env ZONA_IDLE_TIMEOUT)")
	absolute := fs.Duration("absolute-timeout", envDuration("ABSOLUTE_TIMEOUT", 12*time.Hour), "end sessions this old (env ZONA_ABSOLUTE_TIMEOUT)")
	tz := fs.String("timezone", env("TIMEZONE", "America/Mexico_City"), "time zone for dates shown (env ZONA_TIMEZONE)")
	hashes := fs.Int("hash-concurrency", envInt("HASH_CONCURRENCY", 0), "password hashes computed at once, 19 MiB each (default: CPU count) (env ZONA_HASH_CONCURRENCY)")
	notifyNew := fs.Bool("notify-new-device", env("NOTIFY_NEW_DEVICE", "true") == "true", "email a person who signs in from a kind of device not seen on their account before (env ZONA_NOTIFY_NEW_DEVICE)")
	retention := fs.Duration("activity-retention", envDuration("ACTIVITY_RETENTION", 0), "remove history entries older than this, checked daily; 0 keeps them forever (env ZONA_ACTIVITY_RETENTION)")
	archiveRetention := fs.Duration("archive-retention", envDuration("ARCHIVE_RETENTION", 0), "remove archived emails (with their attachments) older than this, checked daily; 0 keeps them forever (env ZONA_ARCHIVE_RETENTION)")
	privacyURL := fs.String("privacy-url", env("PRIVACY_URL", ""), "address of the operator's privacy notice, linked from \"Privacidad y datos\" (env ZONA_PRIVACY_URL)")
	customer2FA := fs.String("customer-2fa", env("CUSTOMER_2FA", handlers.TwoFAOptional), "optional or required: a second factor for owners and contacts (env ZONA_CUSTOMER_2FA)")
	staff2FA := fs.String("staff-2fa", env("STAFF_2FA", handlers.TwoFARequired), "required or optional: a second factor for staff (env ZONA_STAFF_2FA)")
	maxContacts := fs.Int("max-contacts", envInt("MAX_CONTACTS", store.DefaultMaxContacts), "contacts an account may have (env ZONA_MAX_CONTACTS)")
	minFree := fs.String("min-free-space", env("MIN_FREE_SPACE", humanize.IBytes(store.DefaultMinFreeSpace())),
		"refuse writes while the data volume has less free space, as bytes or a size like 512MiB (env ZONA_MIN_FREE_SPACE)")
	logLevel := fs.String("log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (env ZONA_LOG_LEVEL)")
	// Outgoing mail (mail.Config). Without --smtp-host mail is archived, logged and kept queued.
	smtpHost := fs.String("smtp-host", env("SMTP_HOST", ""), "SMTP server; empty: mail is only archived (env ZONA_SMTP_HOST)")
	smtpPort := fs.Int("smtp-port", envInt("SMTP_PORT", 0), "SMTP port (default 465 with --smtp-tls tls, else 587) (env ZONA_SMTP_PORT)")
	smtpUser := fs.String("smtp-user", env("SMTP_USER", ""), "SMTP user name; empty: no authentication (env ZONA_SMTP_USER)")
	smtpTLS := fs.String("smtp-tls", env("SMTP_TLS", "starttls"), "tls, starttls, opportunistic or none (env ZONA_SMTP_TLS)")
	smtpFrom := fs.String("smtp-from", env("SMTP_FROM", "no-reply@localhost"), "sender, \"Name <address>\" (env ZONA_SMTP_FROM)")
	smtpTimeout := fs.Duration("smtp-timeout", envDuration("SMTP_TIMEOUT", 30*time.Second), "bound on one delivery attempt (env ZONA_SMTP_TIMEOUT)")
	// Scheduled backups of the domain store (backupSchedule).
	backupDir := fs.String("backup-dir", env("BACKUP_DIR", ""), "write a backup of the store into this directory every --backup-every; empty: none (env ZONA_BACKUP_DIR)")
	backupEvery := fs.Duration("backup-every", envDuration("BACKUP_EVERY", 24*time.Hour), "time between scheduled backups (env ZONA_BACKUP_EVERY)")
	backupKeep := fs.Int("backup-keep", envInt("BACKUP_KEEP", 14), "scheduled backups kept, the newest (env ZONA_BACKUP_KEEP)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *backupDir != "" && (*backupEvery <= 0 || *backupKeep < 1) {
		return fmt.Errorf("--backup-every must be positive and --backup-keep at least 1")
	}
	log := newLogger(stderr, *logLevel)
	if *baseURL == "" {
		_, port, _ := strings.Cut(*addr, ":")
		*baseURL = "http://localhost:" + port
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("--timezone: %w", err)
	}
	useSecure := strings.HasPrefix(*baseURL, "https://")
	if *secureCookies != "auto" {
		useSecure = *secureCookies == "true"
	}
	for name, v := range map[string]string{"--customer-2fa": *customer2FA, "--staff-2fa": *staff2FA} {
		if v != handlers.TwoFAOptional && v != handlers.TwoFARequired {
			return fmt.Errorf("%s: want optional or required, not %q", name, v)
		}
	}
	if u, err := url.Parse(*privacyURL); *privacyURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		return fmt.Errorf("--privacy-url: want an http or https address, not %q", *privacyURL)
	}
	if *hashes > 0 {
		secure.SetConcurrency(*hashes)
	}
	floor, err := humanize.ParseBytes(*minFree)
	if err != nil {
		return fmt.Errorf("--min-free-space: %w", err)
	}

	st, kv, err := openStores(*data, log)
	if err != nil {
		return err
	}
	defer closeStores(st, kv, log)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The background work below ends with ctx, and wg.Wait runs before closeStores: none of
	// it ever meets a closed store.
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, endWork := context.WithCancel(ctx)
	defer endWork() // before wg.Wait, also when serve fails early
	disk := store.NewDiskGuard(*data, floor, log)
	st.GuardDisk(disk)
	kv.GuardDisk(disk)
	wg.Go(func() { disk.Run(ctx, time.Second) })
	if *retention > 0 || *archiveRetention > 0 {
		wg.Go(func() { applyRetention(ctx, st, *retention, *archiveRetention, log) })
	}
	if *backupDir != "" {
		b := backupSchedule{dir: *backupDir, every: *backupEvery, keep: *backupKeep}
		wg.Go(func() { b.run(ctx, st, log) })
	}
	sock, err := ctl.Listen(*data)
	if err != nil {
		return err
	}
	wg.Go(func() {
		if err := ctl.Serve(ctx, sock, controlOps(st), log); err != nil {
			log.Error("control socket", "err", err)
		}
	})

	// On a full disk the server still starts, to serve what can be read; the link waits for
	// a start with space.
	if err := printSetupLink(st, *baseURL, stdout); errors.Is(err, store.ErrDiskFull) {
		log.Error("no setup link printed: the data volume is low on space")
	} else if err != nil {
		return err
	}
	mailCfg := mail.Config{Host: *smtpHost, Port: *smtpPort, Username: *smtpUser, Password: env("SMTP_PASSWORD", ""),
		TLS: *smtpTLS, From: *smtpFrom, Timeout: *smtpTimeout, BaseURL: *baseURL}
	if err := mailCfg.Validate(); err != nil {
		return err
	}
	logo := ""
	if *brandLogo != "" {
		if logo, err = mail.LoadLogo(*brandLogo); err != nil {
			return err
		}
	}
	var worker *mail.Worker
	if mailCfg.Enabled() {
		worker = mail.NewWorker(st, mailCfg, nil, log)
		worker.Start()
		defer worker.Stop()
	} else {
		log.Warn("no SMTP server configured (--smtp-host): mail is archived and stays queued")
	}

	app := handlers.New(handlers.Config{
		Brand: *brand, BrandLogo: logo, BaseURL: *baseURL, SecureCookies: useSecure, TrustedProxies: splitList(*proxies),
		IdleTimeout: *idle, AbsoluteTimeout: *absolute, Location: loc, Logger: log,
		NotifyNewDevice: *notifyNew, MetricsToken: env("METRICS_TOKEN", ""), Mailer: mail.NewMailer(st, mailCfg, worker, log),
		MaxContacts: *maxContacts, CustomerTwoFA: *customer2FA, StaffTwoFA: *staff2FA,
		PrivacyURL: *privacyURL, ActivityRetention: *retention, ArchiveRetention: *archiveRetention,
	}, st, kv)

	errc := make(chan error, 1)
	go func() { errc <- app.Listen(*addr) }()
	fmt.Fprintf(stdout, "Zona is listening on %s (data in %s)\n", *addr, *data)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	return app.ShutdownWithTimeout(20 * time.Second)
}

// applyRetention removes history entries older than activity and archived messages older
// than archive (either 0: kept forever), at start and then daily, until ctx ends.
func applyRetention(ctx context.Context, st store.Records, activity, archive time.Duration, log *slog.Logger) {
	tick := time.NewTicker(24 * time.Hour)
	defer tick.Stop()
	for {
		if activity > 0 {
			n, err := st.PruneAllActivity(time.Now().Add(-activity))
			if err != nil {
				log.Error("pruning the history", "err", err)
			} else if n > 0 {
				log.Info("history pruned", "entries", n, "older_than", activity)
			}
		}
		if archive > 0 {
			n, err := st.PruneArchive(time.Now().Add(-archive))
			if err != nil {
				log.Error("pruning the mail archive", "err", err)
			} else if n > 0 {
				log.Info("mail archive pruned", "messages", n, "older_than", archive)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func openStores(dir string, log *slog.Logger) (*store.Store, *store.Sessions, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	st, err := store.Open(dir, log)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (is another zona running on this data dir?)", err)
	}
	kv, err := store.OpenSessions(dir, log)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, kv, nil
}

func closeStores(st *store.Store, kv *store.Sessions, log *slog.Logger) {
	if err := kv.Close(); err != nil {
		log.Error("closing sessions store", "err", err)
	}
	if err := st.Close(); err != nil {
		log.Error("closing store", "err", err)
	}
}

// printSetupLink prints, while no staff account exists, a one-time link to create the
// first one. Each start replaces the previous link.
func printSetupLink(st store.Records, baseURL string, w io.Writer) error {
	has, err := st.HasStaff()
	if err != nil || has {
		return err
	}
	token := secure.Token()
	if err := st.SetSetupToken(secure.TokenHash(token), time.Now().Add(24*time.Hour)); err != nil {
		return err
	}
	fmt.Fprintf(w, "No staff account yet. Create the first one (link valid 24 h, once):\n  %s/admin/setup/%s\n",
		strings.TrimSuffix(baseURL, "/"), token)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
