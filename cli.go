package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"zona/locales"
	"zona/secure"
	"zona/store"
)

// readPassword reads the first line of r, as --password-stdin promises, and applies the
// password policy with the account's email and name.
func readPassword(r io.Reader, personal ...string) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if key := secure.CheckPassword(pw, personal...); key != "" {
		return "", errors.New(locales.For(locales.EN).T(key))
	}
	return pw, nil
}

func cliEvent(kind string) store.Event {
	return store.Event{Kind: kind, Actor: store.Actor{Kind: store.ActorSystem}, Detail: map[string]string{"via": "cli"}}
}

func checkCLIEmail(email string) error {
	if email == "" || !strings.Contains(email, "@") || len(email) > 254 {
		return fmt.Errorf("--email: a valid email address is required")
	}
	return nil
}

func createStaff(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("staff create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	email := fs.String("email", "", "sign-in email")
	name := fs.String("name", "", "full name (default: the email's local part)")
	role := fs.String("role", store.RoleAdmin, "admin (everything) or support (clients, PIN desk, messages; never staff, tokens or settings)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := checkCLIEmail(*email); err != nil {
		return err
	}
	if !store.ValidRole(*role) {
		return fmt.Errorf("--role must be %s or %s", store.RoleAdmin, store.RoleSupport)
	}
	if !*pwStdin {
		return fmt.Errorf("--password-stdin is required: passwords are never taken as arguments")
	}
	if *name == "" {
		*name, _, _ = strings.Cut(*email, "@")
	}
	pw, err := readPassword(stdin, *email, *name)
	if err != nil {
		return err
	}
	hash, err := secure.Hash(ctx, pw)
	if err != nil {
		return err
	}
	return opStaffCreate.do(ctx, *data, staffCreateReq{Email: *email, Name: *name, Role: *role, PasswordHash: hash}, stdout, stderr)
}

type staffCreateReq struct{ Email, Name, Role, PasswordHash string }

var opStaffCreate = operation[staffCreateReq]{"staff-create", func(_ context.Context, st store.Records, r staffCreateReq, stdout, _ io.Writer) error {
	s := &store.Staff{Email: r.Email, Name: r.Name, Role: r.Role, PasswordHash: r.PasswordHash}
	if err := st.CreateStaff(s); err != nil {
		return describe(err, r.Email)
	}
	fmt.Fprintf(stdout, "Staff account %s created (id %s, role %s).\n", s.Email, s.ID, s.Role)
	return nil
}}

func createClient(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("client create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	email := fs.String("email", "", "sign-in email")
	name := fs.String("name", "", "full name: first name(s), then last name")
	company := fs.String("company", "", "company (optional)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := checkCLIEmail(*email); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return fmt.Errorf("--name is required")
	}
	if !*pwStdin {
		return fmt.Errorf("--password-stdin is required: passwords are never taken as arguments")
	}
	pw, err := readPassword(stdin, *email, *name, *company)
	if err != nil {
		return err
	}
	hash, err := secure.Hash(ctx, pw)
	if err != nil {
		return err
	}
	first, last := splitName(*name)
	return opClientCreate.do(ctx, *data, clientCreateReq{Email: *email, FirstName: first, LastName: last, Company: *company, PasswordHash: hash}, stdout, stderr)
}

type clientCreateReq struct{ Email, FirstName, LastName, Company, PasswordHash string }

var opClientCreate = operation[clientCreateReq]{"client-create", func(_ context.Context, st store.Records, r clientCreateReq, stdout, _ io.Writer) error {
	c := &store.Client{Email: r.Email, FirstName: r.FirstName, LastName: r.LastName, Company: r.Company, PasswordHash: r.PasswordHash}
	if err := st.CreateClient(c, cliEvent(store.KindAccountCreated)); err != nil {
		return describe(err, r.Email)
	}
	fmt.Fprintf(stdout, "Client %s <%s> created (id %s).\n", c.Name(), c.Email, c.ID)
	return nil
}}

// parseNoArgs parses a command's flags and refuses positional arguments, which it has none of.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fs, args)
	if err == nil && len(pos) > 0 {
		err = fmt.Errorf("zona %s: unexpected argument %q", fs.Name(), pos[0])
	}
	return err
}

// splitName splits a full name at its first space: "Ana López Ramírez" is "Ana" and
// "López Ramírez", the common case of one given name and two surnames.
func splitName(name string) (first, last string) {
	first, last, _ = strings.Cut(strings.Join(strings.Fields(name), " "), " ")
	return first, last
}

func describe(err error, email string) error {
	if errors.Is(err, store.ErrEmailTaken) {
		return fmt.Errorf("%s is already registered", email)
	}
	return err
}
