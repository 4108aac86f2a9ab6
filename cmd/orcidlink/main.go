// Command orcidlink connects an organisation's people to ORCID.
//
// Usage:
//
//	orcidlink serve [--config FILE] [--listen ADDR] [--data DIR]      run orcidlink
//	orcidlink check-config [--config FILE]                            report every configuration problem
//	orcidlink rotate-key [--config FILE]                              re-seal secrets under the newest key
//	orcidlink admin reset-password [--config FILE] EMAIL             print a one-time password for an administrator
//	orcidlink admin create-api-key [--config FILE] --tenant SLUG      print a new REST API key for a tenant
//	orcidlink sandbox [--listen ADDR] [--db PATH] [--seed FILE]       run the offline ORCID registry
//	orcidlink bench sync [--works N] [--people M] [--rate R]          measure sync against the registry
//	orcidlink bench backfill [--people N --works-per-person M --db D] measure bulk backfills against the registry
//	orcidlink bench http [flags]                                       measure pages and API under load
//	orcidlink bench scale [flags]                                      measure a consortium-sized PostgreSQL
//	orcidlink review-pack --tenant SLUG [--out FILE] [--config FILE]   evidence for ORCID's integration review
//	orcidlink version
//
// Run "orcidlink COMMAND --help" for the flags of a command.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `orcidlink connects an organisation's people to ORCID.

Usage:
  orcidlink serve [flags]          run orcidlink (with no configuration: SQLite in ./data, the built-in
                                   ORCID sandbox, emails kept in the outbox)
  orcidlink check-config [flags]   check the configuration and report every problem at once
  orcidlink rotate-key [flags]     re-encrypt stored tokens and secrets under the newest key
  orcidlink admin reset-password EMAIL
                                   give an administrator a one-time password (they choose their own at sign-in)
  orcidlink admin create-api-key --tenant SLUG [--name NAME]
                                   make a REST API key for a tenant, printed on the last line
  orcidlink sandbox [flags]        run the offline ORCID registry on its own
  orcidlink bench sync [flags]     push works through the offline registry at its rate limit and report
  orcidlink bench backfill [flags] push a backfill in bulk requests (up to 100 works each) and report
  orcidlink bench http [flags]     measure pages and the REST API under concurrent load
  orcidlink bench scale [flags]    fill PostgreSQL with synthetic tenants, people and items and time the heaviest pages
  orcidlink review-pack --tenant SLUG [flags]
                                   write the evidence ORCID's integration review asks for: one HTML file
                                   with a screenshot of every researcher step and the documentation
  orcidlink version                print the version

Run "orcidlink COMMAND --help" for a command's flags.
`

// run is main without the process: it returns the exit code, so tests can
// call it with their own arguments and writers.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], getenv, stdout, stderr)
	case "check-config":
		err = runCheckConfig(ctx, args[1:], getenv, stdout, stderr)
	case "rotate-key":
		err = runRotateKey(ctx, args[1:], getenv, stdout, stderr)
	case "admin":
		err = runAdmin(ctx, args[1:], getenv, stdout, stderr)
	case "sandbox":
		err = runSandbox(ctx, args[1:], stdout, stderr)
	case "bench":
		err = runBench(ctx, args[1:], stdout, stderr)
	case "review-pack":
		err = runReviewPack(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "orcidlink", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "orcidlink: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "orcidlink:", err)
		return 1
	}
	return 0
}
