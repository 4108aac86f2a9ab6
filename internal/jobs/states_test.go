package jobs_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestRecordStates: a record that refuses every write (locked by ORCID,
// merged into another) parks the person's items with the reason, keeps
// the link connected (the researcher revoked nothing), and never follows a
// deprecated record's 301 to a record the token is not for.
func TestRecordStates(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		other, err := f.env.Connect(f.ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		set := func(r jobstest.Researcher, ch sandbox.StateChange) {
			t.Helper()
			if _, err := f.env.Registry.SetResearcherState(f.ctx, string(r.Link.ORCID), ch); err != nil {
				t.Fatal(err)
			}
		}

		set(f.r, sandbox.StateChange{State: sandbox.StateLocked})
		f.put(t, "l1", jobstest.Work("l1", "While locked"))
		items := f.wait(t, "the item parked", allIn(store.ItemPending, "l1"))
		if !strings.Contains(items["l1"].StateReason, "locked") {
			t.Fatalf("reason %q", items["l1"].StateReason)
		}
		link, err := f.env.Store.Link(f.ctx, f.env.Tenant.ID, f.r.Person.ID)
		if err != nil || link.State != store.LinkConnected {
			t.Fatalf("link after a locked record: %s, %v", link.State, err)
		}

		// Merged into the other researcher's record: the reason names the
		// primary iD; the token still works, and the link stays.
		set(f.r, sandbox.StateChange{State: sandbox.StateActive})
		set(f.r, sandbox.StateChange{State: sandbox.StateDeprecated, Primary: string(other.Link.ORCID)})
		f.put(t, "d1", jobstest.Work("d1", "After the merge"))
		items = f.wait(t, "the item parked", allIn(store.ItemPending, "d1"))
		if r := items["d1"].StateReason; !strings.Contains(r, "merged") || !strings.Contains(r, string(other.Link.ORCID)) {
			t.Fatalf("reason %q", r)
		}
		if link, err = f.env.Store.Link(f.ctx, f.env.Tenant.ID, f.r.Person.ID); err != nil || link.State != store.LinkConnected {
			t.Fatalf("link after a deprecated record: %s, %v", link.State, err)
		}
		// The client sees the state as a typed error, not a revoked token.
		_, err = f.reader.ReadWorks(f.ctx, f.r.Link.AccessToken, f.r.Link.ORCID)
		var apiErr *orcid.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, orcid.ErrRecordDeprecated) || errors.Is(err, orcid.ErrTokenInvalid) ||
			apiErr.PrimaryID() != other.Link.ORCID {
			t.Fatalf("reading a deprecated record: %v", err)
		}
	})
}
