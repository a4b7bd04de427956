package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"zona/store"
)

// errPINNoMatch makes "zona pin verify" exit with status 1 when the PIN is wrong.
var errPINNoMatch = errors.New("the PIN does not match")

// pinVerify checks a client's security PIN read from the first line of stdin, for support
// staff confirming a caller's identity. It prints "match" or "no match"; after too many
// wrong PINs it refuses to check for a while. Every check is recorded in the client's
// history, naming the staff account given with --staff (else the CLI).
func pinVerify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	const use = "usage: zona pin verify --client EMAIL [--staff EMAIL] (PIN on stdin)"
	fs := flag.NewFlagSet("pin verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	client := fs.String("client", "", "the client's sign-in email")
	staff := fs.String("staff", "", "the staff account doing the check, recorded in the history")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if !slices.Equal(pos, []string{"verify"}) {
		return errors.New(use)
	}
	if err := checkCLIEmail(*client); err != nil {
		return fmt.Errorf("--client: a valid email address is required")
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return opPINVerify.do(ctx, *data, pinReq{Client: *client, Staff: *staff, PIN: strings.TrimSpace(line)}, stdout, stderr)
}

// pinReq carries the PIN to the server over the control socket, which only the data
// directory's owner may open.
type pinReq struct{ Client, Staff, PIN string }

var opPINVerify = operation[pinReq]{"pin-verify", func(ctx context.Context, st store.Records, r pinReq, stdout, _ io.Writer) error {
	c, err := st.ClientByEmail(r.Client)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no client signs in with %s", r.Client)
	} else if err != nil {
		return err
	}
	ev := store.Event{Actor: store.Actor{Kind: store.ActorSystem}, Detail: map[string]string{"via": "cli"}}
	if r.Staff != "" {
		s, err := st.StaffByEmail(r.Staff)
		if err != nil {
			return fmt.Errorf("--staff %s: no such staff account", r.Staff)
		}
		ev.Actor = store.Actor{Kind: store.ActorStaff, ID: s.ID, Name: s.Name}
	}
	res, wait, err := st.VerifyPIN(ctx, c.ID, r.PIN, ev)
	if err != nil {
		return err
	}
	switch res {
	case store.PINMatch:
		fmt.Fprintln(stdout, "match")
		return nil
	case store.PINNoMatch:
		fmt.Fprintln(stdout, "no match")
		return errPINNoMatch
	case store.PINLocked:
		fmt.Fprintln(stdout, "locked")
		return fmt.Errorf("too many wrong PINs for %s: checks are locked for %d more minutes", r.Client, int(wait.Minutes())+1)
	default:
		return fmt.Errorf("%s has no security PIN", r.Client)
	}
}}
