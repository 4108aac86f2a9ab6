package sandbox

import (
	"testing"
	"time"
)

// TestSearchQuerySemantics: Lucene's boolean rules (default OR, AND
// binding its neighbours, prohibited clauses, pure negative queries),
// fields on groups, phrases and slop, escapes, ranges and date math, on a
// single document.
func TestSearchQuerySemantics(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	d := newSearchDoc("0000-0002-1825-0097", 0)
	d.add("given-names", "Mary-Jane")
	d.add("family-name", "O'Neil Smith")
	d.add("keyword", "quantum field theory", "tea")
	d.add("doi-self", "10.1000/ABC")
	d.add("orcid", "0000-0002-1825-0097")
	d.dates["profile-submission-date"] = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		q    string
		want bool
	}{
		{"keyword:tea", true},
		{"keyword:coffee", false},
		{"keyword:coffee keyword:tea", true},                   // OR by default
		{"keyword:coffee AND keyword:tea", false},              // AND binds both sides
		{"keyword:coffee OR keyword:tea AND keyword:x", false}, // +tea +x coffee
		{"keyword:tea && keyword:quantum", true},
		{"keyword:tea || keyword:x", true},
		{"keyword:tea -keyword:quantum", false},
		{"keyword:tea !keyword:quantum", false},
		{"-keyword:coffee", true}, // pure negative matches the rest
		{"(-keyword:tea)", false},
		{"keyword:(coffee OR tea)", true},
		{"keyword:(coffee AND tea)", false},
		{"+keyword:tea +given-names:jane", true}, // Mary-Jane is two tokens
		{`keyword:"quantum field"`, true},
		{`keyword:"field quantum"`, false},
		{`keyword:"quantum theory"`, false},
		{`keyword:"quantum theory"~1`, true},
		{`keyword:"theory tea"`, false}, // no phrase across values
		{"keyword:quant*", true},
		{"keyword:QUANT*", true},
		{"keyword:q?antum", true},
		{`keyword:quant\*`, false},
		{"keyword:quantun~1", true},
		{"keyword:qantun~1", false},
		{"keyword:tea^2", true},
		{"(keyword:tea)^3", true},
		{"family-name:o'neil", true},
		{"family-name:smith", true},
		{`doi-self:10.1000\/ABC`, true},
		{`doi-self:"10.1000/ABC"`, true},
		{`doi-self:"10.1000/abc"`, false}, // strings are case-sensitive
		{"doi-self:10.1000*", true},
		{"doi-self:[10.0 TO 10.2]", true},
		{"doi-self:{10.1000/ABC TO *]", false},
		{"keyword:[t TO u]", true},
		{"orcid:0000-0002-1825-0097", true},
		{"0000-0002-1825-0097", true}, // the text field holds every value
		{"keyword:*", true},
		{"credit-name:*", false},
		{"*:*", true},
		{"profile-submission-date:[2020-01-01T00:00:00Z TO 2020-02-01T00:00:00Z]", true},
		{"profile-submission-date:[NOW-1YEAR TO NOW]", false},
		{"profile-submission-date:[NOW-10YEARS/DAY TO *]", true},
		{`profile-submission-date:"2020-01-02T03:04:05Z"`, true},
	}
	for _, c := range cases {
		q, err := parseSearchQuery(c.q, nil, now)
		if err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		got := false
		if q != nil {
			got, _ = q.match(d)
		}
		if got != c.want {
			t.Errorf("%s: match %v, want %v", c.q, got, c.want)
		}
	}

	// edismax with qf searches bare terms in the qf fields.
	q, err := parseSearchQuery("smith", []string{"given-names", "family-name"}, now)
	if err != nil || q == nil {
		t.Fatal(err)
	}
	if ok, _ := q.match(d); !ok {
		t.Error("qf fields not searched")
	}
	if q, _ := parseSearchQuery("tea", []string{"family-name"}, now); q != nil {
		if ok, _ := q.match(d); ok {
			t.Error("a term outside the qf fields matched")
		}
	}

	for _, bad := range []string{"keyword:(tea", "keyword:tea)", "AND keyword:tea", "keyword:tea AND", "keyword:", `keyword:"tea`,
		"keyword:[a TO", "keyword:/tea", "nosuchfield:x", "profile-submission-date:yesterday", `keyword:tea\`, "keyword:tea^"} {
		if _, err := parseSearchQuery(bad, nil, now); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
	deep := ""
	for range maxQueryDepth + 1 {
		deep += "("
	}
	if _, err := parseSearchQuery(deep+"tea", nil, now); err == nil {
		t.Error("nesting beyond maxQueryDepth accepted")
	}
}
