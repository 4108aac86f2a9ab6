package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// bodies are the request bodies the REST API decodes, each as a new value
// of its type and the base of its JSON pointers: the inputs of the routes,
// then an ORCID item of every kind, as items.go decodes them.
func bodies() []struct {
	base string
	new  func() any
} {
	out := []struct {
		base string
		new  func() any
	}{
		{"", func() any { return new(personInput) }},
		{"", func() any { return new(itemInput) }},
		{"", func() any { return new(itemPutInput) }},
		{"", func() any { return new(articleInput) }},
		{"", func() any { return new(reviewInput) }},
		{"", func() any { return new(importInput) }},
		{"", func() any { return new(editorInput) }},
		{"", func() any { return new(endpointInput) }},
		{"", func() any { return new(invitationInput) }},
		{"", func() any { return new(tenantPatch) }},
		{"", func() any { return new(connectLinkInput) }},
		{"", func() any { return new(connectLinkByEmailInput) }},
		{"", func() any { return new(resultVerifyInput) }},
	}
	for _, k := range orcid.Kinds() {
		out = append(out, struct {
			base string
			new  func() any
		}{"/item", func() any { return orcid.NewItem(k) }})
	}
	return out
}

// FuzzDecodeBody feeds any bytes to the REST API's JSON decoding, as any
// of its bodies. It never panics; what it refuses is a 400 or a 422
// problem whose texts are UTF-8 and bounded by the body; what it accepts
// encodes again, and decoding that gives the same encoding (what parses
// re-parses to itself); and an accepted ORCID item goes through
// Canonicalize and Validate without panicking.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"given_names":"Ana","family_names":"Lima","email":"ana@example.org","external_ref":"E1","language":"en"}`,
		`{"key":"k1","item":{"title":{"title":{"value":"T"}},"type":"journal-article"}}`,
		`{"key":"a-1","title":"On Things","contributors":[{"person_id":1,"roles":["http://credit.niso.org/contributor-roles/software/"]},{"name":"Ana"}]}`,
		`{"only_valid":true,"invite":null}`, `{"organization":{"name":"P","address":{"city":"T","country":"NZ"}}}`,
		`{"url":"https://hooks.example.org/x","event_types":["item.synced"]}`, `{"unknown":1}`, `{"given_names":7}`,
		`[]`, `null`, `{} {}`, `{"a":` + string(bytes.Repeat([]byte("["), 100)), "\xff", `{"given_names":"\ud800"}`,
	} {
		for i := range bodies() {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		all := bodies()
		b := all[int(which)%len(all)]
		v := b.new()
		err := decode(body, b.base, v)
		if err != nil {
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("decode(%q) failed with %T, not a problem: %v", body, err, err)
			}
			if p.Status != http.StatusBadRequest && p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("decode(%q): status %d", body, p.Status)
			}
			text := p.Detail
			for _, fe := range p.Errors {
				text += fe.Pointer + fe.Detail
			}
			if !utf8.ValidString(text) || len(text) > 2*len(body)+400 {
				t.Fatalf("decode(%q): a problem of %d bytes, or not UTF-8: %q", body, len(text), text)
			}
			return
		}
		once, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decode(%q) accepted what does not encode: %v", body, err)
		}
		again := b.new()
		if err := decode(once, b.base, again); err != nil {
			t.Fatalf("decode(%q) accepted it, but not its encoding %s: %v", body, once, err)
		}
		twice, err := json.Marshal(again)
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("decode(%q) encodes as\n%s\nbut that decodes and encodes as\n%s (%v)", body, once, twice, err)
		}
		if x, ok := v.(orcid.Item); ok {
			orcid.Canonicalize(x)
			_ = orcid.Validate(x)
		}
	})
}
