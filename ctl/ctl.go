// Package ctl is the control socket of a running "zona serve": HTTP over a Unix socket in
// the data directory, owner-only, through which the CLI's commands run inside the server
// when it holds the store (Badger allows one process per data directory).
//
// The protocol is one request per command: POST /v1/<operation> with the command's parsed
// request as JSON. The answer streams what the command writes, as frames of one kind byte
// ('o' standard output, 'e' standard error, 'x' the end), a 4-byte big-endian length and
// the payload. The end frame carries the command's error message, empty on success, so the
// CLI prints the same output and exits with the same status as when it runs the command
// itself.
package ctl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// SocketName is the control socket's file name inside the data directory.
const SocketName = "zona.sock"

// maxRequest bounds a request body: commands send flags and files (a message's HTML and
// text parts are at most 2 MiB each, its attachments 10 MiB in all, base64 in JSON).
const maxRequest = 32 << 20

const (
	frameStdout = 'o'
	frameStderr = 'e'
	frameEnd    = 'x'
)

// Path is the control socket of the data directory dir.
func Path(dir string) string { return filepath.Join(dir, SocketName) }

// Op runs one operation: it decodes req and writes what the command prints to stdout and
// stderr. Its error is reported to the CLI as the command's error.
type Op func(ctx context.Context, req []byte, stdout, stderr io.Writer) error

// Listen creates the control socket of dir, readable and writable by its owner alone. The
// caller holds the data directory's store, so any socket file already there was left by a
// server that crashed: it is replaced. Closing the listener removes the socket file.
func Listen(dir string) (net.Listener, error) {
	path := Path(dir)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("control socket: removing the stale %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	return ln, nil
}

// Serve answers the operations of ops on ln until ctx ends, then lets the commands under
// way finish (a backup, say) and returns.
func Serve(ctx context.Context, ln net.Listener, ops map[string]Op, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/{op}", func(w http.ResponseWriter, r *http.Request) {
		op, ok := ops[r.PathValue("op")]
		if !ok {
			http.Error(w, "unknown operation "+r.PathValue("op"), http.StatusNotFound)
			return
		}
		req, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequest))
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		fw := &frames{w: w, flush: http.NewResponseController(w).Flush}
		log.Info("control socket command", "op", r.PathValue("op"))
		msg := ""
		if err := op(r.Context(), req, fw.writer(frameStdout), fw.writer(frameStderr)); err != nil {
			msg = err.Error()
		}
		fw.write(frameEnd, []byte(msg))
	})
	srv := &http.Server{Handler: mux, BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return srv.Shutdown(context.Background())
}

// frames writes the frames of one answer.
type frames struct {
	mu    sync.Mutex
	w     io.Writer
	flush func() error
	err   error
}

func (f *frames) write(kind byte, p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return 0, f.err
	}
	head := binary.BigEndian.AppendUint32([]byte{kind}, uint32(len(p)))
	if _, f.err = f.w.Write(head); f.err == nil {
		_, f.err = f.w.Write(p)
	}
	if f.err == nil {
		f.err = f.flush()
	}
	if f.err != nil {
		return 0, f.err
	}
	return len(p), nil
}

type frameWriter struct {
	f    *frames
	kind byte
}

func (w frameWriter) Write(p []byte) (int, error) {
	// A frame's length is 4 bytes; a backup streams in writes of a few MB at most, but
	// split anyway so no write can overflow it.
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), 1<<20)]
		m, err := w.f.write(w.kind, chunk)
		n += m
		if err != nil {
			return n, err
		}
		p = p[len(chunk):]
	}
	return n, nil
}

func (f *frames) writer(kind byte) io.Writer { return frameWriter{f, kind} }

// ErrNoServer means no server answers on the data directory's control socket: the CLI then
// opens the store itself.
var ErrNoServer = errors.New("control socket: no server answers")

// Call runs operation op with req in the server listening on dir's control socket, copying
// what it prints to stdout and stderr, and returns the command's error. It returns
// ErrNoServer, having sent nothing, when no server listens there.
func Call(ctx context.Context, dir, op string, req []byte, stdout, stderr io.Writer) error {
	path := Path(dir)
	conn, err := (&net.Dialer{}).DialContext(ctx, "unix", path)
	if err != nil {
		// No socket file, or one left by a server that is gone: nobody holds the store
		// through it.
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return ErrNoServer
		}
		return fmt.Errorf("control socket %s: %w", path, err)
	}
	used := false
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			if used {
				return nil, errors.New("control socket: one connection per command")
			}
			used = true
			return conn, nil
		},
		DisableKeepAlives: true,
	}}
	defer hc.CloseIdleConnections()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://zona/v1/"+op, bytes.NewReader(req))
	if err != nil {
		conn.Close()
		return err
	}
	res, err := hc.Do(hreq)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("control socket: the server answered %s: %s", res.Status, strings.TrimSpace(string(body)))
	}
	return readFrames(bufio.NewReader(res.Body), stdout, stderr)
}

func readFrames(r *bufio.Reader, stdout, stderr io.Writer) error {
	var head [5]byte
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return fmt.Errorf("control socket: the server ended the command without an answer (%w)", err)
		}
		n := int64(binary.BigEndian.Uint32(head[1:]))
		switch head[0] {
		case frameStdout, frameStderr:
			w := stdout
			if head[0] == frameStderr {
				w = stderr
			}
			if _, err := io.CopyN(w, r, n); err != nil {
				return fmt.Errorf("control socket: %w", err)
			}
		case frameEnd:
			msg := make([]byte, n)
			if _, err := io.ReadFull(r, msg); err != nil {
				return fmt.Errorf("control socket: %w", err)
			}
			if len(msg) > 0 {
				return errors.New(string(msg))
			}
			return nil
		default:
			return fmt.Errorf("control socket: unknown frame %q", head[0])
		}
	}
}
