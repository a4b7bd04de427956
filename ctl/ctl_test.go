package ctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
)

// TestSocketLifecycle: a socket file left by a crashed server is replaced, the new one is
// its owner's alone, commands stream their output and error through it, and it is gone
// once the server stops, when Call reports that no server answers.
func TestSocketLifecycle(t *testing.T) {
	dir := t.TempDir()
	stale, err := net.Listen("unix", Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	if err := Call(context.Background(), dir, "echo", nil, io.Discard, io.Discard); !errors.Is(err, ErrNoServer) {
		t.Fatalf("a stale socket: %v, want ErrNoServer", err)
	}

	ln, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(Path(dir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ops := map[string]Op{"echo": func(_ context.Context, req []byte, stdout, stderr io.Writer) error {
		stdout.Write(bytes.Repeat(req, 3<<20/len(req))) // more than one frame
		fmt.Fprint(stderr, "to stderr")
		return errors.New("the command's error")
	}}
	go func() { done <- Serve(ctx, ln, ops, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	var out, errb bytes.Buffer
	err = Call(context.Background(), dir, "echo", []byte("abc"), &out, &errb)
	if err == nil || err.Error() != "the command's error" {
		t.Errorf("error: %v", err)
	}
	if out.Len() != 3<<20/3*3 || !bytes.HasPrefix(out.Bytes(), []byte("abcabc")) || errb.String() != "to stderr" {
		t.Errorf("output: %d bytes, stderr %q", out.Len(), errb.String())
	}
	if err := Call(context.Background(), dir, "nope", nil, io.Discard, io.Discard); err == nil || errors.Is(err, ErrNoServer) {
		t.Errorf("an unknown operation: %v", err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(Path(dir)); !os.IsNotExist(err) {
		t.Errorf("socket left after shutdown: %v", err)
	}
	if err := Call(context.Background(), dir, "echo", nil, io.Discard, io.Discard); !errors.Is(err, ErrNoServer) {
		t.Errorf("after shutdown: %v, want ErrNoServer", err)
	}
}
