package batch_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/signin"
	"github.com/orcidlink/orcidlink/internal/store"
)

// grantOutside makes a researcher at the registry who authorizes the
// tenant's client there, as an old system of the organisation would have
// had them do: the tokens are not stored by orcidlink.
func (f *fixture) grantOutside(t *testing.T, email string) *orcid.Authorization {
	t.Helper()
	const callback = "http://127.0.0.1:9/callback" // the testbed client's redirect URI
	if _, err := f.env.Registry.CreateResearcher(f.ctx, sandbox.NewResearcher{GivenNames: "Old", FamilyNames: "System",
		Email: email, Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	oc, err := orcid.New(orcid.Config{Credential: f.env.Cred.ORCID(), RedirectURL: callback})
	if err != nil {
		t.Fatal(err)
	}
	u, err := oc.AuthorizeURL(orcid.AuthRequest{Scopes: jobstest.Scopes, State: "s"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := signin.Authorize(u, callback, email, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	auth, err := oc.Exchange(f.ctx, q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	return auth
}

// TestConnectionsFile: a connections file's tokens are sealed in the
// batch and gone after the import; a good token connects its person
// (existing or created by the row), a revoked one is reported and not
// stored, a row without a token keeps its iD as unconfirmed, and a row
// with problems keeps no token at all.
func TestConnectionsFile(t *testing.T) {
	f := newFixture(t, "sqlite")
	ana := f.grantOutside(t, "ana.registry@example.org")
	carl := f.grantOutside(t, "carl.registry@example.org")
	ben := f.grantOutside(t, "ben.registry@example.org")
	reader := mustReader(t, f)
	if err := reader.Revoke(f.ctx, ben.AccessToken); err != nil {
		t.Fatal(err)
	}
	exp := func(a *orcid.Authorization) string { return a.ExpiresAt.UTC().Format(time.RFC3339) }
	scope := func(a *orcid.Authorization) string { return strings.Join(a.Scopes, " ") }
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"email", "person-ref", "given-names", "family-names", "orcid", "access-token", "refresh-token", "scope", "expires-at"})
	w.Write([]string{"ana@example.org", "", "", "", string(ana.ID), ana.AccessToken, ana.RefreshToken, scope(ana), exp(ana)})
	w.Write([]string{"carl@example.org", "", "Carl", "Berg", f.env.Registry.IDURI(string(carl.ID)), carl.AccessToken, "", scope(carl), exp(carl)})
	w.Write([]string{"", "B2", "", "", string(ben.ID), ben.AccessToken, ben.RefreshToken, scope(ben), exp(ben)})
	w.Write([]string{"dora@example.org", "", "Dora", "Sá", "https://orcid.org/0000-0002-1825-0097", "", "", "", ""})
	w.Write([]string{"ana@example.org", "", "", "", "0000-0002-1825-0098", "leaked-token-of-a-bad-row", "", "/orcid-profile/create", "2001-01-01T00:00:00Z"})
	w.Flush()

	b := f.upload(t, batch.Connections, "old-system.csv", buf.Bytes())
	if b.Total != 5 || b.Invalid != 1 {
		t.Fatalf("batch %+v", b)
	}
	rows, err := f.st.BatchRows(f.ctx, f.tid, b.ID, 0, false, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for _, tok := range []string{ana.AccessToken, ana.RefreshToken, carl.AccessToken, ben.AccessToken, "leaked-token"} {
			if strings.Contains(string(r.Data), tok) {
				t.Fatalf("row %d keeps a token in the clear: %s", r.Row, r.Data)
			}
		}
	}
	probs := string(rows[4].Problems)
	for _, want := range []string{"bad-orcid-id", "bad-value", "bad-date"} {
		if !strings.Contains(probs, want) {
			t.Errorf("the bad row's problems lack %s: %s", want, probs)
		}
	}

	if _, err := f.svc.StartImport(f.ctx, f.tid, b.ID, batch.ImportOptions{OnlyValid: true}); err != nil {
		t.Fatal(err)
	}
	if b = f.wait(t, b.ID); b.State != store.BatchDone {
		t.Fatalf("import ended %s: %s", b.State, b.Message)
	}
	res := f.result(t, b.ID)
	outcome := func(i int) string { return res[i][8] + ": " + res[i][9] }
	if !strings.HasPrefix(outcome(0), "done: connected") || !strings.HasPrefix(outcome(1), "done: connected") {
		t.Errorf("good rows: %q, %q", outcome(0), outcome(1))
	}
	if !strings.HasPrefix(outcome(2), "failed: ORCID refused the token: invalid, expired or revoked") {
		t.Errorf("revoked row: %q", outcome(2))
	}
	if !strings.HasPrefix(outcome(3), "done: iD kept on file as unconfirmed") {
		t.Errorf("row without a token: %q", outcome(3))
	}

	for email, a := range map[string]*orcid.Authorization{"ana@example.org": ana, "carl@example.org": carl} {
		p, err := f.st.PersonByEmail(f.ctx, f.tid, email)
		if err != nil {
			t.Fatal(err)
		}
		l, err := f.st.Link(f.ctx, f.tid, p.ID)
		if err != nil || l.ORCID != a.ID || l.AccessToken != a.AccessToken || l.State != store.LinkConnected {
			t.Fatalf("%s: link %+v, %v", email, l, err)
		}
	}
	if _, err := f.st.Link(f.ctx, f.tid, f.ben.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the revoked token was stored: %v", err)
	}
	dora, err := f.st.PersonByEmail(f.ctx, f.tid, "dora@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if h, err := f.st.ORCIDHintOf(f.ctx, f.tid, dora.ID); err != nil || h.ORCID != "0000-0002-1825-0097" ||
		h.Source != fmt.Sprintf("batch %d", b.ID) {
		t.Fatalf("hint %+v, %v", h, err)
	}
	if _, err := f.st.Link(f.ctx, f.tid, dora.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an unconfirmed iD became a link: %v", err)
	}
	// Used, the tokens are gone from the batch, sealed or not.
	rows, err = f.st.BatchRows(f.ctx, f.tid, b.ID, 0, false, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if strings.Contains(string(r.Data), "token") {
			t.Errorf("row %d still holds a token after the import: %s", r.Row, r.Data)
		}
	}
}
