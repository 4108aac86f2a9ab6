package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"

	"github.com/orcidlink/orcidlink/internal/store"
)

// ItemQueue is what the admin UI needs from the sync queue (jobs.Queue):
// sending a failed item again, with its job, in one step; reading a
// person's record on demand.
type ItemQueue interface {
	Requeue(ctx context.Context, tenantID, itemID int64) (store.Item, error)
	Import(ctx context.Context, tenantID, personID int64) error
}

// adminRecordView summarises a person's last imported record.
type adminRecordView struct {
	FetchedAt    time.Time
	Works, Ours  int // works on the record; those we are the source of
	ImportedJSON string
}

// adminRecordSummary counts the works of an imported record and marks what
// came from the tenant's credential.
func adminRecordSummary(r store.ImportedRecord, clientID string) adminRecordView {
	v := adminRecordView{FetchedAt: r.FetchedAt}
	var rec orcid.Record
	if json.Unmarshal(r.Record, &rec) != nil || rec.ActivitiesSummary == nil || rec.ActivitiesSummary.Works == nil {
		return v
	}
	for _, g := range rec.ActivitiesSummary.Works.Groups {
		for _, w := range g.Summaries {
			v.Works++
			if src := w.GetSource(); src != nil && src.SourceClientID != nil && src.SourceClientID.Path == clientID {
				v.Ours++
			}
		}
	}
	return v
}

// adminImportRecord queues a read of the person's ORCID record.
func (s *Server) adminImportRecord(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person) {
	if s.cfg.Items == nil {
		s.adminNotFound(w, r, a)
		return
	}
	// The queue's insert is no store transaction: adminAuditDone writes
	// the event once the job is queued.
	ctx := withAdminAudit(r, a, t.ID, p.ID, "record.import_requested", nil)
	if err := s.cfg.Items.Import(ctx, t.ID, p.ID); err != nil {
		s.adminFail(w, r, a, "queue the import of the ORCID record", err)
		return
	}
	s.adminAuditDone(ctx, nil)
	s.adminRedirect(w, r, adminPersonPath(t.ID, p.ID)+"#record", "The ORCID record will be read in a moment; reload this page.")
}

// adminItemView is an item as the admin pages show it.
type adminItemView struct {
	store.Item
	Title     string
	CanRetry  bool
	RecordURL string // the item on the researcher's record, once synced
}

// adminItemViews turns store items into rows; recordBase is the iD URI of
// the person's link, for links to their record.
func adminItemViews(items []store.Item, recordBase string, canRetry bool) []adminItemView {
	out := make([]adminItemView, 0, len(items))
	for _, it := range items {
		v := adminItemView{Item: it, Title: it.Key}
		if decoded, err := it.Decode(); err == nil && decoded.DisplayTitle() != "" {
			v.Title = decoded.DisplayTitle()
		}
		switch it.State {
		case store.ItemFailedPermanent, store.ItemFailedRetryable, store.ItemDeletedByResearcher:
			v.CanRetry = canRetry
		}
		if it.PutCode != 0 && recordBase != "" {
			v.RecordURL = recordBase
		}
		out = append(out, v)
	}
	return out
}

// adminItemRetry sends a failed item again: an administrator's decision
// after reading ORCID's message, or after a researcher deleted it.
func (s *Server) adminItemRetry(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person) {
	id, err := strconv.ParseInt(r.PathValue("iid"), 10, 64)
	if err != nil || s.cfg.Items == nil {
		s.adminNotFound(w, r, a)
		return
	}
	it, err := s.store.ItemByID(r.Context(), id)
	if err != nil || it.TenantID != t.ID || it.PersonID != p.ID {
		// Another tenant's or person's item is as unknown as a missing one.
		s.adminNotFound(w, r, a)
		return
	}
	ctx := withAdminAudit(r, a, t.ID, p.ID, "item.requeued", map[string]any{"item": id, "kind": string(it.Kind), "key": it.Key})
	if _, err := s.cfg.Items.Requeue(ctx, t.ID, id); err != nil {
		s.adminFail(w, r, a, "send the item again", err)
		return
	}
	s.adminAuditDone(ctx, nil)
	s.adminRedirect(w, r, adminPersonPath(t.ID, p.ID)+"#items", "The item will be sent to ORCID again.")
}
