package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"zona/secure"
	"zona/store"
)

func TestAPITokenCreateListRevoke(t *testing.T) {
	data := t.TempDir()
	out, err := runCLI(t, "", "api", "token", "create", "--data", data, "--name", "billing")
	if err != nil {
		t.Fatalf("create: %v: %s", err, out)
	}
	// runCLI gives stdout, where the token is alone, before stderr.
	token, _, _ := strings.Cut(out, "\n")
	if len(token) < 43 {
		t.Fatalf("no token printed: %q", out)
	}
	if out, err := runCLI(t, "", "api", "token", "create", "--data", data, "--name", "billing"); err == nil {
		t.Fatalf("a second token of the same name: %s", out)
	}
	if out, err := runCLI(t, "", "api", "token", "create", "--data", data); err == nil {
		t.Fatalf("a token without a name: %s", out)
	}
	if _, err := runCLI(t, "", "api", "token", "create", "--data", data, "--name", "crm"); err != nil {
		t.Fatal(err)
	}
	out, err = runCLI(t, "", "api", "token", "list", "--data", data)
	if err != nil || !strings.Contains(out, "billing") || !strings.Contains(out, "crm") || strings.Contains(out, token) {
		t.Fatalf("list: %v: %s", err, out)
	}

	// Only the token's SHA-256 is stored.
	st, err := store.Open(data, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := st.APITokenByHash(secure.TokenHash(token)); err != nil || got.Name != "billing" {
		t.Fatalf("stored token: %+v, %v", got, err)
	}
	st.Close()

	if out, err := runCLI(t, "", "api", "token", "revoke", "--data", data, "--name", "billing"); err != nil {
		t.Fatalf("revoke: %v: %s", err, out)
	}
	if out, err := runCLI(t, "", "api", "token", "revoke", "--data", data, "--name", "billing"); err == nil {
		t.Fatalf("revoking twice: %s", out)
	}
	out, _ = runCLI(t, "", "api", "token", "list", "--data", data)
	if strings.Contains(out, "billing") || !strings.Contains(out, "crm") {
		t.Fatalf("list after revoke: %s", out)
	}
	st, err = store.Open(data, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.APITokenByHash(secure.TokenHash(token)); err == nil {
		t.Fatal("the revoked token is still stored")
	}
}
