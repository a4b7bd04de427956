package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"zona/mail/mailtest"
	"zona/store"
)

// TestKillMidDelivery builds the zona binary, queues messages with "zona message send",
// and runs "zona serve" against a test SMTP server that holds the fourth message in the
// middle of its SMTP transaction. The test SIGKILLs zona there, lets the server drop that
// transaction (its client is gone, so it was never accepted), starts zona again, and
// checks that every message arrives exactly once.
func TestKillMidDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const total = 8
	bin := filepath.Join(t.TempDir(), "zona")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"client", "create", "--data", data, "--email", "ana@cliente.mx", "--name", "Ana López", "--password-stdin"},
		strings.NewReader("Un-Secreto-Largo-2024\n"), &out, &out); err != nil {
		t.Fatalf("client create: %v\n%s", err, out.String())
	}
	html := filepath.Join(t.TempDir(), "m.html")
	if err := os.WriteFile(html, []byte("<p>Su <b>aviso</b>.</p>"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range total {
		if err := run(ctx, []string{"message", "send", "--data", data, "--client", "ana@cliente.mx", "--category", "general",
			"--subject", fmt.Sprintf("Aviso %d", i), "--html-file", html}, nil, &out, &out); err != nil {
			t.Fatalf("message send: %v\n%s", err, out.String())
		}
	}

	var (
		mu      sync.Mutex
		n       int
		held    = make(chan struct{})
		release = make(chan struct{})
	)
	srv := mailtest.Start(t, mailtest.Options{Data: func(mailtest.Received) error {
		mu.Lock()
		n++
		hold := n == 4
		mu.Unlock()
		if !hold {
			return nil
		}
		close(held)
		<-release
		return mailtest.ErrTemporary // the client died mid-transaction: nothing was accepted
	}})

	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--data", data, "--addr", "127.0.0.1:0", "--log-level", "debug")
		cmd.Env = append(os.Environ(), "ZONA_SMTP_HOST=127.0.0.1", fmt.Sprintf("ZONA_SMTP_PORT=%d", srv.Port),
			"ZONA_SMTP_TLS=none", "ZONA_SMTP_FROM=Hosting <avisos@hosting.test>", "ZONA_SMTP_TIMEOUT=1s")
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				cmd.Wait()
			}
			if t.Failed() {
				t.Logf("zona output:\n%s", logs.String())
			}
		})
		return cmd
	}

	first := start()
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		t.Fatalf("the fourth message never reached the server; got %d", len(srv.Received()))
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	close(release)
	if got := len(srv.Received()); got != 3 {
		t.Fatalf("before the kill the server accepted %d messages, want 3", got)
	}

	second := start()
	srv.WaitFor(total, 30*time.Second)
	time.Sleep(3 * time.Second) // past the 2 s lease: a duplicate would have been sent by now
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Fatalf("zona serve after SIGTERM: %v", err)
	}

	seen := map[string]int{}
	for _, r := range srv.Received() {
		seen[r.MessageID()]++
	}
	if len(srv.Received()) != total || len(seen) != total {
		t.Errorf("server got %d messages with %d distinct Message-IDs, want %d", len(srv.Received()), len(seen), total)
	}
	st, err := store.Open(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.ClientByEmail("ana@cliente.mx")
	if err != nil {
		t.Fatal(err)
	}
	page, _, err := st.ListMessages(c.ID, store.MessageQuery{Limit: 50})
	if err != nil || len(page) != total {
		t.Fatalf("archive has %d messages (%v), want %d", len(page), err, total)
	}
	retried := 0
	for _, m := range page {
		cp := m.Copies[0]
		if cp.Status != store.CopySent {
			t.Errorf("%s: %s", m.Subject, cp.Status)
		}
		if seen["<"+cp.MessageID+">"] != 1 {
			t.Errorf("%s arrived %d times", m.Subject, seen["<"+cp.MessageID+">"])
		}
		if cp.Attempts == 2 {
			retried++
		}
	}
	if retried != 1 {
		t.Errorf("%d copies needed a second attempt, want the 1 killed mid-delivery", retried)
	}
	if n, err := st.VerifyActivity(c.ID); err != nil || n != 1+total {
		t.Errorf("history: %d entries, %v; want the account's creation and %d emails", n, err, total)
	}
}
