package batch_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/orcidlink/orcidlink/internal/batch"
)

// TestDoc: the column tables and problem codes of doc/batch.md are those
// of the parser (run with -update to rewrite them).
func TestDoc(t *testing.T) {
	path := filepath.Join("..", "..", "doc", "batch.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := []byte("<!-- columns:begin -->\n"), []byte("<!-- columns:end -->")
	i, j := bytes.Index(doc, begin), bytes.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no columns markers", path)
	}
	var gen bytes.Buffer
	if err := batch.WriteDoc(&gen); err != nil {
		t.Fatal(err)
	}
	if *update {
		out := append(append(append([]byte{}, doc[:i+len(begin)]...), gen.Bytes()...), doc[j:]...)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := doc[i+len(begin) : j]; !bytes.Equal(got, gen.Bytes()) {
		t.Errorf("the columns of %s differ from the parser's; run go test -run TestDoc -update ./internal/batch/", path)
	}
	for _, k := range batch.Kinds() {
		if !bytes.Contains(doc, []byte("### "+string(k))) {
			t.Errorf("%s does not describe %s files", path, k)
		}
	}
}
