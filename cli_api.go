package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"zona/secure"
	"zona/store"
)

const apiUsage = "usage: zona api token create|list|revoke [--name NAME] [--data DIR]"

// apiCommand manages the bearer tokens of the JSON API: "zona api token create --name N"
// prints a new token once (only its SHA-256 is stored), "list" shows names and dates,
// "revoke --name N" deletes one, which stops working at once.
func apiCommand(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "token" {
		return errors.New(apiUsage)
	}
	verb := args[1]
	fs := flag.NewFlagSet("api token "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	name := fs.String("name", "", "the token's name: who uses it (letters, digits, '-', '_', '.')")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	switch verb {
	case "create":
		if !store.ValidTokenName(*name) {
			return errors.New("--name is required: 1 to 64 letters, digits, '-', '_' or '.'")
		}
		token := secure.Token()
		return withStore(*data, stderr, func(st *store.Store) error {
			if _, err := st.CreateAPIToken(*name, secure.TokenHash(token)); err != nil {
				if errors.Is(err, store.ErrTokenNameTaken) {
					return fmt.Errorf("an API token named %q exists already (revoke it first)", *name)
				}
				return err
			}
			fmt.Fprintf(stderr, "API token %q created. It is shown only this once; send it as \"Authorization: Bearer TOKEN\".\n", *name)
			fmt.Fprintln(stdout, token)
			return nil
		})
	case "list":
		return withStore(*data, stderr, func(st *store.Store) error {
			tokens, err := st.APITokens()
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tCREATED\tLAST USED")
			for _, t := range tokens {
				used := "never"
				if !t.LastUsedAt.IsZero() {
					used = t.LastUsedAt.Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, t.CreatedAt.Format(time.RFC3339), used)
			}
			return w.Flush()
		})
	case "revoke":
		if *name == "" {
			return errors.New("--name is required")
		}
		return withStore(*data, stderr, func(st *store.Store) error {
			if err := st.RevokeAPIToken(*name); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no API token named %q", *name)
				}
				return err
			}
			fmt.Fprintf(stdout, "API token %q revoked.\n", *name)
			return nil
		})
	}
	return errors.New(apiUsage)
}
