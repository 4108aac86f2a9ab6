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
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcidclients"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Clients gives the ORCID client of a credential; *connect.Service is one,
// and sharing it shares the credential's rate budget.
type Clients interface {
	Client(ctx context.Context, cred store.Credential) (*orcid.Client, error)
}

var _ Clients = (*connect.Service)(nil)

// Inviter invites a person to connect, saying why (the article, the
// review); *connect.Service is one.
type Inviter interface {
	InviteWithReason(ctx context.Context, tenantID, personID int64, actor string, sendEmail bool,
		why store.InvitationReason) (connect.Invitation, error)
}

var _ Inviter = (*connect.Service)(nil)

// Config configures a Service. Store, Queue and Inviter are required.
type Config struct {
	Store   *store.Store
	Queue   *jobs.Queue
	Inviter Inviter
	// Clients registers the review groups of journals with no ISSN at
	// ORCID; without it, reviews of such journals are refused.
	Clients Clients
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

// Work is the ORCID work of an article. ORCID requires a self identifier
// on every work (400 9023 otherwise): the DOI when there is one, else the
// article's URL (type uri), else a source-work-id that stays the same for
// the article's life, so that an article without a DOI still reaches every
// author's record and is recognised there on a retry. The journal's ISSN is
// a part-of identifier, which groups the work with the journal's others.
//
// Contributors are listed in the article's order, the first "first" and
// the others "additional" (ORCID's contributor-sequence), each with their
// first CRediT role or "author" (a v3.0 contributor holds one role). A
// person of the tenant is named as they are in orcidlink and, once
// connected, carries the iD they authenticated (people): never an iD
// typed by anyone.
func Work(a store.Article, people map[int64]Person) *orcid.Work {
	w := &orcid.Work{Title: orcid.NewTitle(a.Title), JournalTitle: orcid.NewText(a.JournalTitle), Type: a.Type,
		URL: orcid.NewText(a.URL), ShortDescription: a.Abstract, LanguageCode: a.Language}
	w.Title.Subtitle = orcid.NewText(a.Subtitle)
	if a.TranslatedTitle != "" {
		w.Title.TranslatedTitle = &orcid.TranslatedTitle{Value: a.TranslatedTitle, LanguageCode: a.TranslatedTitleLanguage}
	}
	for i, c := range a.Contributors {
		oc := orcid.Contributor{ContributorAttributes: &orcid.ContributorAttributes{Sequence: "additional", Role: "author"}}
		if i == 0 {
			oc.ContributorAttributes.Sequence = "first"
		}
		if len(c.Roles) > 0 {
			oc.ContributorAttributes.Role = c.Roles[0]
		}
		name := c.Name
		if c.PersonID != 0 {
			p := people[c.PersonID]
			name = p.Name
			if p.ID != "" {
				oc.ContributorOrcid = contributorID(p)
			}
		}
		if name != "" {
			oc.CreditName = orcid.NewText(name)
		}
		if w.Contributors == nil {
			w.Contributors = &orcid.Contributors{}
		}
		w.Contributors.Contributor = append(w.Contributors.Contributor, oc)
	}
	if a.PubYear > 0 {
		w.PublicationDate = orcid.NewFuzzyDate(a.PubYear, a.PubMonth, a.PubDay)
	}
	var ids []orcid.ExternalID
	switch {
	case a.DOI != "":
		ids = append(ids, orcid.ExternalID{Type: "doi", Value: a.DOI, URL: orcid.NewText(orcid.DOIURL(a.DOI)),
			Relationship: orcid.RelationshipSelf})
	case a.URL != "":
		ids = append(ids, orcid.ExternalID{Type: "uri", Value: a.URL, URL: orcid.NewText(a.URL),
			Relationship: orcid.RelationshipSelf})
	default:
		ids = append(ids, orcid.ExternalID{Type: "source-work-id", Value: SourceWorkID(a),
			Relationship: orcid.RelationshipSelf})
	}
	for _, issn := range append([]string{a.ISSN}, a.OtherISSNs...) {
		if issn != "" {
			ids = append(ids, orcid.ExternalID{Type: "issn", Value: issn,
				URL: orcid.NewText("https://portal.issn.org/resource/ISSN/" + issn), Relationship: orcid.RelationshipPartOf})
		}
	}
	w.ExternalIDs = orcid.NewExternalIDs(ids...)
	w.Citation = &orcid.Citation{Type: "bibtex", Value: BibTeX(a, people)}
	return w
}

// Person is what a work says of a contributor who is a person of the
// tenant: their name and, when connected, their authenticated iD.
type Person struct {
	Name  string
	ID    orcid.ID
	IDURI string // the iD's URI on the registry that issued it
}

// contributorID is the contributor-orcid of a connected person: the URI
// only when it is an https orcid.org one (ORCID refuses others, such as an
// offline registry's loopback address, in contributor-orcid), the bare iD
// always.
func contributorID(p Person) *orcid.OrcidIdentifier {
	id := &orcid.OrcidIdentifier{Path: string(p.ID)}
	if u, err := url.Parse(p.IDURI); err == nil && u.Scheme == "https" && (u.Host == "orcid.org" ||
		strings.HasSuffix(u.Host, ".orcid.org")) {
		id.URI, id.Host = p.IDURI, u.Host
	}
	return id
}

// people reads what the work of a says about each person among its
// contributors.
func (s *Service) people(ctx context.Context, a store.Article) (map[int64]Person, error) {
	out := map[int64]Person{}
	for _, pid := range a.Authors {
		p, err := s.cfg.Store.Person(ctx, a.TenantID, pid)
		if err != nil {
			return nil, err
		}
		out[pid] = Person{Name: strings.TrimSpace(p.GivenNames + " " + p.FamilyNames)}
		l, err := s.cfg.Store.Link(ctx, a.TenantID, pid)
		switch {
		case err == nil && l.State == store.LinkConnected && l.ORCID != "":
			out[pid] = Person{Name: out[pid].Name, ID: l.ORCID, IDURI: l.ORCIDURI}
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	return out, nil
}

// SourceWorkID is the self identifier of an article with neither DOI nor
// URL: the tenant and the tenant's key, unique among the works of every
// tenant sharing the credential (ORCID compares self identifiers per
// source, and a clash would make one tenant's article adopt another's).
func SourceWorkID(a store.Article) string {
	return "orcidlink-" + strconv.FormatInt(a.TenantID, 10) + "-" + a.Key
}

// SaveArticle creates or updates an article's metadata and authors. The
// workflow state is left alone (Publish, Unpublish change it). When the
// article is published, every author's copy is put again (the worker PUTs
// it under its put-code), a new author gets one, and a removed author's
// copy is retracted.
func (s *Service) SaveArticle(ctx context.Context, a store.Article) (Result, error) {
	a.State = ""
	if ps := CheckArticle(&a); ps != nil {
		return Result{}, fmt.Errorf("journal: save article %q: %w", a.Key, ps)
	}
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
	return s.push(ctx, res, nil)
}

// Publish publishes an article: every author's record gets its work, now
// or once they connect; authors not connected are invited when the tenant
// asks for it.
//
// Publishing is all or nothing: a work ORCID would refuse (every field is
// checked first, as the worker's Put would) publishes nothing, and a
// failure while the copies are queued puts the article back as it was and
// takes back the copies already queued.
func (s *Service) Publish(ctx context.Context, tenantID int64, articleKey string) (Result, error) {
	before, err := s.cfg.Store.Article(ctx, tenantID, articleKey)
	if err != nil {
		return Result{}, fmt.Errorf("journal: publish: %w", err)
	}
	if ps := CheckArticle(&before); ps != nil {
		return Result{Article: before}, fmt.Errorf("journal: publish %q: %w", articleKey, ps)
	}
	people, err := s.people(ctx, before)
	if err != nil {
		return Result{}, fmt.Errorf("journal: publish: %w", err)
	}
	w := Work(before, people)
	orcid.Canonicalize(w)
	if err := orcid.Validate(w); err != nil {
		return Result{Article: before}, fmt.Errorf("journal: publish %q: %w", articleKey, err)
	}
	a, err := s.cfg.Store.SetArticleState(ctx, tenantID, articleKey, store.ArticlePublished)
	if err != nil {
		return Result{}, fmt.Errorf("journal: publish: %w", err)
	}
	// The article Publish set is the one checked above (only its state
	// changed), so what was read of its people holds.
	res, err := s.push(ctx, Result{Article: a}, people)
	if err == nil || before.State == store.ArticlePublished {
		return res, err
	}
	// Undo: the article goes back to its state, and what was queued for
	// it leaves again (the condition sees the state restored).
	ctx = context.WithoutCancel(ctx)
	if _, uerr := s.cfg.Store.SetArticleState(ctx, tenantID, articleKey, before.State); uerr != nil {
		return res, errors.Join(err, uerr)
	}
	for _, it := range res.Items {
		_, rerr := s.cfg.Queue.RetractWhile(ctx, tenantID, it.PersonID, orcid.KindWork, WorkKey(articleKey),
			stillArticle(a, func(cur store.Article) bool { return cur.State != store.ArticlePublished }))
		if rerr != nil && !errors.Is(rerr, jobs.ErrSkipped) && !errors.Is(rerr, store.ErrNotFound) {
			err = errors.Join(err, rerr)
		}
	}
	return Result{Article: before}, err
}

// push puts every author's copy of the article. people is what the work
// says of the tenant's people among its contributors; nil reads it.
func (s *Service) push(ctx context.Context, res Result, people map[int64]Person) (Result, error) {
	a := res.Article
	t, err := s.cfg.Store.Tenant(ctx, a.TenantID)
	if err != nil {
		return res, fmt.Errorf("journal: publish article %q: %w", a.Key, err)
	}
	if people == nil {
		if people, err = s.people(ctx, a); err != nil {
			return res, fmt.Errorf("journal: publish article %q: %w", a.Key, err)
		}
	}
	w := Work(a, people)
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
				_, got, err := store.NormalizeItem(Work(cur, people))
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
		invited, err := s.invite(ctx, a.TenantID, pid, store.InvitationReason{Kind: store.ReasonArticle, Detail: a.Title})
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

// invite sends the authorization email, saying why, unless the person is
// connected with the scopes or holds a pending invitation still valid
// (Invite would cancel it and send another; its reminders go on).
func (s *Service) invite(ctx context.Context, tenantID, personID int64, why store.InvitationReason) (bool, error) {
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
	_, err = s.cfg.Inviter.InviteWithReason(ctx, tenantID, personID, store.ActorSystem, true, why)
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

// PeerReview is the ORCID peer-review item of a completed review, in the
// group groupID. Only an open review names the article reviewed (its
// title, URL, DOI and type); under an anonymous or double-anonymous model
// the reviewer's public record names the journal alone, as OJS does
// (OrcidReview.php sends subject data only for open review).
func PeerReview(a store.Article, r store.ArticleReview, mode store.ReviewMode, groupID string,
	publisher orcid.Organization) *orcid.PeerReview {
	d := r.Completed.UTC()
	p := &orcid.PeerReview{
		ReviewerRole: "reviewer",
		ReviewIdentifiers: orcid.NewExternalIDs(orcid.ExternalID{Type: "source-work-id", Value: r.Key,
			Relationship: orcid.RelationshipSelf}),
		ReviewType:           "review",
		ReviewCompletionDate: orcid.NewFuzzyDate(d.Year(), int(d.Month()), d.Day()),
		ReviewGroupID:        groupID,
		SubjectContainerName: orcid.NewText(a.JournalTitle),
	}
	if mode == store.ReviewOpen {
		p.SubjectType = a.Type
		p.SubjectName = orcid.NewTitle(a.Title)
		p.SubjectURL = orcid.NewText(a.URL)
		if a.DOI != "" {
			p.SubjectExternalIdentifier = &orcid.ExternalID{Type: "doi", Value: a.DOI,
				URL: orcid.NewText(orcid.DOIURL(a.DOI)), Relationship: orcid.RelationshipSelf}
		}
	}
	org := publisher
	if publisher.Address != nil {
		addr := *publisher.Address
		org.Address = &addr
	}
	if publisher.DisambiguatedOrganization != nil {
		dis := *publisher.DisambiguatedOrganization
		org.DisambiguatedOrganization = &dis
	}
	p.ConveningOrganization = &org
	return p
}

// ReviewGroup is the peer-review group of an article's reviews: the
// journal's ISSN group (ORCID creates those on first use), else the group
// orcidlink registered for the journal at ORCID with the tenant's
// credential, registering it now if this is the journal's first review.
// ORCID refuses a review naming a group it does not hold (400 9020).
func (s *Service) ReviewGroup(ctx context.Context, t store.Tenant, a store.Article) (string, error) {
	if a.ISSN != "" {
		return "issn:" + a.ISSN, nil
	}
	journal := strings.TrimSpace(a.JournalTitle)
	if journal == "" {
		journal = t.Name
	}
	g, err := s.cfg.Store.ReviewGroup(ctx, t.ID, t.CredentialID, journal)
	if err == nil {
		return g.GroupID, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if s.cfg.Clients == nil {
		return "", store.Refusal(store.ErrInvalid, "the journal %q has no ISSN, and this server cannot register a review group at ORCID", journal)
	}
	cred, err := s.cfg.Store.Credential(ctx, t.CredentialID)
	if err != nil {
		return "", err
	}
	client, err := s.cfg.Clients.Client(ctx, cred)
	if err != nil {
		return "", err
	}
	want := orcid.GroupIDRecord{Name: journal, GroupID: reviewGroupID(cred, t, journal), Type: "journal",
		Description: "Peer reviews for " + journal + " (" + t.Name + ")"}
	got, err := client.EnsureGroup(orcidclients.WithCallContext(ctx, t.ID, 0), want)
	var apiErr *orcid.APIError
	if errors.As(err, &apiErr) && apiErr.OAuthError == "invalid_scope" {
		return "", fmt.Errorf("journal %q: %w", journal, ErrNoGroupScope)
	}
	if err != nil {
		return "", fmt.Errorf("register the review group of %q at ORCID: %w", journal, err)
	}
	g, err = s.cfg.Store.SaveReviewGroup(ctx, store.ReviewGroup{TenantID: t.ID, CredentialID: cred.ID, Journal: journal,
		GroupID: got.GroupID, PutCode: got.PutCode})
	if err != nil {
		return "", err
	}
	return g.GroupID, nil
}

// reviewGroupID names the group of a journal: orcid-generated, which ORCID
// lets members register, and unique to the client, the tenant and the
// journal's title, so that two tenants (or two deployments) never share a
// group by accident.
func reviewGroupID(cred store.Credential, t store.Tenant, journal string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(journal)))
	return "orcid-generated:orcidlink-" + strings.ToLower(cred.ClientID) + "-" + t.Slug + "-" + hex.EncodeToString(sum[:6])
}

// ErrNoGroupScope means ORCID refused the two-legged /group-id-record/update
// scope to the tenant's credential. ORCID enables it per client on request;
// until then, reviews of a journal without an ISSN cannot be sent.
var ErrNoGroupScope = errors.New("ORCID has not enabled the group-id-record scopes for this credential's client: " +
	"ask ORCID's support to enable /group-id-record/update for it, or give the journal its ISSN")

// ErrNoReviewConsent means the reviewer asked that their reviews not be added
// to their ORCID record; nothing is recorded or sent.
var ErrNoReviewConsent = errors.New("the reviewer asked that their reviews not be added to their ORCID record")

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
		publisher = p.Organization()
	}
	if strings.TrimSpace(publisher.Name) == "" || publisher.Address == nil {
		return store.Item{}, fmt.Errorf("journal: complete review: %w",
			store.Refusal(store.ErrInvalid, "no publisher configured (the tenant's settings name none)"))
	}
	a, err := s.cfg.Store.Article(ctx, tenantID, articleKey)
	if err != nil {
		return store.Item{}, fmt.Errorf("journal: complete review: %w", err)
	}
	consent, err := s.cfg.Store.ReviewConsent(ctx, tenantID, reviewerPersonID)
	if err != nil {
		return store.Item{}, fmt.Errorf("journal: complete review: %w", err)
	}
	if !consent {
		return store.Item{}, fmt.Errorf("journal: complete review of %q by %d: %w", a.Key, reviewerPersonID, ErrNoReviewConsent)
	}
	group, err := s.ReviewGroup(ctx, t, a)
	if err != nil {
		return store.Item{}, fmt.Errorf("journal: complete review of %q: %w", a.Key, err)
	}
	r, err := s.cfg.Store.SaveArticleReview(ctx, store.ArticleReview{TenantID: tenantID, ArticleID: a.ID,
		PersonID: reviewerPersonID, Key: a.Key + "/review:" + strconv.FormatInt(reviewerPersonID, 10),
		Completed: completed})
	if err != nil {
		return store.Item{}, fmt.Errorf("journal: complete review: %w", err)
	}
	mode := a.ReviewMode.Or(t.Settings.ReviewMode)
	it, err := s.cfg.Queue.Put(ctx, jobs.PutItem{TenantID: tenantID, PersonID: reviewerPersonID,
		Key: ReviewKey(a.Key), Item: PeerReview(a, r, mode, group, publisher)})
	if err != nil {
		return store.Item{}, fmt.Errorf("journal: review of article %q by %d: %w", a.Key, reviewerPersonID, err)
	}
	if it.State == store.ItemPending && t.Settings.RequestAuthorizationOnPublication {
		// Only an open review names the article, in the email as on the
		// record: an anonymous review's email may be forwarded.
		why := store.InvitationReason{Kind: store.ReasonReview}
		if mode == store.ReviewOpen {
			why.Detail = a.Title
		}
		if _, err := s.invite(ctx, tenantID, reviewerPersonID, why); err != nil {
			// The review waits for them either way; an administrator can
			// invite by hand.
			s.log.WarnContext(ctx, "journal: could not invite reviewer", "tenant", tenantID, "person", reviewerPersonID,
				"article", a.Key, "err", err)
		}
	}
	return it, nil
}
