package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// adminReviewRow is a completed review on the article page, with where its
// peer-review item stands.
type adminReviewRow struct {
	Reviewer  string
	PersonID  int64
	Completed time.Time
	Item      store.Item // zero when no item exists (yet)
}

func (s *Server) adminArticleReviews(ctx context.Context, tenantID int64, art store.Article, people []store.PersonListItem) ([]adminReviewRow, error) {
	reviews, err := s.store.ListArticleReviews(ctx, tenantID, art.ID)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, p := range people {
		names[p.ID] = strings.TrimSpace(p.GivenNames + " " + p.FamilyNames)
	}
	var rows []adminReviewRow
	for _, rv := range reviews {
		row := adminReviewRow{Reviewer: names[rv.PersonID], PersonID: rv.PersonID, Completed: rv.Completed}
		it, err := s.store.ItemByKey(ctx, tenantID, rv.PersonID, orcid.KindPeerReview, journal.ReviewKey(art.Key))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		row.Item = it
		rows = append(rows, row)
	}
	return rows, nil
}

// adminArticleReview records that a person of the tenant completed a
// review of the article: the journal puts the peer-review item (convened
// by the tenant's publisher) on their ORCID record, now or once they
// connect.
func (s *Server) adminArticleReview(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if s.cfg.Journal == nil || r.ParseForm() != nil {
		s.adminNotFound(w, r, a)
		return
	}
	art, err := s.store.Article(r.Context(), t.ID, r.PathValue("key"))
	if err != nil {
		s.adminNotFound(w, r, a)
		return
	}
	refuse := func(msg string) {
		s.adminArticlesPage(w, r, a, t, http.StatusBadRequest, adminArticlesData{Article: art, ReviewError: msg})
	}
	if !t.Settings.Publisher.Complete() {
		refuse("Set the publisher (name, city and country) in the tenant's settings first: ORCID names it as the organisation that convened the review.")
		return
	}
	pid, err := strconv.ParseInt(r.PostFormValue("reviewer"), 10, 64)
	if err != nil {
		refuse("Choose the reviewer.")
		return
	}
	// Another tenant's person is as unknown as a missing one.
	if _, err := s.store.Person(r.Context(), t.ID, pid); err != nil {
		refuse("Choose the reviewer among the tenant's people.")
		return
	}
	completed, err := time.Parse(time.DateOnly, strings.TrimSpace(r.PostFormValue("completed")))
	if err != nil || completed.After(time.Now().Add(24*time.Hour)) {
		refuse("Enter the day the review was completed, e.g. 2026-02-14 (not in the future).")
		return
	}
	ctx := withAdminAudit(r, a, t.ID, pid, "review.completed", map[string]any{"article": art.Key})
	it, err := s.cfg.Journal.CompleteReview(ctx, t.ID, art.Key, pid, completed)
	var ve *orcid.ValidationError
	switch {
	case err == nil:
	case errors.As(err, &ve):
		refuse("ORCID would refuse this review: " + ve.Error())
		return
	case errors.Is(err, journal.ErrNoGroupScope):
		refuse("The review was not recorded: " + journal.ErrNoGroupScope.Error() + ".")
		return
	case errors.Is(err, journal.ErrNoReviewConsent):
		refuse("The reviewer asked that their reviews not be added to their ORCID record: nothing was recorded or sent.")
		return
	case errors.Is(err, store.ErrInvalid):
		refuse("The review could not be recorded: " + adminReason(err, "the input is not valid") + ".")
		return
	default:
		s.adminFail(w, r, a, "record the review", err)
		return
	}
	s.adminAuditDone(ctx, map[string]any{"item": it.ID})
	flash := "Review recorded: the peer review goes to the reviewer's ORCID record."
	if it.State == store.ItemPending {
		flash = "Review recorded: the peer review waits until the reviewer connects (" + it.StateReason + ")."
	}
	s.adminRedirect(w, r, adminArticlePath(t.ID, art.Key), flash)
}
