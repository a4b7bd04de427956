package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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

// withStore opens the store in data for a command that runs while the server is stopped.
func withStore(data string, stderr io.Writer, fn func(*store.Store) error) error {
	st, err := store.Open(data, newLogger(stderr, "warn"))
	if err != nil {
		return fmt.Errorf("%w (stop the server first: Badger allows one process per data dir)", err)
	}
	defer st.Close()
	return fn(st)
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
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	role := fs.String("role", store.RoleAdmin, "admin (everything) or support (clients, messages, outbox)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkCLIEmail(*email); err != nil {
		return err
	}
	if !store.ValidRole(*role) {
		return fmt.Errorf("--role: admin or support")
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
	return withStore(*data, stderr, func(st *store.Store) error {
		s := &store.Staff{Email: *email, Name: *name, PasswordHash: hash, Role: *role}
		if err := st.CreateStaff(s); err != nil {
			return describe(err, *email)
		}
		fmt.Fprintf(stdout, "Staff account %s created (id %s, role %s).\n", s.Email, s.ID, s.Role)
		return nil
	})
}

func createClient(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("client create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	email := fs.String("email", "", "sign-in email")
	name := fs.String("name", "", "full name: first name(s), then last name")
	company := fs.String("company", "", "company (optional)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args); err != nil {
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
	return withStore(*data, stderr, func(st *store.Store) error {
		c := &store.Client{Email: *email, FirstName: first, LastName: last, Company: *company, PasswordHash: hash}
		if err := st.CreateClient(c, cliEvent(store.KindAccountCreated)); err != nil {
			return describe(err, *email)
		}
		fmt.Fprintf(stdout, "Client %s <%s> created (id %s).\n", c.Name(), c.Email, c.ID)
		return nil
	})
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

// demo seeds a demo client and a demo staff account and prints how to sign in. Run again,
// it gives both accounts new passwords.
func demo(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	const clientEmail, staffEmail = "cliente@demo.zona.mx", "soporte@demo.zona.mx"
	clientPW, staffPW := "Demo-"+secure.Token()[:12]+"-26", "Staff-"+secure.Token()[:12]+"-26"
	clientHash, err := secure.Hash(ctx, clientPW)
	if err != nil {
		return err
	}
	staffHash, err := secure.Hash(ctx, staffPW)
	if err != nil {
		return err
	}
	return withStore(*data, stderr, func(st *store.Store) error {
		c, err := st.ClientByEmail(clientEmail)
		switch {
		case errors.Is(err, store.ErrNotFound):
			c = &store.Client{Email: clientEmail, FirstName: "Ana", LastName: "López Ramírez",
				Company: "Abarrotes La Esperanza S.A. de C.V.", PasswordHash: clientHash}
			err = st.CreateClient(c, cliEvent(store.KindAccountCreated))
		case err == nil:
			ev := cliEvent(store.KindPasswordChanged)
			ev.Changes = []store.Change{{Field: "password", Secret: true}}
			_, err = st.UpdateClient(c.ID, c.Rev, func(c *store.Client) error { c.PasswordHash = clientHash; return nil }, ev)
		}
		if err != nil {
			return err
		}
		s, err := st.StaffByEmail(staffEmail)
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = st.CreateStaff(&store.Staff{Email: staffEmail, Name: "Soporte Demo", PasswordHash: staffHash})
		case err == nil:
			_, err = st.SetStaffPassword(s.ID, staffHash, "")
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Demo data ready in %s. Sign in at /login:\n  client  %s  %s\n  staff   %s  %s\n",
			*data, clientEmail, clientPW, staffEmail, staffPW)
		return nil
	})
}

// auditVerify checks the hash chains of the histories and names the first entry that does
// not match.
func auditVerify(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("usage: zona audit verify [--client EMAIL]")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	email := fs.String("client", "", "check only this client's history")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return withStore(*data, stderr, func(st *store.Store) error {
		var ids []string
		if *email != "" {
			c, err := st.ClientByEmail(*email)
			if err != nil {
				return fmt.Errorf("client %s: %w", *email, err)
			}
			ids = []string{c.ID}
		} else {
			var err error
			if ids, err = st.ClientIDs(); err != nil {
				return err
			}
		}
		total := 0
		for _, id := range ids {
			n, err := st.VerifyActivity(id)
			if err != nil {
				return fmt.Errorf("audit FAILED: %w", err)
			}
			total += n
		}
		fmt.Fprintf(stdout, "audit ok: %d entries in %d histories verified\n", total, len(ids))
		return nil
	})
}

func backup(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: zona backup FILE")
	}
	return withStore(*data, stderr, func(st *store.Store) error {
		f, err := os.OpenFile(fs.Arg(0), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if err := st.Backup(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backup written to %s\n", fs.Arg(0))
		return nil
	})
}

func restore(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: zona restore FILE")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	return withStore(*data, stderr, func(st *store.Store) error {
		if err := st.Restore(f); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "restored %s into %s\n", fs.Arg(0), *data)
		return nil
	})
}
