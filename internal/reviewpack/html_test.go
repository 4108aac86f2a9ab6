package reviewpack

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestWriteHTML: the file is self-contained, every step's PNG is inline,
// what came from a tenant or a registry is escaped, and what was left out
// is said first.
func TestWriteHTML(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n+/+/ not really an image")
	for _, tc := range []struct {
		name    string
		pack    Pack
		want    []string
		wantNot []string
	}{
		{name: "complete", pack: Pack{Tenant: store.Tenant{Name: "Journal <script>alert(1)</script>", Slug: "j"},
			Credential: store.Credential{Name: "Sandbox", Env: orcid.Sandbox, ClientName: `"Quoted" & co`},
			Scopes:     []string{"openid", "/activities/update"}, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Steps: []Step{{ID: "invitation", Title: "The <b>invitation</b>", PNG: png}},
			Calls: []Call{{Method: "POST", URL: "https://api.sandbox.orcid.org/v3.0/0000/work", Status: 201}}},
			want: []string{`data-step="invitation"`, "data:image/png;base64," + "iVBORw0KGgo", "Journal &lt;script&gt;",
				"&#34;Quoted&#34; &amp; co", "<code>/activities/update</code>", "Member API v3.0", `id="call-log"`,
				"https://api.sandbox.orcid.org/v3.0/0000/work", "Screenshot: The &lt;b&gt;invitation&lt;/b&gt;"},
			wantNot: []string{"<script>alert", `id="left-out"`, "<b>invitation"}},
		{name: "left out", pack: Pack{Tenant: store.Tenant{Name: "J"}, LeftOut: []string{"Every screenshot: no Chromium <here>"}},
			want:    []string{`id="left-out"`, "no Chromium &lt;here&gt;", "No screenshots", "No call was made"},
			wantNot: []string{"<img"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.pack.WriteHTML(&b); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("lacks %s", w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(page, w) {
					t.Errorf("has %s", w)
				}
			}
			if strings.Contains(page, `src="http`) || strings.Contains(page, "<link") || strings.Contains(page, "<script") {
				t.Error("not self-contained")
			}
		})
	}
}

// TestRunRefusesProduction: a run never writes a test work to a real
// researcher's record.
func TestRunRefusesProduction(t *testing.T) {
	_, err := Run(t.Context(), Config{Credential: store.Credential{Env: orcid.Production}})
	if !errors.Is(err, ErrProduction) {
		t.Fatalf("production credential: %v", err)
	}
}
