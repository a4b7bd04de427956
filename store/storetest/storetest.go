// Package storetest opens real stores in temporary directories for tests, and serves the
// whole app on loopback for browser and load tests.
package storetest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"zona/handlers"
	"zona/secure"
	"zona/store"
)

// MustOpen opens a domain store and a sessions store in a new temporary directory, closed
// when the test ends.
func MustOpen(tb testing.TB) (*store.Store, *store.Sessions) {
	tb.Helper()
	dir := tb.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(dir, log)
	if err != nil {
		tb.Fatal(err)
	}
	kv, err := store.OpenSessions(dir, log)
	if err != nil {
		st.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		kv.Close()
		st.Close()
	})
	return st, kv
}

// MustCreateClient stores a client with that email, full name and password.
func MustCreateClient(tb testing.TB, st *store.Store, email, first, last, password string) *store.Client {
	tb.Helper()
	hash, err := secure.Hash(context.Background(), password)
	if err != nil {
		tb.Fatal(err)
	}
	c := &store.Client{Email: email, FirstName: first, LastName: last, PasswordHash: hash}
	ev := store.Event{Kind: store.KindAccountCreated, Actor: store.Actor{Kind: store.ActorSystem}}
	if err := st.CreateClient(c, ev); err != nil {
		tb.Fatal(err)
	}
	return c
}

// Config is the handlers configuration tests use unless they say otherwise. Staff sign
// in with a password alone here, so that tests of other features need no authenticator;
// the second factor's own tests set StaffTwoFA to TwoFARequired, Zona's default. The base
// URL names localhost, which (unlike an IP address) can be a passkey's relying party.
func Config() handlers.Config {
	return handlers.Config{
		Brand:      "Hosting de Prueba",
		BaseURL:    "http://localhost",
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		StaffTwoFA: handlers.TwoFAOptional,
	}
}

// Serve runs the whole app with cfg on a free loopback port until the test ends, and
// returns its base URL ("http://127.0.0.1:PORT").
func Serve(tb testing.TB, cfg handlers.Config, st *store.Store, kv *store.Sessions) string {
	tb.Helper()
	return ServeAs(tb, "127.0.0.1", cfg, st, kv)
}

// ServeAs is Serve with host (a name of the loopback address) in the base URL: passkeys
// want a domain, "localhost", as their relying party, never an IP address.
func ServeAs(tb testing.TB, host string, cfg handlers.Config, st *store.Store, kv *store.Sessions) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	base := "http://" + net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	cfg.BaseURL = base
	app := handlers.New(cfg, st, kv)
	go app.Listener(ln)
	tb.Cleanup(func() { app.ShutdownWithTimeout(5 * time.Second) })
	return base
}
