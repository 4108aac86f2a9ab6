package web

import (
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// TestRenderGuide: Markdown becomes HTML with tables and heading anchors;
// links between guides point at their help pages; markup that could run
// (raw HTML, javascript: links) never reaches the page.
func TestRenderGuide(t *testing.T) {
	for _, tc := range []struct {
		name, src     string
		want, wantNot []string
		title         string
	}{
		{name: "title and anchors", src: "# Running it\n\n## Load and abuse\n\ntext",
			title: "Running it", want: []string{`<h2 id="load-and-abuse">Load and abuse</h2>`}},
		{name: "tables", src: "# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", want: []string{"<table>", "<td>1</td>"}},
		{name: "links between guides", src: "# T\n\nSee [sync](sync.md#items), [api](doc/api.md) and [out](https://orcid.org).",
			want: []string{`href="/admin/help/sync#items"`, `href="/admin/help/api"`, `href="https://orcid.org"`}},
		{name: "unknown guide left alone", src: "# T\n\n[readme](README.md)", want: []string{`href="README.md"`}},
		{name: "raw HTML", src: "# T\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n",
			wantNot: []string{"<script", "onerror", "<img"}},
		{name: "javascript link", src: "# T\n\n[click](javascript:alert(1))", wantNot: []string{"javascript:"}},
		{name: "code keeps its text escaped", src: "# T\n\n`<b>bold</b>`", want: []string{"&lt;b&gt;bold&lt;/b&gt;"}},
		{name: "no title", src: "text only", title: "Help"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			title, body, err := renderGuide([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if tc.title != "" && title != tc.title {
				t.Errorf("title %q, want %q", title, tc.title)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("lacks %s in\n%s", w, body)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(string(body), w) {
					t.Errorf("has %s in\n%s", w, body)
				}
			}
		})
	}
}

// TestWords: every state has words a journal manager understands, and
// none is left as the store's name.
func TestWords(t *testing.T) {
	for _, s := range adminStatuses {
		if got := personStateText(s); got == string(s) || got == "" {
			t.Errorf("person state %q shown as %q", s, got)
		}
	}
	for _, s := range []string{"pending", "queued", "in-flight", "synced", "failed-retryable", "failed-permanent",
		"deleted-by-researcher", "retracting", "retracted"} {
		if got := itemStateText(storeItemState(s)); got == s || strings.Contains(got, "-") {
			t.Errorf("item state %q shown as %q", s, got)
		}
	}
}

func storeItemState(s string) store.ItemState { return store.ItemState(s) }
