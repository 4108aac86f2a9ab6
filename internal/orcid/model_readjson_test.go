package orcid

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEncodeReadJSON: the "as ORCID answers" rendering adds every property
// of ORCID's class (null, or [] for lists), keeps values, renames enums,
// and leaves out what ORCID's class does not have; the request encoding is
// untouched.
func TestEncodeReadJSON(t *testing.T) {
	di := int64(0)
	tests := []struct {
		name string
		v    any
		want string // exact output
	}{
		{"empty keyword", &Keyword{Content: "x"},
			`{"created-date":null,"last-modified-date":null,"source":null,"content":"x","visibility":null,"path":null,"put-code":null,"display-index":null}`},
		{"keyword with display-index and source",
			&Keyword{ItemMeta: ItemMeta{PutCode: 3, Source: NewClientSource("h", "APP-1", "C")}, DisplayIndex: &di, Content: "x"},
			`{"created-date":null,"last-modified-date":null,"source":{"source-orcid":null,"source-client-id":{"uri":"https://h/client/APP-1","path":"APP-1","host":"h"},` +
				`"source-name":{"value":"C"},"assertion-origin-orcid":null,"assertion-origin-client-id":null,"assertion-origin-name":null},` +
				`"content":"x","visibility":null,"path":null,"put-code":3,"display-index":0}`},
		{"history enum name", &History{CreationMethod: "Direct", VerifiedEmail: true},
			`{"creation-method":"DIRECT","completion-date":null,"submission-date":null,"last-modified-date":null,"claimed":null,"source":null,` +
				`"deactivation-date":null,"verified-email":true,"verified-primary-email":false}`},
		{"empty section lists are []", &Emails{Path: "/x/email"},
			`{"last-modified-date":null,"email":[],"path":"/x/email"}`},
		{"external ids keep every property", &WorkSummary{ExternalIDs: NewExternalIDs(ExternalID{Type: "doi", Value: "10.1/a"})},
			`{"put-code":null,"created-date":null,"last-modified-date":null,"source":null,"title":null,"external-ids":{"external-id":[` +
				`{"external-id-type":"doi","external-id-value":"10.1/a","external-id-normalized":null,"external-id-normalized-error":null,` +
				`"external-id-url":null,"external-id-relationship":null}]},"url":null,"type":null,"publication-date":null,"journal-title":null,` +
				`"visibility":null,"path":null,"display-index":null}`},
		{"bulk entries keep their one alternative", &Bulk{Items: []BulkItem{{Error: &ErrorBody{ResponseCode: 404, DeveloperMessage: "d"}}}},
			`{"bulk":[{"error":{"response-code":404,"developer-message":"d"}}]}`},
		{"types without a shape are plain JSON", &ErrorBody{ResponseCode: 400, DeveloperMessage: "a<b"},
			`{"response-code":400,"developer-message":"a<b"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EncodeReadJSON(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestEncodeReadJSONFullItems: ORCID's full Work, Funding and PeerReview
// have no display-index (AsFullItem drops it), the others and every
// summary do; each shape lists every property exactly once.
func TestEncodeReadJSONFullItems(t *testing.T) {
	for _, k := range Kinds() {
		it := NewItem(k)
		SetDisplayIndex(it, 1)
		full, err := EncodeReadJSON(AsFullItem(it))
		if err != nil {
			t.Fatal(err)
		}
		sum, err := EncodeReadJSON(SummaryOf(it))
		if err != nil {
			t.Fatal(err)
		}
		var fm, sm map[string]json.RawMessage
		if err := json.Unmarshal(full, &fm); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(sum, &sm); err != nil {
			t.Fatal(err)
		}
		_, fullHas := fm["display-index"]
		wantFull := k != KindWork && k != KindFunding && k != KindPeerReview
		if fullHas != wantFull {
			t.Errorf("%s: display-index on the full item = %v, want %v\n%s", k, fullHas, wantFull, full)
		}
		want := `"1"`
		if k.IsPerson() {
			want = `1`
		}
		if string(sm["display-index"]) != want {
			t.Errorf("%s summary: display-index %s, want %s", k, sm["display-index"], want)
		}
		for _, b := range [][]byte{full, sum} {
			for _, key := range []string{"created-date", "last-modified-date", "source", "put-code", "path", "visibility"} {
				if strings.Count(string(b), `"`+key+`":`) != 1 {
					t.Errorf("%s: %q not exactly once in %s", k, key, b)
				}
			}
		}
	}
	for name, spec := range readShapes {
		keys, err := parseShape(name)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k.name] {
				t.Errorf("shape %s lists %s twice", name, k.name)
			}
			seen[k.name] = true
			if k.shape != "" {
				if _, ok := readShapes[k.shape]; !ok {
					t.Errorf("shape %s: %s refers to unknown shape %s (%s)", name, k.name, k.shape, spec)
				}
			}
		}
	}
}

// TestRequestJSONUnchanged: the model's own encoding, which orcidlink sends
// to ORCID, still leaves absent fields out.
func TestRequestJSONUnchanged(t *testing.T) {
	b, err := json.Marshal(&Keyword{Content: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"content":"x"}` {
		t.Errorf("request JSON %s", b)
	}
}
