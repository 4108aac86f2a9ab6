package batch_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/batch"
)

// TestConnectionsFileNeverKeepsMisplacedTokens: a connections file whose
// columns are swapped or mislabelled, or that has no header, puts tokens
// where no token is expected (the orcid, email or scope column, or the
// header). The batch keeps none of them, in its rows or its problems, and
// its problems report (the CSV an administrator downloads) quotes none,
// while still saying where and what is wrong.
func TestConnectionsFileNeverKeepsMisplacedTokens(t *testing.T) {
	f := newFixture(t, "sqlite")
	const tok = "1f4b0c2e-8a61-4b7e-9d1a-3c5e7f9a2b4d"
	const refresh = "7e2d9c41-5b3a-4f86-a0c7-2d4e6f8a1b3c"
	const header = "email,orcid,access-token,refresh-token,scope,expires-at\n"
	for _, tc := range []struct {
		name, body string
		column     string // a column a problem must still name ("" for file problems only)
		code       batch.Code
		file       string // the file's name, old-system.csv when ""
	}{
		{"token in the orcid column", header + "ana@example.org," + tok + ",0000-0002-1825-0097," + refresh +
			",2045-01-01T00:00:00Z,/read-limited\n", "orcid", batch.CodeBadORCID, ""},
		{"token in the email column", header + tok + ",0000-0002-1825-0097,,,,\n", "email", batch.CodeBadEmail, ""},
		{"token in the scope column", header + "ana@example.org,0000-0002-1825-0097,abc,," + tok +
			",2045-01-01T00:00:00Z\n", "scope", batch.CodeBadValue, ""},
		{"no header", "ana@example.org,0000-0002-1825-0097," + tok + "," + refresh + ",/read-limited,2045-01-01T00:00:00Z\n",
			"", batch.CodeUnknownColumn, ""},
		{"JSON, token under an unknown key", `[{"email": "ana@example.org", "orcid": "0000-0002-1825-0097", "` + tok +
			`": "x", "token": "` + refresh + `"}]`, "", batch.CodeUnknownColumn, "old-system.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.file
			if name == "" {
				name = "old-system.csv"
			}
			b := f.upload(t, batch.Connections, name, []byte(tc.body))
			leaks := func(where, s string) {
				t.Helper()
				if strings.Contains(s, tok) || strings.Contains(s, refresh) {
					t.Errorf("%s keeps a token: %s", where, s)
				}
			}
			leaks("the file's problems", string(b.FileProblems))
			rows, err := f.st.BatchRows(f.ctx, f.tid, b.ID, 0, false, 100)
			if err != nil {
				t.Fatal(err)
			}
			found := strings.Contains(string(b.FileProblems), `"code":"`+string(tc.code)+`"`)
			for _, r := range rows {
				leaks("row data", string(r.Data))
				leaks("row problems", string(r.Problems))
				found = found || strings.Contains(string(r.Problems), `"column":"`+tc.column+`","code":"`+string(tc.code)+`"`)
			}
			if !found {
				t.Errorf("no %s problem on column %q: file %s, rows %v", tc.code, tc.column, b.FileProblems, rows)
			}
			var report bytes.Buffer
			if err := f.svc.WriteReportCSV(f.ctx, &report, f.tid, b.ID); err != nil {
				t.Fatal(err)
			}
			leaks("the problems report", report.String())
			if !strings.Contains(report.String(), string(tc.code)) {
				t.Errorf("the report lacks %s:\n%s", tc.code, report.String())
			}
		})
	}
}
