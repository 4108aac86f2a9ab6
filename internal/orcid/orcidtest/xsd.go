// Package orcidtest holds test helpers for code that produces ORCID v3.0
// XML: locating the vendored ORCID schemas and validating documents against
// them with xmllint.
//
// It deliberately does not import package orcid, so that orcid's own tests
// can use it without an import cycle.
package orcidtest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/testenv"
)

// SchemaDir returns ORCID's orcid-model directory (holding common_3.0 and
// record_3.0): ORCIDLINK_ORCID_MODEL, or ../shared/reference/orcid-model
// beside the checkout (package testenv), or an error saying where it
// looked and how to provide it.
func SchemaDir() (string, error) {
	f, err := testenv.Process().Find(context.Background(), testenv.ORCIDModel)
	if err != nil {
		return "", err
	}
	if f.Value == "" {
		return "", fmt.Errorf("orcidtest: ORCID's orcid-model is missing: %s", f.Missing)
	}
	return f.Value, nil
}

const nsPrefix = "http://www.orcid.org/ns/"

// SchemaFor returns the XSD, relative to SchemaDir, whose target namespace
// is ns (the table in the orcid-model README). ok is false for namespaces
// without a vendored schema, such as group-id.
func SchemaFor(ns string) (file string, ok bool) {
	section, found := strings.CutPrefix(ns, nsPrefix)
	if !found || section == "" || strings.ContainsAny(section, "/.\\") {
		return "", false
	}
	switch section {
	case "common":
		return "common_3.0/common-3.0.xsd", true
	case "external-identifier":
		return "record_3.0/person-external-identifier-3.0.xsd", true
	case "group-id", "notification", "client", "summary":
		return "", false
	}
	return "record_3.0/" + section + "-3.0.xsd", true
}

// RootNamespace returns the namespace of doc's root element.
func RootNamespace(doc []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return "", errors.New("orcidtest: document has no root element")
		}
		if err != nil {
			return "", err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Space, nil
		}
	}
}

// ModelDir returns ORCID's orcid-model directory (XSDs and samples) for
// a test that cannot run without it: a clone without the reference
// material skips such a test, saying so, unless ORCIDLINK_REQUIRE lists
// "orcid-model" (CI does), which makes its absence a failure.
func ModelDir(t testing.TB) string {
	t.Helper()
	return testenv.ORCIDModelDir(t)
}

// ValidateXML validates doc against the schema of namespace ns, or of the
// root element's namespace when ns is "". It skips the test when xmllint is
// not installed, unless ORCIDLINK_REQUIRE lists "xmllint".
func ValidateXML(t testing.TB, ns string, doc []byte) {
	t.Helper()
	if ns == "" {
		var err error
		if ns, err = RootNamespace(doc); err != nil {
			t.Fatalf("orcidtest: %v", err)
		}
	}
	file, ok := SchemaFor(ns)
	if !ok {
		t.Fatalf("orcidtest: no vendored schema for namespace %q", ns)
	}
	ValidateXMLSchema(t, file, doc)
}

// ValidateXMLSchema validates doc with `xmllint --noout --schema`, against
// schemaFile given relative to SchemaDir (or absolute). An invalid document
// is reported with t.Errorf together with xmllint's messages.
func ValidateXMLSchema(t testing.TB, schemaFile string, doc []byte) {
	t.Helper()
	xmllint := testenv.XMLLintPath(t)
	if !filepath.IsAbs(schemaFile) {
		dir, err := SchemaDir()
		if err != nil {
			// A clone without the reference material beside it: the
			// document cannot be checked, but the test that produced it
			// goes on (only this check is left out, and says so).
			if testenv.Required(testenv.ORCIDModel) {
				t.Fatalf("%v (%s requires the reference material)", err, testenv.EnvRequire)
			}
			t.Logf("%v: XML schema check skipped (set %s=orcid-model to make this a failure)", err, testenv.EnvRequire)
			return
		}
		schemaFile = filepath.Join(dir, schemaFile)
	}
	if _, err := os.Stat(schemaFile); err != nil {
		t.Fatalf("orcidtest: schema: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, xmllint, "--noout", "--nonet", "--schema", schemaFile, "-")
	cmd.Stdin = bytes.NewReader(doc)
	out, err := cmd.CombinedOutput()
	if err == nil {
		return
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("orcidtest: running xmllint: %v\n%s", err, out)
	}
	t.Errorf("document is not valid against %s:\n%s\n--- document ---\n%s",
		filepath.Base(schemaFile), out, truncate(doc, 6000))
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "\n... (truncated)"
}
