package articlemeta

// Validation against the published schemas, found on this machine, never
// in the repository: .ci/run installs npm's @pubpub/deposit-utils@0.1.10
// (MIT), which ships the schema tree it fetched from Crossref (its
// dist/esm/crossref/cache/xsd/: data.crossref.org/schemas/ holds
// crossref5.3.1.xsd with common5.3.1.xsd and the modules it imports, and
// the XSD form of JATS Journal Publishing 1.3d2 with MathML 3 that
// Crossref hosts; www.w3.org/Math/XMLSchema/mathml3/ holds W3C's MathML 3
// schema), into the directory testenv.MetadataSchemasDir finds
// (ORCIDLINK_METADATA_SCHEMAS, by default the user's cache directory's
// orcidlink/metadata-schemas). Without it the tests that validate skip,
// saying so, unless ORCIDLINK_REQUIRE names "metadata-schemas" (CI does):
// then they fail.
//
// JATS 1.3d2 is the last draft of JATS 1.3 (NISO Z39.96-2021); for the
// elements written here (contrib-group, contrib, contrib-id with
// @authenticated, name, string-name, role with the vocabulary attributes)
// the two declare the same models.

import (
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/testenv"
)

const (
	crossrefXSD = "data.crossref.org/schemas/crossref5.3.1.xsd"
	// jatsElements declares JATS Journal Publishing 1.3d2's elements
	// without a namespace (Crossref's driver file puts them in its own
	// JATS1 namespace for abstracts; a JATS article has none, so the
	// tests include the declarations from a driver of their own).
	jatsElements = "data.crossref.org/schemas/JATS-journalpublishing1-3d2-mathml3-elements.xsd"
	mathML       = "www.w3.org/Math/XMLSchema/mathml3/mathml3.xsd"
)

func fileURL(path string) string { return (&url.URL{Scheme: "file", Path: path}).String() }

// schemaSet is where the two schemas are, ready for xmllint.
type schemaSet struct {
	crossref, jats string
	catalog        string // XML catalog sending the schemas' http imports to the local tree
}

func schemas(t *testing.T) schemaSet {
	t.Helper()
	root := testenv.MetadataSchemasDir(t)
	tmp := t.TempDir()
	// crossref5.3.1.xsd imports MathML by its http address: the catalog
	// maps it (and Crossref's own) to the files, and --nonet makes any
	// address left unmapped an error rather than a download.
	catalog := `<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <rewriteURI uriStartString="http://www.w3.org/Math/XMLSchema/" rewritePrefix="` + fileURL(filepath.Join(root, "www.w3.org/Math/XMLSchema")) + `/"/>
  <rewriteURI uriStartString="http://data.crossref.org/schemas/" rewritePrefix="` + fileURL(filepath.Join(root, "data.crossref.org/schemas")) + `/"/>
</catalog>
`
	modules := filepath.Join(root, "data.crossref.org/schemas/standard-modules")
	driver := `<?xml version="1.0"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <xsd:import namespace="http://www.w3.org/1999/xlink" schemaLocation="` + fileURL(filepath.Join(modules, "xlink.xsd")) + `"/>
  <xsd:import namespace="http://www.w3.org/1998/Math/MathML" schemaLocation="` + fileURL(filepath.Join(root, mathML)) + `"/>
  <xsd:import namespace="http://www.niso.org/schemas/ali/1.0/" schemaLocation="` + fileURL(filepath.Join(modules, "module-ali.xsd")) + `"/>
  <xsd:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="` + fileURL(filepath.Join(modules, "xml.xsd")) + `"/>
  <xsd:include schemaLocation="` + fileURL(filepath.Join(root, jatsElements)) + `"/>
</xsd:schema>
`
	s := schemaSet{crossref: filepath.Join(root, crossrefXSD), jats: filepath.Join(tmp, "jats-publishing-1.3d2.xsd"),
		catalog: filepath.Join(tmp, "catalog.xml")}
	for path, text := range map[string]string{s.catalog: catalog, s.jats: driver} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// xmllint validates each of docs (by name) against schema in one run of
// xmllint, since compiling the schemas is most of its time. It returns,
// per name, whether the document is valid, and xmllint's messages
// (warnings left out). The test ends through testenv without xmllint.
func (s schemaSet) xmllint(t *testing.T, schema string, docs map[string][]byte) (valid map[string]bool, msgs string) {
	t.Helper()
	bin := testenv.XMLLintPath(t)
	dir := t.TempDir()
	args := []string{"--noout", "--nonet", "--schema", schema}
	for name, doc := range docs {
		path := filepath.Join(dir, name+".xml")
		if err := os.WriteFile(path, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+s.catalog)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running xmllint: %v\n%s", err, out)
	}
	valid = map[string]bool{}
	var lines []string
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || strings.Contains(line, "parser warning") {
			continue
		}
		lines = append(lines, line)
		for name := range docs {
			switch line {
			case filepath.Join(dir, name+".xml") + " validates":
				valid[name] = true
			case filepath.Join(dir, name+".xml") + " fails to validate":
				valid[name] = false
			}
		}
	}
	for name := range docs {
		if _, ok := valid[name]; !ok {
			t.Fatalf("xmllint said nothing of %s:\n%s", name, out)
		}
	}
	return valid, strings.Join(lines, "\n")
}
