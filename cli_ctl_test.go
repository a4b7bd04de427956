package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"zona/ctl"
	"zona/store"
)

// cliRun is one command line of TestEveryCommandBothWays, with what it printed and its error.
type cliRun struct {
	args []string
	out  string
	err  string
}

// TestEveryCommandBothWays runs every command but serve and restore against a data dir with
// no server and against one held by a running "zona serve" (whose Badger lock leaves the
// control socket the only way in), and requires the same output, the same errors and the
// same records and history entries.
func TestEveryCommandBothWays(t *testing.T) {
	local, localEffects := runEveryCommand(t, false)
	served, servedEffects := runEveryCommand(t, true)
	for i := range local {
		if local[i].out != served[i].out || local[i].err != served[i].err {
			t.Errorf("zona %s:\n  alone:   %q, error %q\n  serving: %q, error %q",
				strings.Join(local[i].args, " "), local[i].out, local[i].err, served[i].out, served[i].err)
		}
	}
	if !reflect.DeepEqual(localEffects, servedEffects) {
		t.Errorf("the stores differ:\nalone:   %v\nserving: %v", localEffects, servedEffects)
	}
}

// runEveryCommand runs the commands in a new data dir, with a server running when serving,
// and returns their normalised output and what they left in the store.
func runEveryCommand(t *testing.T, serving bool) ([]cliRun, []string) {
	t.Helper()
	data := t.TempDir()
	dir := t.TempDir()
	html := filepath.Join(dir, "aviso.html")
	if err := os.WriteFile(html, []byte("<p>Mantenimiento el domingo.</p>"), 0o600); err != nil {
		t.Fatal(err)
	}
	stop := func() string { return "" }
	if serving {
		_, stop = serveForTest(t, data)
		if _, err := os.Stat(ctl.Path(data)); err != nil {
			t.Fatalf("no control socket while serving: %v", err)
		}
	}
	const pw = "Clave-Segura-2026!\n"
	steps := []struct {
		stdin string
		args  []string
	}{
		{pw, []string{"client", "create", "--data", data, "--email", "ana@example.mx", "--name", "Ana López", "--password-stdin"}},
		{pw, []string{"client", "create", "--data", data, "--email", "ANA@example.mx", "--name", "Otra", "--password-stdin"}},
		{pw, []string{"staff", "create", "--data", data, "--email", "luis@soporte.mx", "--name", "Luis Pérez", "--role", "support", "--password-stdin"}},
		{pw, []string{"staff", "--data", data, "create", "--email", "eva@soporte.mx", "--password-stdin"}}, // a flag before "create"
		{pw, []string{"staff", "create", "--data", data, "--email", "luis@soporte.mx", "--password-stdin"}},
		{"", []string{"message", "send", "--data", data, "--client", "ana@example.mx", "--category", "general", "--subject", "Aviso", "--html-file", html}},
		{"", []string{"message", "send", "--data", data, "--client", "ana@example.mx", "--category", "marketing", "--subject", "Oferta", "--html-file", html}},
		{"", []string{"message", "send", "--data", data, "--client", "nadie@example.mx", "--category", "general", "--subject", "Aviso", "--html-file", html}},
		{"123456\n", []string{"pin", "verify", "--data", data, "--client", "ana@example.mx", "--staff", "luis@soporte.mx"}},
		{"123456\n", []string{"pin", "verify", "--data", data, "--client", "nadie@example.mx"}},
		{"", []string{"api", "token", "create", "--data", data, "--name", "billing"}},
		{"", []string{"api", "token", "create", "--data", data, "--name", "billing"}},
		{"", []string{"api", "token", "create", "--name", "crm", "--data", data}},
		{"", []string{"api", "token", "revoke", "--data", data, "--name", "crm"}},
		{"", []string{"api", "token", "revoke", "--data", data, "--name", "crm"}},
		{"", []string{"api", "token", "list", "--data", data}},
		{"", []string{"demo", "--data", data}},
		{"", []string{"audit", "verify", "--data", data}},
		{"", []string{"audit", "verify", "--data", data, "--client", "ana@example.mx"}},
		{"", []string{"backup", filepath.Join(dir, "zona.bak"), "--data", data}},
		{"", []string{"backup", "--data", data, filepath.Join(dir, "zona.bak")}},
	}
	var runs []cliRun
	for _, s := range steps {
		out, err := runCLI(t, s.stdin, s.args...)
		r := cliRun{args: s.args, out: normalise(out, data, dir)}
		if err != nil {
			r.err = normalise(err.Error(), data, dir)
		}
		runs = append(runs, r)
	}
	stop()
	if _, err := os.Stat(ctl.Path(data)); !os.IsNotExist(err) {
		t.Errorf("the control socket outlived the server: %v", err)
	}

	restored := t.TempDir()
	if out, err := runCLI(t, "", "restore", filepath.Join(dir, "zona.bak"), "--data", restored); err != nil || !strings.Contains(out, "audit ok") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	return runs, storeEffects(t, data)
}

var (
	reULID      = regexp.MustCompile(`\b[0-9A-HJKMNP-TV-Z]{26}\b`)
	reToken     = regexp.MustCompile(`(?m)^[A-Za-z0-9_-]{43}$`)
	reTime      = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)`)
	rePassword  = regexp.MustCompile(`Demo-[A-Za-z0-9_-]{12}-26`)
	reTabColumn = regexp.MustCompile(` {2,}`)
)

// normalise replaces what differs between two runs by its kind: IDs, tokens, times,
// passwords, the temporary directories.
func normalise(s, data, dir string) string {
	s = strings.NewReplacer(data, "DATA", dir, "DIR").Replace(s)
	s = reULID.ReplaceAllString(s, "ID")
	s = reToken.ReplaceAllString(s, "TOKEN")
	s = reTime.ReplaceAllString(s, "TIME")
	s = rePassword.ReplaceAllString(s, "PASSWORD")
	return reTabColumn.ReplaceAllString(s, "  ")
}

// storeEffects lists what the commands left in data's store, without IDs and times: the
// staff accounts with their roles, the API tokens, and every history entry of every client
// (the IDs it names replaced).
func storeEffects(t *testing.T, data string) []string {
	t.Helper()
	st, err := store.Open(data, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []string
	for _, email := range []string{"luis@soporte.mx", "eva@soporte.mx", "soporte@demo.zona.mx"} {
		s, err := st.StaffByEmail(email)
		if err != nil {
			t.Fatalf("staff %s: %v", email, err)
		}
		out = append(out, fmt.Sprintf("staff %s %s %s", s.Email, s.Name, s.Role))
	}
	tokens, err := st.APITokens()
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tokens {
		out = append(out, "token "+tk.Name)
	}
	ids, err := st.ClientIDs()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		c, err := st.ClientByID(id)
		if err != nil {
			t.Fatal(err)
		}
		page, err := st.QueryActivity(id, store.ActivityQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			out = append(out, reULID.ReplaceAllString(fmt.Sprintf("history %s: %s by %s %s %v %v", c.Email, e.Kind, e.Actor.Kind, e.Actor.Name, e.Detail, e.Changes), "ID"))
		}
	}
	return out
}
