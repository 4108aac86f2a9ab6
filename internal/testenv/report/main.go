// Command report says what the tests will find on this machine, with the
// code they use (package testenv): for each need, where it was found, or
// the one-line reason the tests needing it will skip, or fail when
// ORCIDLINK_REQUIRE names it.
//
//	go run ./internal/testenv/report
//
// It exits 1 when a test would fail for want of something required. A
// name in ORCIDLINK_REQUIRE it does not know is pointed out (a typo, or a
// need of a package's own tests that testenv does not look for).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/orcidlink/orcidlink/internal/testenv"
)

func main() {
	if !report(context.Background(), os.Stdout, testenv.Load(testenv.Config{})) {
		os.Exit(1)
	}
}

// report writes one line per need and says whether every need
// ORCIDLINK_REQUIRE names was found.
func report(ctx context.Context, w io.Writer, env *testenv.Env) bool {
	ok := true
	for _, name := range testenv.Needs() {
		f, err := env.Find(ctx, name)
		if err != nil {
			fmt.Fprintf(w, "%-17s error: %v\n", name, err)
			ok = false
			continue
		}
		switch f.Verdict {
		case testenv.Run:
			fmt.Fprintf(w, "%-17s found: %s\n", name, f.Value)
		case testenv.Skip:
			fmt.Fprintf(w, "%-17s tests needing it skip: %s\n", name, f.Missing)
		case testenv.Fail:
			fmt.Fprintf(w, "%-17s tests needing it FAIL (%s names it): %s\n", name, testenv.EnvRequire, f.Missing)
			ok = false
		}
	}
	if u := env.Unknown(); len(u) > 0 {
		fmt.Fprintf(w, "note: %s also names %s, which this report does not look for (it knows %s)\n", testenv.EnvRequire,
			strings.Join(u, ", "), strings.Join(testenv.Needs(), ", "))
	}
	return ok
}
