package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcid/orcidtest"
)

// recordFullSample is ORCID's real JSON answer for a full record, read in
// place from the shared reference.
func recordFullSample(t testing.TB) string {
	t.Helper()
	return filepath.Join(orcidtest.ModelDir(t), "record_3.0", "samples", "read_samples", "record-full-3.0.json")
}

// shapeExceptions are key paths ORCID's answer has that the offline
// registry cannot produce, each with the reason. A path matches when it
// contains the pattern. The test fails when an exception is no longer
// needed, so the list cannot hide anything it does not have to.
var shapeExceptions = []struct{ pattern, reason string }{
	{".source.assertion-origin-orcid", "the sample has items added through a Search & Link wizard (assertion-origin-orcid, V3 README " +
		"\"Assertion Origin Source information\"); the registry has no wizards or token delegation, so its assertion origins are " +
		"always null, and an item of the sample with one has an object where the registry has null"},
	{".source.assertion-origin-name", "as assertion-origin-orcid: no assertion origin offline, so no assertion-origin-name either"},
}

// shapeOf collects the key paths of a JSON value: every property with the
// kind of its value (null, string, number, bool, object, empty list), list
// elements under "[]", so two answers compare by shape and not by values,
// and lists by the union of their elements' shapes.
func shapeOf(v any, path string, out map[string]bool) {
	switch x := v.(type) {
	case nil:
		out[path+" null"] = true
	case map[string]any:
		out[path+" {}"] = true
		for k, val := range x {
			shapeOf(val, path+"."+k, out)
		}
	case []any:
		if len(x) == 0 {
			out[path+" []"] = true
		}
		for _, e := range x {
			shapeOf(e, path+"[]", out)
		}
	case string:
		out[path+" string"] = true
	case json.Number:
		out[path+" number"] = true
	case bool:
		out[path+" bool"] = true
	}
}

func decodeJSONAny(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return v
}

// sampleItem is one item of the sample: where it sits, its kind and JSON.
type sampleItem struct {
	kind    orcid.ItemKind
	summary bool // an activity summary (else a person item)
	body    map[string]any
}

// sampleItems finds every person item and activity summary of the record.
func sampleItems(rec map[string]any) []sampleItem {
	var out []sampleItem
	person := rec["person"].(map[string]any)
	for _, p := range []struct {
		section, list string
		kind          orcid.ItemKind
	}{
		{"other-names", "other-name", orcid.KindOtherName}, {"researcher-urls", "researcher-url", orcid.KindResearcherURL},
		{"addresses", "address", orcid.KindAddress}, {"keywords", "keyword", orcid.KindKeyword},
		{"external-identifiers", "external-identifier", orcid.KindExternalIdentifier},
	} {
		sec, _ := person[p.section].(map[string]any)
		items, _ := sec[p.list].([]any)
		for _, it := range items {
			out = append(out, sampleItem{kind: p.kind, body: it.(map[string]any)})
		}
	}
	acts := rec["activities-summary"].(map[string]any)
	for _, k := range orcid.Kinds() {
		if !k.IsActivity() {
			continue
		}
		info, _ := k.Info()
		sec, _ := acts[info.SectionPath].(map[string]any)
		groupKey := "group"
		if k.IsAffiliation() {
			groupKey = "affiliation-group"
		}
		groups, _ := sec[groupKey].([]any)
		for _, g := range groups {
			gm := g.(map[string]any)
			var summaries []any
			switch {
			case k.IsAffiliation():
				for _, w := range gm["summaries"].([]any) {
					summaries = append(summaries, w.(map[string]any)[string(k)+"-summary"])
				}
			case k == orcid.KindPeerReview:
				for _, d := range gm["peer-review-group"].([]any) {
					summaries = append(summaries, d.(map[string]any)["peer-review-summary"].([]any)...)
				}
			default:
				summaries, _ = gm[string(k)+"-summary"].([]any)
			}
			for _, s := range summaries {
				out = append(out, sampleItem{kind: k, summary: true, body: s.(map[string]any)})
			}
		}
	}
	return out
}

// itemFromSample turns a sample person item or summary into the full item
// a client would have written: the summary's properties are the item's,
// under the same names except a peer review's identifiers and date.
func itemFromSample(t *testing.T, si sampleItem) orcid.Item {
	t.Helper()
	b, err := json.Marshal(si.body)
	if err != nil {
		t.Fatal(err)
	}
	if si.kind == orcid.KindPeerReview {
		var s orcid.PeerReviewSummary
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		return &orcid.PeerReview{ReviewerRole: s.ReviewerRole, ReviewIdentifiers: s.ExternalIDs, ReviewURL: s.ReviewURL,
			ReviewType: s.ReviewType, ReviewCompletionDate: s.CompletionDate, ReviewGroupID: s.ReviewGroupID,
			ConveningOrganization: s.ConveningOrganization}
	}
	it := orcid.NewItem(si.kind)
	if err := json.Unmarshal(b, it); err != nil {
		t.Fatalf("%s: %v", si.kind, err)
	}
	clearServerFields(it)
	return it
}

// TestReadJSONShapeMatchesORCID is the proof that the registry answers in
// ORCID's JSON shape: the content of ORCID's record-full-3.0.json (every
// person item and every activity, with the same sources, visibilities and
// display indexes) is put into the registry, and its answers for the
// record, the person and activities sections, each section and each item
// must have exactly the key paths of the corresponding part of ORCID's
// answer, nulls and empty lists included, apart from shapeExceptions.
func TestReadJSONShapeMatchesORCID(t *testing.T) {
	raw, err := os.ReadFile(recordFullSample(t))
	if err != nil {
		t.Fatalf("ORCID's read sample: %v", err)
	}
	sample := decodeJSONAny(t, raw).(map[string]any)
	e := newAPIEnv(t)
	ctx := context.Background()
	me := e.res.ORCID
	tok := e.token(e.member, me, ScopeReadLimited)

	// Put the same content in. Items ORCID shows with a source-client-id
	// come from a member client, the others from the researcher.
	type placed struct {
		si sampleItem
		pc int64
	}
	var all []placed
	for _, si := range sampleItems(sample) {
		it := itemFromSample(t, si)
		client := ""
		if src, _ := si.body["source"].(map[string]any); src["source-client-id"] != nil {
			client = e.member.ID
		}
		idx, _ := strconv.ParseInt(fmt.Sprint(si.body["display-index"]), 10, 64)
		vis := si.body["visibility"].(string)
		now := e.r.now()
		row := StoredItem{ORCID: me, Kind: string(si.kind), SourceClientID: client, Visibility: vis, DisplayIndex: idx,
			CreatedAt: now, ModifiedAt: now}
		pc, err := e.r.store.CreateItemFunc(ctx, row, func(int64) ([]byte, error) { return itemBody(it) })
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, placed{si, pc})
	}
	if len(all) < 25 {
		t.Fatalf("only %d items found in the sample", len(all))
	}

	used := map[string]bool{}
	compare := func(t *testing.T, what string, want any, path string) {
		t.Helper()
		resp := e.do(apiCall{method: "GET", url: e.member3("/" + me + path), token: tok, accept: "application/vnd.orcid+json"})
		if resp.status != 200 {
			t.Fatalf("GET %s: %d\n%s", path, resp.status, resp.body)
		}
		ws, gs := map[string]bool{}, map[string]bool{}
		shapeOf(want, "", ws)
		shapeOf(decodeJSONAny(t, resp.body), "", gs)
		for _, d := range []struct {
			set, other map[string]bool
			verb       string
		}{{ws, gs, "ORCID has, the registry lacks"}, {gs, ws, "the registry has, ORCID lacks"}} {
			var diff []string
			for p := range d.set {
				if d.other[p] {
					continue
				}
				excused := false
				for _, ex := range shapeExceptions {
					if strings.Contains(p, ex.pattern) {
						excused, used[ex.pattern] = true, true
					}
				}
				if !excused {
					diff = append(diff, p)
				}
			}
			slices.Sort(diff)
			if len(diff) > 0 {
				t.Errorf("%s (GET %s): key paths %s:\n  %s", what, path, d.verb, strings.Join(diff, "\n  "))
			}
		}
	}

	person := sample["person"].(map[string]any)
	acts := sample["activities-summary"].(map[string]any)
	t.Run("record", func(t *testing.T) { compare(t, "record", sample, "/record") })
	t.Run("person", func(t *testing.T) { compare(t, "person", person, "/person") })
	t.Run("activities", func(t *testing.T) { compare(t, "activities", acts, "/activities") })
	t.Run("emails", func(t *testing.T) { compare(t, "emails", person["emails"], "/email") })
	for _, k := range orcid.Kinds() {
		info, _ := k.Info()
		src := acts
		key := info.SectionPath
		if k.IsPerson() {
			src = person
			key = info.SectionElement.Local
		}
		t.Run("section "+info.SectionPath, func(t *testing.T) {
			compare(t, info.SectionPath, src[key], "/"+info.SectionPath)
		})
	}
	for _, p := range all {
		info, _ := p.si.kind.Info()
		path := fmt.Sprintf("/%s/%d", info.Path, p.pc)
		if p.si.summary {
			path = fmt.Sprintf("/%s/summary/%d", info.Path, p.pc)
		}
		t.Run("item "+path, func(t *testing.T) { compare(t, string(p.si.kind), p.si.body, path) })
	}
	for _, ex := range shapeExceptions {
		if !used[ex.pattern] {
			t.Errorf("shape exception %q is no longer needed (%s)", ex.pattern, ex.reason)
		}
	}
}
