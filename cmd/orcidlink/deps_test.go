package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryHasNoTestingPackage: no test helper reaches the production
// binary. A package that imports "testing" (sandboxtest, storetest, ...)
// would register test flags and ship test code; what the bench commands
// need lives in packages that tests and the binary share (testbed,
// sandbox/signin).
func TestBinaryHasNoTestingPackage(t *testing.T) {
	// go test puts its own go command first on the PATH of tests.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the binary's packages: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	var bad []string
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "testing" || strings.HasPrefix(pkg, "testing/") ||
			(strings.HasPrefix(pkg, "github.com/orcidlink/orcidlink/") && strings.HasSuffix(pkg, "test")) {
			bad = append(bad, pkg)
		}
	}
	if len(bad) > 0 {
		t.Errorf("the orcidlink binary depends on test packages %v; move what it needs out of them", bad)
	}
}
