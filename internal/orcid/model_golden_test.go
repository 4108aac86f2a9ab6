package orcid

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/model")

// checkGolden compares got with testdata/model/name, or rewrites the file
// with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "model", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is intended)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func marshalJSONIndent(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestGoldenEncodings pins the exact bytes the model emits for a populated
// work and a populated record, in both encodings, and checks that decoding
// the golden files gives the value back.
func TestGoldenEncodings(t *testing.T) {
	const orcid = "0000-0002-1825-0097"
	items := populatedItems(orcid)
	work := items[0].(*Work)
	rec := populatedRecord(t, orcid, items)

	tests := []struct {
		name string
		v    any
		mk   func() any
	}{
		{"work", work, func() any { return new(Work) }},
		{"record", rec, func() any { return new(Record) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := EncodeXML(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name+".xml", x)
			j := marshalJSONIndent(t, tc.v)
			checkGolden(t, tc.name+".json", j)

			fromXML, fromJSON := tc.mk(), tc.mk()
			if err := xml.Unmarshal(x, fromXML); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(j, fromJSON); err != nil {
				t.Fatal(err)
			}
			// The two decodings must carry the same content; compare them
			// through JSON, which ignores nil-vs-empty slices.
			a, _ := json.Marshal(fromXML)
			b, _ := json.Marshal(fromJSON)
			if !bytes.Equal(a, b) {
				t.Errorf("XML and JSON golden files decode differently:\nxml:  %s\njson: %s", a, b)
			}
			if !reflect.DeepEqual(fromJSON, tc.v) {
				t.Errorf("JSON golden file does not decode back to the value")
			}
		})
	}
}
