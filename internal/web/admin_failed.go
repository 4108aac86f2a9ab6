package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/orcidlink/orcidlink/internal/problems"
	"github.com/orcidlink/orcidlink/internal/store"
)

// The failed list: a tenant's items ORCID refused (or that keep failing),
// each with the reason in plain words and ORCID's own message beside it,
// filtered by reason, with "retry all of these". With ?waiting=1 it lists
// what waits in the queue instead (the dashboard's backlog).

// adminFailedLimit bounds the items one page lists; retry-all goes through
// every matching item, page by page.
const adminFailedLimit = 500

type adminFailedRow struct {
	adminItemView
	Person store.Person
	Reason problems.Reason
}

type adminFailedData struct {
	Tenant  store.Tenant
	Reason  problems.Reason // the filter; zero: every reason
	Waiting bool
	Reasons []problems.FailedReason
	Total   int
	Items   []adminFailedRow
	More    bool // more items than listed
	CanSend bool
	// Pages: the list goes on after the last item listed (keyset on the
	// item's id, so that items failing meanwhile never make a page skip
	// or repeat one); FirstURL and NextURL keep the filters.
	Paged             bool
	FirstURL, NextURL string
}

// adminFailedURL is the failed (or waiting) list with its filters, from
// after the item after (0: the first page).
func adminFailedURL(tenantID int64, reason string, waiting bool, after int64) string {
	v := url.Values{}
	if reason != "" {
		v.Set("reason", reason)
	}
	if waiting {
		v.Set("waiting", "1")
	}
	if after > 0 {
		v.Set("after", strconv.FormatInt(after, 10))
	}
	u := adminTenantPath(tenantID) + "/failed"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// adminFailedStates are the states the failed list shows and retries.
func adminFailedStates() []store.ItemState {
	return []store.ItemState{store.ItemFailedPermanent, store.ItemFailedRetryable}
}

// adminFailedFilter reads the reason filter: ok false for an unknown one.
func adminFailedFilter(r *http.Request) (problems.Reason, bool) {
	key := r.FormValue("reason")
	if key == "" {
		return problems.Reason{}, true
	}
	return problems.ReasonByKey(key)
}

func (s *Server) adminFailed(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	ctx := r.Context()
	reason, ok := adminFailedFilter(r)
	if !ok {
		s.adminNotFound(w, r, a)
		return
	}
	d := adminFailedData{Tenant: t, Reason: reason, Waiting: r.FormValue("waiting") == "1", CanSend: s.cfg.Items != nil}
	var after int64
	if raw := r.FormValue("after"); raw != "" {
		var err error
		if after, err = strconv.ParseInt(raw, 10, 64); err != nil || after < 0 {
			s.adminBadRequest(w, r, a, "This page link is not valid any more.")
			return
		}
	}
	d.Paged, d.FirstURL = after > 0, adminFailedURL(t.ID, reason.Key, d.Waiting, 0)
	states := adminFailedStates()
	if d.Waiting {
		states = []store.ItemState{store.ItemQueued, store.ItemInFlight}
	} else {
		sum, err := problems.Summarize(ctx, s.store, t, s.now())
		if err != nil {
			s.adminFail(w, r, a, "count failed items", err)
			return
		}
		d.Reasons, d.Total = sum.Failed, sum.FailedTotal
	}
	// Until one more than a page matches: whether it does says if there
	// is a next page.
	for !d.More {
		items, err := s.store.ListItems(ctx, t.ID, store.ItemQuery{States: states, AfterID: after, Limit: 1000})
		if err != nil {
			s.adminFail(w, r, a, "list failed items", err)
			return
		}
		if len(items) == 0 {
			break
		}
		after = items[len(items)-1].ID
		for _, v := range adminItemViews(items, "", false) {
			why := problems.Explain(v.LastError)
			if reason.Key != "" && why.Key != reason.Key {
				continue
			}
			if len(d.Items) == adminFailedLimit {
				d.More = true
				break
			}
			d.Items = append(d.Items, adminFailedRow{adminItemView: v, Reason: why})
		}
	}
	// The people of the page, in one query rather than one each.
	var ids []int64
	seen := map[int64]bool{}
	for _, it := range d.Items {
		if !seen[it.PersonID] {
			seen[it.PersonID] = true
			ids = append(ids, it.PersonID)
		}
	}
	people, err := s.store.PeopleByID(ctx, t.ID, ids)
	if err != nil {
		s.adminFail(w, r, a, "read the people", err)
		return
	}
	for i := range d.Items {
		d.Items[i].Person = people[d.Items[i].PersonID]
	}
	if d.More {
		d.NextURL = adminFailedURL(t.ID, reason.Key, d.Waiting, d.Items[len(d.Items)-1].ID)
	}
	title := "Failed items of " + t.Name
	if d.Waiting {
		title = "Items waiting to be sent, " + t.Name
	}
	s.render(w, r, http.StatusOK, "admin_failed", s.adminPage(r, a, title, d))
}

// adminFailedRetry is POST /admin/tenants/{tid}/failed/retry: every failed
// item of the tenant (of one reason, when the form names it) is sent again,
// each with its job.
func (s *Server) adminFailedRetry(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	reason, ok := adminFailedFilter(r)
	if !ok || s.cfg.Items == nil {
		s.adminNotFound(w, r, a)
		return
	}
	// The event goes with the first item sent again (each is a transaction
	// of its own); its count is added once all are.
	ctx := withAdminAudit(r, a, t.ID, 0, "items.requeued", map[string]any{"reason": reason.Key})
	sent, failed := 0, 0
	var after int64
	for {
		items, err := s.store.ListItems(ctx, t.ID, store.ItemQuery{States: adminFailedStates(), AfterID: after, Limit: 1000})
		if err != nil {
			s.adminFail(w, r, a, "list failed items", err)
			return
		}
		if len(items) == 0 {
			break
		}
		after = items[len(items)-1].ID
		for _, it := range items {
			if reason.Key != "" && problems.Explain(it.LastError).Key != reason.Key {
				continue
			}
			if _, err := s.cfg.Items.Requeue(ctx, t.ID, it.ID); err != nil {
				// Changed meanwhile (sent, retracted): one item must not
				// stop the others.
				s.log.WarnContext(ctx, "retry all: an item could not be sent again", "tenant", t.ID, "item", it.ID, "err", err)
				failed++
				continue
			}
			sent++
		}
	}
	s.adminAuditDone(ctx, map[string]any{"items": sent})
	msg := adminPlural(sent, "item", "items") + " will be sent to ORCID again."
	if failed > 0 {
		msg += " " + adminPlural(failed, "item", "items") + " changed meanwhile and were left as they are."
	}
	to := adminTenantPath(t.ID) + "/failed"
	if reason.Key != "" {
		to += "?reason=" + reason.Key
	}
	s.adminRedirect(w, r, to, msg)
}
