package journal_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

type fixture struct {
	ctx    context.Context
	env    *jobstest.Env
	q      *jobs.Queue
	svc    *journal.Service
	reader *orcid.Client
}

func newFixture(t *testing.T, driver string) *fixture {
	t.Helper()
	ctx := context.Background()
	env := jobstest.New(t, driver, nil)
	var err error
	f := &fixture{ctx: ctx, env: env}
	if f.reader, err = env.Reader(); err != nil {
		t.Fatal(err)
	}
	cfg := jobstest.QueueConfig(env)
	cfg.Workers = 4
	f.q = jobstest.NewQueue(t, cfg)
	jobstest.StartQueue(t, f.q)
	inviter, err := connect.New(connect.Config{Store: env.Store, PublicURL: "https://orcidlink.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	f.svc, err = journal.New(journal.Config{Store: env.Store, Queue: f.q, Inviter: inviter, Clients: inviter,
		Publisher: orcid.Organization{Name: "Example Press", Address: &orcid.OrganizationAddress{City: "Providence",
			Country: "US"}, DisambiguatedOrganization: &orcid.DisambiguatedOrganization{Identifier: "https://ror.org/05gq02987",
			Source: orcid.DisambiguationSourceROR}}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// wait polls the item of key on each person's record until ok holds.
func (f *fixture) wait(t *testing.T, what, key string, kind orcid.ItemKind, ok func(store.Item) bool, people ...int64) []store.Item {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var out []store.Item
		done := true
		for _, pid := range people {
			it, err := f.env.Store.ItemByKey(f.ctx, f.env.Tenant.ID, pid, kind, key)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, it)
			done = done && ok(it)
		}
		if done {
			return out
		}
		if time.Now().After(deadline) {
			for _, it := range out {
				t.Logf("person %d: %s %q put-code %d error %q", it.PersonID, it.State, it.StateReason, it.PutCode, it.LastError)
			}
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// connect registers researcher n at the registry, connected to a new
// person of the tenant.
func (f *fixture) connect(t *testing.T, n int) jobstest.Researcher {
	t.Helper()
	r, err := f.env.Connect(f.ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func synced(it store.Item) bool { return it.State == store.ItemSynced && !it.NeedsPush() }

// titleOnORCID reads the work by put-code from the researcher's record.
func (f *fixture) titleOnORCID(t *testing.T, link store.Link, putCode int64) (string, error) {
	t.Helper()
	item, err := f.reader.ReadItem(f.ctx, link.AccessToken, link.ORCID, orcid.KindWork, putCode)
	if err != nil {
		return "", err
	}
	return item.DisplayTitle(), nil
}

func TestJournalWorkflow(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		ctx, st, tid := f.ctx, f.env.Store, f.env.Tenant.ID

		tn := f.env.Tenant
		tn.Settings.RequestAuthorizationOnPublication = true
		if _, err := st.UpdateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		r1, r2 := f.connect(t, 1), f.connect(t, 2)
		p3, err := st.CreatePerson(ctx, store.Person{TenantID: tid, GivenNames: "Grace", FamilyNames: "Third",
			Email: "grace.third@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		authors := []int64{r1.Person.ID, r2.Person.ID, p3.ID}

		a := store.Article{TenantID: tid, Key: "jx-2026-001", Title: "On Journals", JournalTitle: "Journal of X",
			ISSN: "1741-4857", DOI: "10.5555/jx.2026.001", URL: "https://jx.example.org/2026/001", PubYear: 2026,
			PubMonth: 3, Authors: authors, ReviewMode: store.ReviewOpen}
		if _, err := f.svc.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		// A draft goes nowhere.
		if _, err := st.ItemByKey(ctx, tid, r1.Person.ID, orcid.KindWork, journal.WorkKey(a.Key)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("draft pushed: %v", err)
		}

		res, err := f.svc.Publish(ctx, tid, a.Key)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 3 || res.Items[2].State != store.ItemPending || len(res.Invited) != 1 || res.Invited[0] != p3.ID {
			t.Fatalf("publish: %+v", res)
		}
		key := journal.WorkKey(a.Key)
		two := f.wait(t, "two works", key, orcid.KindWork, synced, r1.Person.ID, r2.Person.ID)
		for i, r := range []jobstest.Researcher{r1, r2} {
			if got, err := f.titleOnORCID(t, r.Link, two[i].PutCode); err != nil || got != "On Journals" {
				t.Fatalf("work on %s: %q, %v", r.Link.ORCID, got, err)
			}
		}
		it3, err := st.ItemByKey(ctx, tid, p3.ID, orcid.KindWork, key)
		if err != nil || it3.State != store.ItemPending || it3.PutCode != 0 {
			t.Fatalf("third author's item: %+v, %v", it3, err)
		}
		emails, err := st.ListTenantEmails(ctx, tid, 10)
		if err != nil || len(emails) != 1 || emails[0].Recipient != p3.Email {
			t.Fatalf("outbox: %+v, %v", emails, err)
		}
		// The email says why it comes: this article, just published.
		if !strings.Contains(emails[0].TextBody, "“On Journals” has just been published") {
			t.Errorf("the invitation does not name the article:\n%s", emails[0].TextBody)
		}
		if invs, err := st.ListInvitations(ctx, tid, p3.ID); err != nil || len(invs) != 1 ||
			invs[0].Reason != (store.InvitationReason{Kind: store.ReasonArticle, Detail: "On Journals"}) {
			t.Errorf("invitation's reason: %+v, %v", invs, err)
		}
		// Publishing again invites no one twice: the invitation is valid.
		if res, err := f.svc.Publish(ctx, tid, a.Key); err != nil || len(res.Invited) != 0 {
			t.Fatalf("publish again: %+v, %v", res, err)
		}
		if emails, _ := st.ListTenantEmails(ctx, tid, 10); len(emails) != 1 {
			t.Fatalf("outbox after publishing again: %d emails", len(emails))
		}

		// The third author connects; serve's connect hook resumes.
		r3, err := f.env.ConnectPerson(ctx, 3, p3)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.q.Resume(ctx, tid, p3.ID); err != nil || n != 1 {
			t.Fatalf("resume: %d, %v", n, err)
		}
		all := f.wait(t, "three works", key, orcid.KindWork, synced, authors...)
		if got, err := f.titleOnORCID(t, r3.Link, all[2].PutCode); err != nil || got != "On Journals" {
			t.Fatalf("third work: %q, %v", got, err)
		}
		links := []store.Link{r1.Link, r2.Link, r3.Link}

		// Editing the metadata updates every copy under its put-code.
		a.Title = "On Journals, Revised"
		if _, err := f.svc.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		edited := f.wait(t, "edited works", key, orcid.KindWork, func(it store.Item) bool {
			return synced(it) && !bytes.Equal(it.ContentHash, all[0].ContentHash)
		}, authors...)
		for i := range edited {
			if edited[i].PutCode != all[i].PutCode {
				t.Fatalf("author %d: put-code %d, was %d", i, edited[i].PutCode, all[i].PutCode)
			}
			if got, err := f.titleOnORCID(t, links[i], edited[i].PutCode); err != nil || got != "On Journals, Revised" {
				t.Fatalf("edited work of author %d: %q, %v", i, got, err)
			}
		}

		// A review goes to the reviewer's record; the review is open, so it
		// names the article.
		rv, err := f.svc.CompleteReview(ctx, tid, a.Key, r2.Person.ID, time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		got := f.wait(t, "peer review", rv.Key, orcid.KindPeerReview, synced, r2.Person.ID)
		item, err := f.reader.ReadItem(ctx, r2.Link.AccessToken, r2.Link.ORCID, orcid.KindPeerReview, got[0].PutCode)
		if err != nil {
			t.Fatal(err)
		}
		pr, ok := item.(*orcid.PeerReview)
		if !ok || pr.ReviewGroupID != "issn:1741-4857" || pr.SubjectExternalIdentifier == nil ||
			pr.SubjectExternalIdentifier.Value != a.DOI || pr.ReviewCompletionDate.Year != "2026" {
			t.Fatalf("peer review on ORCID: %+v", item)
		}

		// Unpublishing removes every copy.
		if _, err := f.svc.Unpublish(ctx, tid, a.Key); err != nil {
			t.Fatal(err)
		}
		f.wait(t, "retracted works", key, orcid.KindWork, func(it store.Item) bool {
			return it.State == store.ItemRetracted
		}, authors...)
		for i := range links {
			if _, err := f.titleOnORCID(t, links[i], all[i].PutCode); !errors.Is(err, orcid.ErrNotFound) {
				t.Fatalf("author %d: work still on ORCID (%v)", i, err)
			}
		}
	})
}

func TestRemovedAuthorRetracted(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		ctx, tid := f.ctx, f.env.Tenant.ID
		r1, r2 := f.connect(t, 1), f.connect(t, 2)
		a := store.Article{TenantID: tid, Key: "jx-2", Title: "Two Authors", JournalTitle: "Journal of X",
			DOI: "10.5555/jx.2", Authors: []int64{r1.Person.ID, r2.Person.ID}}
		if _, err := f.svc.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.Publish(ctx, tid, a.Key)
		if err != nil || len(res.Invited) != 0 {
			t.Fatalf("publish: %+v, %v", res, err)
		}
		key := journal.WorkKey(a.Key)
		before := f.wait(t, "works", key, orcid.KindWork, synced, r1.Person.ID, r2.Person.ID)
		a.Authors = []int64{r1.Person.ID}
		if _, err := f.svc.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		f.wait(t, "removed author's copy", key, orcid.KindWork, func(it store.Item) bool {
			return it.State == store.ItemRetracted
		}, r2.Person.ID)
		if _, err := f.titleOnORCID(t, r2.Link, before[1].PutCode); !errors.Is(err, orcid.ErrNotFound) {
			t.Fatalf("removed author's work still on ORCID (%v)", err)
		}
		if got, err := f.titleOnORCID(t, r1.Link, before[0].PutCode); err != nil || got != "Two Authors" {
			t.Fatalf("remaining author's work: %q, %v", got, err)
		}
	})
}

// Without the tenant's setting, an author who is not connected gets no
// email: the work waits, pending.
func TestNoInvitationWithoutSetting(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		ctx, st, tid := f.ctx, f.env.Store, f.env.Tenant.ID
		p, err := st.CreatePerson(ctx, store.Person{TenantID: tid, GivenNames: "Nell", FamilyNames: "Quiet",
			Email: "nell@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		a := store.Article{TenantID: tid, Key: "jx-3", Title: "Quiet", DOI: "10.5555/jx.3", Authors: []int64{p.ID}}
		if _, err := f.svc.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.Publish(ctx, tid, a.Key)
		if err != nil || len(res.Invited) != 0 || len(res.Items) != 1 || res.Items[0].State != store.ItemPending {
			t.Fatalf("publish: %+v, %v", res, err)
		}
		if emails, err := st.ListTenantEmails(ctx, tid, 10); err != nil || len(emails) != 0 {
			t.Fatalf("outbox: %+v, %v", emails, err)
		}
		// A review needs the publisher as convening organization.
		bare, err := journal.New(journal.Config{Store: st, Queue: f.q, Inviter: stubInviter{}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bare.CompleteReview(ctx, tid, a.Key, p.ID, time.Now()); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("review without publisher: %v", err)
		}
	})
}

type stubInviter struct{}

func (stubInviter) InviteWithReason(context.Context, int64, int64, string, bool, store.InvitationReason) (connect.Invitation, error) {
	return connect.Invitation{}, errors.New("not called")
}
