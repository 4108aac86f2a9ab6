package journal_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// A journal with no ISSN: its reviews go under a group orcidlink registers
// at ORCID once (the registry refuses unregistered groups with 9020), and a
// review under the tenant's default model, double-anonymous, names the
// journal and nothing of the article.
func TestAnonymousReviewUnderRegisteredGroup(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		ctx, st, tid := f.ctx, f.env.Store, f.env.Tenant.ID
		r1, r2 := f.connect(t, 1), f.connect(t, 2)
		a := store.Article{TenantID: tid, Key: "nj-1", Title: "A Secret Subject", JournalTitle: "Notes Without ISSN",
			DOI: "10.5555/nj.1", URL: "https://nj.example.org/1"}
		if _, err := f.svc.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		rv, err := f.svc.CompleteReview(ctx, tid, a.Key, r1.Person.ID, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		got := f.wait(t, "anonymous review", rv.Key, orcid.KindPeerReview, synced, r1.Person.ID)
		item, err := f.reader.ReadItem(ctx, r1.Link.AccessToken, r1.Link.ORCID, orcid.KindPeerReview, got[0].PutCode)
		if err != nil {
			t.Fatal(err)
		}
		pr := item.(*orcid.PeerReview)
		if !strings.HasPrefix(pr.ReviewGroupID, "orcid-generated:orcidlink-") {
			t.Fatalf("review group %q", pr.ReviewGroupID)
		}
		if pr.SubjectName != nil || pr.SubjectURL != nil || pr.SubjectExternalIdentifier != nil || pr.SubjectType != "" {
			t.Fatalf("an anonymous review names the article: %+v", pr)
		}
		if pr.SubjectContainerName == nil || pr.SubjectContainerName.Value != "Notes Without ISSN" {
			t.Fatalf("journal not named: %+v", pr.SubjectContainerName)
		}
		if o := pr.ConveningOrganization; o == nil || o.DisambiguatedOrganization == nil ||
			o.DisambiguatedOrganization.Identifier != "https://ror.org/05gq02987" {
			t.Fatalf("convening organisation %+v", pr.ConveningOrganization)
		}
		g, err := st.ReviewGroup(ctx, tid, f.env.Tenant.CredentialID, "Notes Without ISSN")
		if err != nil || g.GroupID != pr.ReviewGroupID || g.PutCode == 0 {
			t.Fatalf("stored group %+v, %v", g, err)
		}

		// A second reviewer of another article of the journal: same group,
		// and the article is open, so this one names it.
		b := store.Article{TenantID: tid, Key: "nj-2", Title: "An Open Subject", JournalTitle: "Notes Without ISSN",
			DOI: "https://doi.org/10.5555/NJ.2", ReviewMode: store.ReviewOpen}
		if _, err := f.svc.SaveArticle(ctx, b); err != nil {
			t.Fatal(err)
		}
		rv2, err := f.svc.CompleteReview(ctx, tid, b.Key, r2.Person.ID, time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		got = f.wait(t, "open review", rv2.Key, orcid.KindPeerReview, synced, r2.Person.ID)
		item, err = f.reader.ReadItem(ctx, r2.Link.AccessToken, r2.Link.ORCID, orcid.KindPeerReview, got[0].PutCode)
		if err != nil {
			t.Fatal(err)
		}
		pr2 := item.(*orcid.PeerReview)
		if pr2.ReviewGroupID != pr.ReviewGroupID {
			t.Fatalf("second review in group %q, first in %q", pr2.ReviewGroupID, pr.ReviewGroupID)
		}
		if pr2.SubjectName == nil || pr2.SubjectName.Title.Value != "An Open Subject" || pr2.SubjectExternalIdentifier == nil ||
			pr2.SubjectExternalIdentifier.Value != "10.5555/NJ.2" {
			t.Fatalf("open review subject: %+v", pr2)
		}
	})
}

// An article with neither DOI nor URL, with a co-author outside the
// tenant, published for two connected authors: both records hold a work
// with a self identifier (a source-work-id), the three contributors in
// order (the connected ones with the iD they authenticated) and the ISSN
// as part-of.
func TestWorkWithoutDOI(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		ctx, tid := f.ctx, f.env.Tenant.ID
		r1, r2 := f.connect(t, 1), f.connect(t, 2)
		software := "http://credit.niso.org/contributor-roles/software/"
		a := store.Article{TenantID: tid, Key: "nodoi-1", Title: "No DOI Yet", JournalTitle: "Journal of X",
			Subtitle: "A Preprint", Abstract: "What we found.", Language: "en", TranslatedTitle: "Pas encore de DOI",
			TranslatedTitleLanguage: "fr", OtherISSNs: []string{"2049-3630"},
			ISSN: "1741-4857", Contributors: []store.Contributor{{PersonID: r2.Person.ID}, {Name: "Charles Babbage",
				Roles: []string{software}}, {PersonID: r1.Person.ID}}}
		if _, err := f.svc.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.Publish(ctx, tid, a.Key)
		if err != nil || len(res.Items) != 2 {
			t.Fatalf("publish: %+v, %v", res, err)
		}
		got := f.wait(t, "works", journal.WorkKey(a.Key), orcid.KindWork, synced, r1.Person.ID, r2.Person.ID)
		for i, r := range []jobstest.Researcher{r1, r2} {
			item, err := f.reader.ReadItem(ctx, r.Link.AccessToken, r.Link.ORCID, orcid.KindWork, got[i].PutCode)
			if err != nil {
				t.Fatal(err)
			}
			w := item.(*orcid.Work)
			var self, partOf []string
			for _, id := range w.ExternalIDs.ExternalID {
				switch id.Relationship {
				case orcid.RelationshipSelf:
					self = append(self, id.Type+":"+id.Value)
				case orcid.RelationshipPartOf:
					partOf = append(partOf, id.Type+":"+id.Value)
				}
			}
			if len(self) != 1 || self[0] != "source-work-id:orcidlink-"+itoa(tid)+"-nodoi-1" ||
				len(partOf) != 2 || partOf[0] != "issn:1741-4857" || partOf[1] != "issn:2049-3630" {
				t.Fatalf("identifiers: self %v, part-of %v", self, partOf)
			}
			if w.Title.Subtitle == nil || w.Title.Subtitle.Value != "A Preprint" || w.ShortDescription != "What we found." ||
				w.LanguageCode != "en" || w.Title.TranslatedTitle == nil || w.Title.TranslatedTitle.LanguageCode != "fr" ||
				w.Citation == nil || w.Citation.Type != "bibtex" || !strings.Contains(w.Citation.Value, "Charles Babbage") {
				t.Fatalf("work on %s: %+v", r.Link.ORCID, w)
			}
			var cs []string
			for _, c := range w.Contributors.Contributor {
				s := c.CreditName.Value + "|" + c.ContributorAttributes.Sequence + "|" + c.ContributorAttributes.Role
				if c.ContributorOrcid != nil {
					s += "|" + c.ContributorOrcid.Path
				}
				cs = append(cs, s)
			}
			want := []string{
				r2.Person.GivenNames + " " + r2.Person.FamilyNames + "|first|author|" + string(r2.Link.ORCID),
				"Charles Babbage|additional|" + software,
				r1.Person.GivenNames + " " + r1.Person.FamilyNames + "|additional|author|" + string(r1.Link.ORCID),
			}
			if strings.Join(cs, "\n") != strings.Join(want, "\n") {
				t.Fatalf("contributors on %s:\n%s\nwant\n%s", r.Link.ORCID, strings.Join(cs, "\n"), strings.Join(want, "\n"))
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Publishing is all or nothing: an article whose work ORCID would refuse
// (a DOI that is not one, stored before the journal checked it) is not
// published, and nothing is queued for anyone.
func TestPublishAllOrNothing(t *testing.T) {
	f := newFixture(t, "sqlite")
	ctx, st, tid := f.ctx, f.env.Store, f.env.Tenant.ID
	r1 := f.connect(t, 1)
	if _, _, err := st.SaveArticle(ctx, store.Article{TenantID: tid, Key: "bad-1", Title: "Unchecked", DOI: "not a doi",
		Authors: []int64{r1.Person.ID}}); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Publish(ctx, tid, "bad-1")
	var ps journal.Problems
	if !errors.As(err, &ps) || ps.Of("doi") == "" || len(res.Items) != 0 {
		t.Fatalf("publish: %+v, %v", res, err)
	}
	a, err := st.Article(ctx, tid, "bad-1")
	if err != nil || a.State != store.ArticleDraft {
		t.Fatalf("article after a refused publish: %+v, %v", a, err)
	}
	if _, err := st.ItemByKey(ctx, tid, r1.Person.ID, orcid.KindWork, journal.WorkKey("bad-1")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a copy was queued: %v", err)
	}
}

// Without the group-id-record scopes (ORCID enables them on request), a
// review of a journal with no ISSN is refused with the reason, and nothing
// is recorded; a journal with an ISSN needs no group of its own.
func TestReviewWithoutGroupScope(t *testing.T) {
	f := newFixture(t, "sqlite")
	ctx, st, tid := f.ctx, f.env.Store, f.env.Tenant.ID
	if _, err := f.env.Registry.CreateClient(ctx, sandbox.NewClient{ID: f.env.Cred.ClientID, Secret: f.env.Cred.ClientSecret,
		Name: "orcidlink bench", RedirectURIs: []string{"http://127.0.0.1:9/callback"}, Type: "member"}, true); err != nil {
		t.Fatal(err)
	}
	r1 := f.connect(t, 1)
	a, _, err := st.SaveArticle(ctx, store.Article{TenantID: tid, Key: "ng-1", Title: "No Group", JournalTitle: "No ISSN Here"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CompleteReview(ctx, tid, a.Key, r1.Person.ID, time.Now()); !errors.Is(err, journal.ErrNoGroupScope) {
		t.Fatalf("review without the group scopes: %v", err)
	}
	if rs, _ := st.ListArticleReviews(ctx, tid, a.ID); len(rs) != 0 {
		t.Fatalf("a refused review was recorded: %+v", rs)
	}
	b, _, err := st.SaveArticle(ctx, store.Article{TenantID: tid, Key: "ng-2", Title: "With ISSN", JournalTitle: "J", ISSN: "1741-4857"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CompleteReview(ctx, tid, b.Key, r1.Person.ID, time.Now()); err != nil {
		t.Fatalf("review under an ISSN group: %v", err)
	}
}
