// Package journal is the journal workflow (issue 6): a tenant's articles go
// to every author's ORCID record when published, follow the article's
// edits (PUT by put-code) and leave when it is unpublished; a completed
// review goes to the reviewer's record as a peer-review item.
//
// The package decides what each record should hold and hands it to the
// queue (jobs.Queue): the queue decides whether a person can receive it now
// or the item waits, pending, until they connect (serve calls Queue.Resume
// then). Authors who are not connected are invited by email when the
// tenant asks for it (TenantSettings.RequestAuthorizationOnPublication).
package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Inviter invites a person to connect; *connect.Service is one.
type Inviter interface {
	Invite(ctx context.Context, tenantID, personID int64, actor string, sendEmail bool) (connect.Invitation, error)
}

var _ Inviter = (*connect.Service)(nil)

// Config configures a Service. Store, Queue and Inviter are required.
type Config struct {
	Store   *store.Store
	Queue   *jobs.Queue
	Inviter Inviter
	Logger  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Publisher is the default convening organization of peer reviews
	// (ORCID requires a name and an address with a city and a country),
	// for tenants whose settings name no publisher of their own. Without
	// either, CompleteReview is refused.
	Publisher orcid.Organization
}

// Service runs the journal workflow.
type Service struct {
	cfg Config
	log *slog.Logger
	now func() time.Time
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Queue == nil || cfg.Inviter == nil {
		return nil, errors.New("journal: Store, Queue and Inviter are required")
	}
	s := &Service{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// WorkKey is the item key of an article's work on each author's record.
func WorkKey(articleKey string) string { return "article:" + articleKey }

// ReviewKey is the item key of a review of an article on the reviewer's
// record.
func ReviewKey(articleKey string) string { return "review:" + articleKey }

// Result says what a change did to each author's copy.
type Result struct {
	Article store.Article
	// Items are the authors' items after the change, in author order
	// (Publish, SaveArticle of a published article), or the retracted
	// copies (Unpublish, removed authors).
	Items []store.Item
	// Invited lists the authors sent the authorization email.
	Invited []int64
}

// Work is the ORCID work of an article.
func Work(a store.Article) *orcid.Work {
	w := &orcid.Work{Title: orcid.NewTitle(a.Title), JournalTitle: orcid.NewText(a.JournalTitle), Type: a.Type,
		URL: orcid.NewText(a.URL)}
	if a.PubYear > 0 {
		w.PublicationDate = orcid.NewFuzzyDate(a.PubYear, a.PubMonth, a.PubDay)
	}
	if a.DOI != "" {
		w.ExternalIDs = orcid.NewExternalIDs(orcid.ExternalID{Type: "doi", Value: a.DOI,
			URL: orcid.NewText("https://doi.org/" + a.DOI), Relationship: orcid.RelationshipSelf})
	}
	return w
}

// SaveArticle creates or updates an article's metadata and authors. The
// workflow state is left alone (Publish, Unpublish change it). When the
// article is published, every author's copy is put again (the worker PUTs
// it under its put-code), a new author gets one, and a removed author's
// copy is retracted.
func (s *Service) SaveArticle(ctx context.Context, a store.Article) (Result, error) {
	a.State = ""
	saved, removed, err := s.cfg.Store.SaveArticle(ctx, a)
	if err != nil {
		return Result{}, fmt.Errorf("journal: %w", err)
	}
	res := Result{Article: saved}
	for _, pid := range removed {
		it, err := s.cfg.Queue.RetractWhile(ctx, saved.TenantID, pid, orcid.KindWork, WorkKey(saved.Key),
			stillArticle(saved, func(cur store.Article) bool { return !slices.Contains(cur.Authors, pid) }))
		if errors.Is(err, jobs.ErrSkipped) {
			continue // made an author again meanwhile
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return res, fmt.Errorf("journal: retract article %q of removed author %d: %w", saved.Key, pid, err)
		}
		if err == nil {
			res.Items = append(res.Items, it)
		}
	}
	if saved.State != store.ArticlePublished {
		return res, nil
	}
	return s.push(ctx, res)
}

// Publish publishes an article: every author's record gets its work, now
// or once they connect; authors not connected are invited when the tenant
// asks for it.
func (s *Service) Publish(ctx context.Context, tenantID int64, articleKey string) (Result, error) {
	a, err := s.cfg.Store.SetArticleState(ctx, tenantID, articleKey, store.ArticlePublished)
	if err != nil {
		return Result{}, fmt.Errorf("journal: publish: %w", err)
	}
	return s.push(ctx, Result{Article: a})
}

func (s *Service) push(ctx context.Context, res Result) (Result, error) {
	a := res.Article
	t, err := s.cfg.Store.Tenant(ctx, a.TenantID)
	if err != nil {
		return res, fmt.Errorf("journal: publish article %q: %w", a.Key, err)
	}
	w := Work(a)
	_, want, err := store.NormalizeItem(w)
	if err != nil {
		return res, fmt.Errorf("journal: publish article %q: %w", a.Key, err)
	}
	for _, pid := range a.Authors {
		// Put only while the article is still published, with this
		// content and this author: an unpublish, a newer save or the
		// author's removal committed since wins (and does its own work).
		it, err := s.cfg.Queue.Put(ctx, jobs.PutItem{TenantID: a.TenantID, PersonID: pid, Key: WorkKey(a.Key), Item: w,
			While: stillArticle(a, func(cur store.Article) bool {
				_, got, err := store.NormalizeItem(Work(cur))
				return err == nil && cur.State == store.ArticlePublished && slices.Contains(cur.Authors, pid) &&
					bytes.Equal(got, want)
			})})
		if errors.Is(err, jobs.ErrSkipped) {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("journal: article %q for author %d: %w", a.Key, pid, err)
		}
		res.Items = append(res.Items, it)
		if it.State != store.ItemPending || !t.Settings.RequestAuthorizationOnPublication {
			continue
		}
		invited, err := s.invite(ctx, a.TenantID, pid)
		if err != nil {
			// The work waits for them either way; an administrator can
			// invite by hand.
			s.log.WarnContext(ctx, "journal: could not invite author", "tenant", a.TenantID, "person", pid,
				"article", a.Key, "err", err)
			continue
		}
		if invited {
			res.Invited = append(res.Invited, pid)
		}
	}
	return res, nil
}

// invite sends the authorization email unless the person is connected
// with the scopes or holds a pending invitation still valid (Invite would
// cancel it and send another).
func (s *Service) invite(ctx context.Context, tenantID, personID int64) (bool, error) {
	invs, err := s.cfg.Store.ListInvitations(ctx, tenantID, personID)
	if err != nil {
		return false, err
	}
	now := s.now()
	for _, in := range invs {
		if in.State == store.InvitationPending && in.Usable(now) {
			return false, nil
		}
	}
	_, err = s.cfg.Inviter.Invite(ctx, tenantID, personID, store.ActorSystem, true)
	if errors.Is(err, connect.ErrAlreadyConnected) {
		return false, nil
	}
	return err == nil, err
}

// Unpublish retracts every author's copy of an article.
func (s *Service) Unpublish(ctx context.Context, tenantID int64, articleKey string) (Result, error) {
	a, err := s.cfg.Store.SetArticleState(ctx, tenantID, articleKey, store.ArticleUnpublished)
	if err != nil {
		return Result{}, fmt.Errorf("journal: unpublish: %w", err)
	}
	res := Result{Article: a}
	for _, pid := range a.Authors {
		it, err := s.cfg.Queue.RetractWhile(ctx, tenantID, pid, orcid.KindWork, WorkKey(a.Key),
			stillArticle(a, func(cur store.Article) bool { return cur.State != store.ArticlePublished }))
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, jobs.ErrSkipped) {
			continue // never published for them, or published again meanwhile
		}
		if err != nil {
			return res, fmt.Errorf("journal: unpublish article %q for author %d: %w", a.Key, pid, err)
		}
		res.Items = append(res.Items, it)
	}
	return res, nil
}

// stillArticle is the condition of a change to an author's copy of a:
// inside the item's transaction, it locks the article (store.LockArticle)
// and asks ok of it as it is now. Whatever changes the article after that
// waits for the item change to commit, and then makes its own, so the
// last change to the article decides every copy.
func stillArticle(a store.Article, ok func(cur store.Article) bool) jobs.Condition {
	return func(ctx context.Context, tx *store.Tx) (bool, error) {
		cur, err := tx.LockArticle(ctx, a.TenantID, a.Key)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil // deleted
		}
		if err != nil {
			return false, err
		}
		return ok(cur), nil
	}
}

// ReviewGroupID is the peer-review group of an article's reviews: the
// journal's ISSN, else a group named after the tenant.
func ReviewGroupID(t store.Tenant, a store.Article) string {
	if a.ISSN != "" {
		return "issn:" + a.ISSN
	}
	return "orcid-generated:" + t.Slug
}

// PeerReview is the ORCID peer-review item of a completed review.
func PeerReview(t store.Tenant, a store.Article, r store.ArticleReview, publisher orcid.Organization) *orcid.PeerReview {
	d := r.Completed.UTC()
	p := &orcid.PeerReview{
		ReviewerRole: "reviewer",
		ReviewIdentifiers: orcid.NewExternalIDs(orcid.ExternalID{Type: "source-work-id", Value: r.Key,
			Relationship: orcid.RelationshipSelf}),
		ReviewType:           "review",
		ReviewCompletionDate: orcid.NewFuzzyDate(d.Year(), int(d.Month()), d.Day()),
		ReviewGroupID:        ReviewGroupID(t, a),
		SubjectContainerName: orcid.NewText(a.JournalTitle),
		SubjectType:          a.Type,
		SubjectName:          orcid.NewTitle(a.Title),
		SubjectURL:           orcid.NewText(a.URL),
	}
	if a.DOI != "" {
		p.SubjectExternalIdentifier = &orcid.ExternalID{Type: "doi", Value: a.DOI,
			URL: orcid.NewText("https://doi.org/" + a.DOI), Relationship: orcid.RelationshipSelf}
	}
	org := publisher
	if publisher.Address != nil {
		addr := *publisher.Address
		org.Address = &addr
	}
	p.ConveningOrganization = &org
	return p
}

// CompleteReview records that a person of the tenant completed a review of
// an article on day completed, and puts the peer-review item on their
// record (now, or once they connect).
func (s *Service) CompleteReview(ctx context.Context, tenantID int64, articleKey string, reviewerPersonID int64,
	completed time.Time) (store.Item, error) {
	t, err := s.cfg.Store.Tenant(ctx, tenantID)
	if err != nil {
		return store.Item{}, fmt.Errorf("journal: complete review: %w", err)
	}
	publisher := s.cfg.Publisher
	if p := t.Settings.Publisher; p.Complete() {
		publisher = orcid.Organization{Name: p.Name, Address: &orcid.OrganizationAddress{City: p.City, Region: p.Region,
			Country: p.Country}}
	}
	if strings.TrimSpace(publisher.Name) == "" || publisher.Address == nil {
		return store.Item{}, fmt.Errorf("journal: complete review: %w: no publisher configured (the tenant's settings name none)",
			store.ErrInvalid)
	}
	a, err := s.cfg.Store.Article(ctx, tenantID, articleKey)
	if err != nil {
		return store.Item{}, fmt.Errorf("journal: complete review: %w", err)
	}
	r, err := s.cfg.Store.SaveArticleReview(ctx, store.ArticleReview{TenantID: tenantID, ArticleID: a.ID,
		PersonID: reviewerPersonID, Key: a.Key + "/review:" + strconv.FormatInt(reviewerPersonID, 10),
		Completed: completed})
	if err != nil {
		return store.Item{}, fmt.Errorf("journal: complete review: %w", err)
	}
	it, err := s.cfg.Queue.Put(ctx, jobs.PutItem{TenantID: tenantID, PersonID: reviewerPersonID,
		Key: ReviewKey(a.Key), Item: PeerReview(t, a, r, publisher)})
	if err != nil {
		return store.Item{}, fmt.Errorf("journal: review of article %q by %d: %w", a.Key, reviewerPersonID, err)
	}
	return it, nil
}
