package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/orcidlink/orcidlink/internal/setup"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/web"
)

// "orcidlink admin" is for whoever runs the server: it reaches the database
// with serve's configuration, so it works while the server runs and when
// nobody can sign in to the admin UI. The logic is in internal/setup.

const adminUsage = `Usage:
  orcidlink admin reset-password [--config FILE] [--data DIR] EMAIL
      give the administrator a new one-time password (printed; it must be changed at the next sign-in)
      and sign out every session of the account
  orcidlink admin create-api-key [--config FILE] [--data DIR] --tenant SLUG [--name NAME]
      make a REST API key for the tenant; the key is printed alone on the last line

Both take serve's configuration (file, ORCIDLINK_* environment, --data) and work while the server runs.
`

func runAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return errUsage
	}
	switch args[0] {
	case "reset-password":
		return runResetPassword(ctx, args[1:], getenv, stdout, stderr)
	case "create-api-key":
		return runCreateAPIKey(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, adminUsage)
		return errHelp
	}
	fmt.Fprintf(stderr, "orcidlink admin: unknown command %q\n\n%s", args[0], adminUsage)
	return errUsage
}

// splitArgs separates the flags from the positional arguments, which may
// come before, between or after them ("reset-password EMAIL --data DIR"
// reads as naturally as the other order); the flag package alone stops at
// the first positional one.
func splitArgs(fs *flag.FlagSet, args []string) (flags, positional []string, err error) {
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return nil, nil, err
		}
		flags = append(flags, rest[:len(rest)-fs.NArg()]...)
		if fs.NArg() == 0 {
			return flags, positional, nil
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
}

// adminStore loads serve's configuration and opens its database.
func adminStore(ctx context.Context, f serveFlags, args []string, getenv func(string) string, stderr io.Writer) (*store.Store, error) {
	cfg, err := f.load(args, getenv)
	if err != nil {
		return nil, err
	}
	ring, err := keyRing(cfg, newLogger(cfg, stderr))
	if err != nil {
		return nil, err
	}
	return openStore(ctx, cfg, ring)
}

func parseErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	return errUsage
}

func runResetPassword(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newServeFlags("admin reset-password", "Gives the administrator with EMAIL a new one-time password, printed on the last line: "+
		"the next sign-in must choose another. Every session of the account is signed out and its lock lifted.\n\n"+
		"  orcidlink admin reset-password [flags] EMAIL", stderr)
	flags, pos, err := splitArgs(f.fs, args)
	if err != nil {
		return parseErr(err)
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		fmt.Fprintln(stderr, "orcidlink admin reset-password: give the administrator's EMAIL, once")
		f.fs.Usage()
		return errUsage
	}
	st, err := adminStore(ctx, f, flags, getenv, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	pw, err := setup.ResetPassword(ctx, st, pos[0], web.HashPassword)
	if errors.Is(err, setup.ErrNoSuchAdmin) {
		return fmt.Errorf("%w (the administrators' emails are listed on the admin UI's Administrators page)", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "New one-time password for %s: sign in with it and choose your own (the admin UI asks at once).\n"+
		"Every session of the account is signed out.\n%s\n", strings.TrimSpace(pos[0]), pw)
	return nil
}

func runCreateAPIKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newServeFlags("admin create-api-key", "Makes a REST API key for a tenant and prints it alone on the last line, once: "+
		"the server keeps only its hash.", stderr)
	tenant := f.fs.String("tenant", "", "the tenant's `SLUG` (required)")
	name := f.fs.String("name", "", "`NAME`: what the key is for, shown in the admin UI (default \""+setup.DefaultAPIKeyName+"\")")
	flags, pos, err := splitArgs(f.fs, args)
	if err != nil {
		return parseErr(err)
	}
	if len(pos) > 0 || strings.TrimSpace(*tenant) == "" {
		fmt.Fprintln(stderr, "orcidlink admin create-api-key: give --tenant SLUG, and no other argument")
		f.fs.Usage()
		return errUsage
	}
	st, err := adminStore(ctx, f, flags, getenv, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	k, key, err := setup.CreateAPIKey(ctx, st, *tenant, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API key %q (%s%s_…) for tenant %q, shown this once:\n%s\n", k.Name, store.APIKeyPrefix, k.Prefix, *tenant, key)
	return nil
}
