package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/store"
)

// BatchFiles is what the admin UI needs of batch files (batch.Service).
type BatchFiles interface {
	Upload(ctx context.Context, u batch.Upload) (store.Batch, error)
	StartImport(ctx context.Context, tenantID, batchID int64, o batch.ImportOptions) (store.Batch, error)
	Batch(ctx context.Context, tenantID, batchID int64) (store.Batch, error)
	Report(ctx context.Context, tenantID, batchID int64, limit int) (batch.Report, error)
	WriteReportCSV(ctx context.Context, w io.Writer, tenantID, batchID int64) error
	WriteResultCSV(ctx context.Context, w io.Writer, tenantID, batchID int64) error
}

// adminBatchUploadLimit bounds an uploaded file; the file is validated as
// it arrives, never held whole, so this is about disk and time, not memory.
const adminBatchUploadLimit = 256 << 20

// adminReportRows is how many problems the report page shows; the CSV has
// them all.
const adminReportRows = 200

type adminBatchesData struct {
	Tenant  store.Tenant
	Batches []store.Batch
	Kinds   []batch.Kind
	Error   string
}

type adminBatchData struct {
	Tenant store.Tenant
	Report batch.Report
	// Percent is the import's progress.
	Percent int
}

func (s *Server) adminBatchesPage(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, status int, msg string) {
	list, err := s.store.ListBatches(r.Context(), t.ID, 50)
	if err != nil {
		s.adminFail(w, r, a, "list batch files", err)
		return
	}
	s.render(w, r, status, "admin_batches", s.adminPage(r, a, "Batch files of "+t.Name,
		adminBatchesData{Tenant: t, Batches: list, Kinds: batch.Kinds(), Error: msg}))
}

func (s *Server) adminBatches(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if s.cfg.Batches == nil {
		s.adminNotFound(w, r, a)
		return
	}
	s.adminBatchesPage(w, r, a, t, http.StatusOK, "")
}

// adminBatchUpload validates an uploaded file as it streams in: the form
// sends the kind before the file, so the file part is read once, straight
// into the validator.
func (s *Server) adminBatchUpload(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if s.cfg.Batches == nil {
		s.adminNotFound(w, r, a)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, adminBatchUploadLimit)
	mr, err := r.MultipartReader()
	if err != nil {
		s.adminBatchesPage(w, r, a, t, http.StatusBadRequest, "Choose a file to upload.")
		return
	}
	var kind batch.Kind
	var b store.Batch
	ctx := r.Context()
	uploaded := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.adminBatchesPage(w, r, a, t, http.StatusBadRequest, "The upload was interrupted or is too large (at most 256 MB).")
			return
		}
		switch part.FormName() {
		case "kind":
			v, _ := io.ReadAll(io.LimitReader(part, 100))
			kind = batch.Kind(strings.TrimSpace(string(v)))
		case "file":
			if !kind.Valid() {
				s.adminBatchesPage(w, r, a, t, http.StatusBadRequest, "Choose what the file holds.")
				return
			}
			if part.FileName() == "" {
				s.adminBatchesPage(w, r, a, t, http.StatusBadRequest, "Choose a file to upload.")
				return
			}
			ctx = withAdminAudit(r, a, t.ID, 0, "batch.uploaded", map[string]any{"kind": string(kind)})
			b, err = s.cfg.Batches.Upload(ctx, batch.Upload{TenantID: t.ID, Kind: kind, Filename: part.FileName(),
				Actor: store.ActorAdmin(a.ID), Body: part})
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) || errors.Is(err, multipart.ErrMessageTooLarge) {
					s.adminBatchesPage(w, r, a, t, http.StatusRequestEntityTooLarge, "The file is too large (at most 256 MB).")
					return
				}
				s.adminFail(w, r, a, "validate an uploaded file", err)
				return
			}
			uploaded = true
		}
		part.Close()
	}
	if !uploaded {
		s.adminBatchesPage(w, r, a, t, http.StatusBadRequest, "Choose a file to upload.")
		return
	}
	s.adminAuditDone(ctx, map[string]any{"batch": b.ID, "kind": b.Kind, "rows": b.Total, "invalid": b.Invalid})
	flash := "The file is valid: " + adminPlural(b.Total, "row", "rows") + " ready to import."
	if b.State == store.BatchInvalid {
		flash = "The file has problems: see the report below."
	}
	s.adminRedirect(w, r, "/admin/tenants/"+strconv.FormatInt(t.ID, 10)+"/batches/"+strconv.FormatInt(b.ID, 10), flash)
}

// adminBatchRoute loads the batch {bid} of the tenant (404 for any other).
func (s *Server) adminBatchRoute(h func(http.ResponseWriter, *http.Request, *store.AdminUser, store.Tenant, store.Batch)) http.HandlerFunc {
	return s.adminTenantRoute(func(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
		id, ok := adminPathID(r, "bid")
		if !ok || s.cfg.Batches == nil {
			s.adminNotFound(w, r, a)
			return
		}
		b, err := s.cfg.Batches.Batch(r.Context(), t.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			s.adminNotFound(w, r, a)
			return
		}
		if err != nil {
			s.adminFail(w, r, a, "load batch", err)
			return
		}
		h(w, r, a, t, b)
	})
}

func batchPercent(b store.Batch) int {
	if b.Total == 0 {
		return 0
	}
	return b.Done * 100 / b.Total
}

func (s *Server) adminBatch(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, b store.Batch) {
	rep, err := s.cfg.Batches.Report(r.Context(), t.ID, b.ID, adminReportRows)
	if err != nil {
		s.adminFail(w, r, a, "read the report of a batch", err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_batch", s.adminPage(r, a, b.Filename,
		adminBatchData{Tenant: t, Report: rep, Percent: batchPercent(rep.Batch)}))
}

// adminBatchStatus answers the progress bar's polling.
func (s *Server) adminBatchStatus(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, b store.Batch) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"state": b.State, "total": b.Total, "done": b.Done, "percent": batchPercent(b)})
}

func (s *Server) adminBatchImport(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, b store.Batch) {
	o := batch.ImportOptions{OnlyValid: postValue(r, "only_valid") == "1", Invite: postValue(r, "invite") == "1"}
	to := "/admin/tenants/" + strconv.FormatInt(t.ID, 10) + "/batches/" + strconv.FormatInt(b.ID, 10)
	ctx := withAdminAudit(r, a, t.ID, 0, "batch.import", map[string]any{"batch": b.ID, "only_valid": o.OnlyValid, "invite": o.Invite})
	_, err := s.cfg.Batches.StartImport(ctx, t.ID, b.ID, o)
	if errors.Is(err, store.ErrConflict) {
		s.adminRedirect(w, r, to, "This file cannot be imported: "+adminReason(err, "it was imported already, or it has problems")+".")
		return
	}
	if err != nil {
		s.adminFail(w, r, a, "start an import", err)
		return
	}
	s.adminAuditDone(ctx, nil)
	s.adminRedirect(w, r, to, "The import has started.")
}

func csvDownload(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
}

func (s *Server) adminBatchReportCSV(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, b store.Batch) {
	csvDownload(w, "batch-"+strconv.FormatInt(b.ID, 10)+"-report.csv")
	if err := s.cfg.Batches.WriteReportCSV(r.Context(), w, t.ID, b.ID); err != nil {
		s.log.ErrorContext(r.Context(), "write batch report", "batch", b.ID, "err", err)
	}
}

func (s *Server) adminBatchResultCSV(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, b store.Batch) {
	csvDownload(w, "batch-"+strconv.FormatInt(b.ID, 10)+"-result.csv")
	if err := s.cfg.Batches.WriteResultCSV(r.Context(), w, t.ID, b.ID); err != nil {
		s.log.ErrorContext(r.Context(), "write batch result", "batch", b.ID, "err", err)
	}
}

// adminBatchTemplate serves the template of a kind: {file} is
// "works.csv", "people.json", ...
func (s *Server) adminBatchTemplate(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	name := r.PathValue("file")
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 || !batch.Kind(name[:dot]).Valid() || (name[dot+1:] != "csv" && name[dot+1:] != "json") {
		s.adminNotFound(w, r, a)
		return
	}
	kind, format := batch.Kind(name[:dot]), batch.Format(name[dot+1:])
	if format == batch.CSV {
		csvDownload(w, name)
	} else {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	if err := batch.WriteTemplate(w, kind, format); err != nil {
		s.log.ErrorContext(r.Context(), "write batch template", "file", name, "err", err)
	}
}
