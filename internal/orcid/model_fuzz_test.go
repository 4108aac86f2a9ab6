package orcid

import (
	"encoding/json"
	"encoding/xml"
	"github.com/orcidlink/orcidlink/internal/orcid/orcidtest"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeWork feeds arbitrary bytes to both decoders, the emulator's
// first contact with client input. Decoding may fail but must not panic,
// and whatever decodes must encode again in both forms and decode back.
func FuzzDecodeWork(f *testing.F) {
	// The samples seed the corpus when they are beside the checkout.
	if dir, err := orcidtest.SchemaDir(); err == nil {
		for _, name := range []string{"work-full-3.0.json", "work-full-3.0.xml", "work-simple-3.0.xml", "bulk-work-3.0.xml"} {
			if b, err := os.ReadFile(filepath.Join(dir, "record_3.0", "samples", "write_samples", name)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"title":"x","url":7,"publication-date":{"year":{"value":2020}},"created-date":{"value":"2020-01-01T00:00:00Z"}}`))
	f.Add([]byte(`<work xmlns="http://www.orcid.org/ns/work"><created-date xmlns="http://www.orcid.org/ns/common">x</created-date></work>`))
	f.Add([]byte(`{"external-ids":{"external-id":[null,{"external-id-url":[]}]},"contributors":{"contributor":[{}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fromJSON Work
		if json.Unmarshal(data, &fromJSON) == nil {
			reencode(t, &fromJSON)
		}
		var fromXML Work
		if xml.Unmarshal(data, &fromXML) == nil {
			reencode(t, &fromXML)
		}
		var b Bulk
		if xml.Unmarshal(data, &b) == nil {
			if _, err := xml.Marshal(b); err != nil {
				t.Fatalf("decoded bulk does not encode: %v", err)
			}
		}
	})
}

func reencode(t *testing.T, w *Work) {
	t.Helper()
	j, err := json.Marshal(w)
	if err != nil {
		t.Fatalf("decoded work does not encode to JSON: %v", err)
	}
	if err := json.Unmarshal(j, new(Work)); err != nil {
		t.Fatalf("re-encoded JSON does not decode: %v\n%s", err, j)
	}
	x, err := xml.Marshal(w)
	if err != nil {
		t.Fatalf("decoded work does not encode to XML: %v", err)
	}
	if err := xml.Unmarshal(x, new(Work)); err != nil {
		t.Fatalf("re-encoded XML does not decode: %v\n%s", err, x)
	}
}
