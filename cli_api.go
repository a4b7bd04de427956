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
func apiCommand(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	verb := ""
	if len(args) >= 2 && args[0] == "token" {
		verb = args[1]
	}
	fs := flag.NewFlagSet("api token "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	name := fs.String("name", "", "the token's name: who uses it (letters, digits, '-', '_', '.')")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "token" {
		return errors.New(apiUsage)
	}
	switch pos[1] {
	case "create":
		if !store.ValidTokenName(*name) {
			return errors.New("--name is required: 1 to 64 letters, digits, '-', '_' or '.'")
		}
		token := secure.Token()
		if err := opTokenCreate.do(ctx, *data, tokenReq{Name: *name, Hash: secure.TokenHash(token)}, stdout, stderr); err != nil {
			return err
		}
		fmt.Fprintln(stdout, token)
		return nil
	case "list":
		return opTokenList.do(ctx, *data, tokenReq{}, stdout, stderr)
	case "revoke":
		if *name == "" {
			return errors.New("--name is required")
		}
		return opTokenRevoke.do(ctx, *data, tokenReq{Name: *name}, stdout, stderr)
	}
	return errors.New(apiUsage)
}

// tokenReq names a token and, to create one, carries the SHA-256 of the token: the token
// itself never leaves the CLI, which prints it.
type tokenReq struct {
	Name string
	Hash []byte
}

var opTokenCreate = operation[tokenReq]{"api-token-create", func(_ context.Context, st store.Records, r tokenReq, _, stderr io.Writer) error {
	if _, err := st.CreateAPIToken(r.Name, r.Hash); err != nil {
		if errors.Is(err, store.ErrTokenNameTaken) {
			return fmt.Errorf("an API token named %q exists already (revoke it first)", r.Name)
		}
		return err
	}
	fmt.Fprintf(stderr, "API token %q created. It is shown only this once; send it as \"Authorization: Bearer TOKEN\".\n", r.Name)
	return nil
}}

var opTokenList = operation[tokenReq]{"api-token-list", func(_ context.Context, st store.Records, _ tokenReq, stdout, _ io.Writer) error {
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
}}

var opTokenRevoke = operation[tokenReq]{"api-token-revoke", func(_ context.Context, st store.Records, r tokenReq, stdout, _ io.Writer) error {
	if err := st.RevokeAPIToken(r.Name); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no API token named %q", r.Name)
		}
		return err
	}
	fmt.Fprintf(stdout, "API token %q revoked.\n", r.Name)
	return nil
}}
