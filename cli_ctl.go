package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"zona/ctl"
	"zona/store"
)

// operation is the core of a CLI command: everything it does with the store, given the
// request its command line made (flags parsed, standard input and files read, passwords
// checked and hashed). The command runs it inside the server through the control socket
// when a server holds the data directory, else on the store it opens itself. It is one
// function either way, so the output, the exit status and the history entries are the same.
type operation[R any] struct {
	name string
	run  func(ctx context.Context, st store.Records, req R, stdout, stderr io.Writer) error
}

// do runs o with req in the server that holds data, or, when none answers, on the store
// opened here.
func (o operation[R]) do(ctx context.Context, data string, req R, stdout, stderr io.Writer) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	err = ctl.Call(ctx, data, o.name, body, stdout, stderr)
	if !errors.Is(err, ctl.ErrNoServer) {
		return err
	}
	return withStore(data, stderr, func(st store.Records) error { return o.run(ctx, st, req, stdout, stderr) })
}

func (o operation[R]) opName() string { return o.name }

// handler is o as the control socket runs it on the server's store.
func (o operation[R]) handler(st store.Records) ctl.Op {
	return func(ctx context.Context, body []byte, stdout, stderr io.Writer) error {
		var req R
		if err := json.Unmarshal(body, &req); err != nil {
			return fmt.Errorf("control socket: a bad %s request: %w", o.name, err)
		}
		return o.run(ctx, st, req, stdout, stderr)
	}
}

type controlOp interface {
	opName() string
	handler(store.Records) ctl.Op
}

// controlOps are the operations the control socket of a server holding st answers: every
// command but serve and restore.
func controlOps(st store.Records) map[string]ctl.Op {
	ops := map[string]ctl.Op{}
	for _, o := range []controlOp{opStaffCreate, opClientCreate, opDemo, opMessageSend, opPINVerify,
		opAuditVerify, opTokenCreate, opTokenList, opTokenRevoke, opBackup} {
		ops[o.opName()] = o.handler(st)
	}
	return ops
}

// withStore opens the store in data for a command that no server runs for it.
func withStore(data string, stderr io.Writer, fn func(store.Records) error) error {
	st, err := store.Open(data, newLogger(stderr, "warn"))
	if err != nil {
		return fmt.Errorf("%w (a zona serve holds this data dir without answering on %s yet, or restore was run while it serves: stop it first)", err, ctl.Path(data))
	}
	defer st.Close()
	return fn(st)
}

// parseArgs parses args with fs, flags before, between or after the positional arguments
// ("zona backup --data D FILE" and "zona backup FILE --data D" alike), and returns the
// positional ones. After "--" everything is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if i := len(args) - len(rest) - 1; i >= 0 && args[i] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}
