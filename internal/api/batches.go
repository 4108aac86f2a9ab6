package api

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Upload media types: the body is the file itself, streamed. CSV is
// RFC 4180 with a header row; JSON is an array of objects or one object
// per line (NDJSON), so both JSON types read the same way.
var uploadFormats = map[string]batch.Format{
	"text/csv":             batch.CSV,
	"application/json":     batch.JSON,
	"application/x-ndjson": batch.JSON,
}

func batchKinds() []string {
	var out []string
	for _, k := range batch.Kinds() {
		out = append(out, string(k))
	}
	return out
}

// apiBatch is a batch file as the API shows it: where it stands, its
// counts and the progress of its import.
type apiBatch struct {
	ID           int64           `json:"id"`
	Kind         string          `json:"kind"`
	Format       string          `json:"format"`
	Filename     string          `json:"filename"`
	State        string          `json:"state"`
	Total        int             `json:"total"`
	Valid        int             `json:"valid"`
	Invalid      int             `json:"invalid"`
	Done         int             `json:"done"`
	Progress     int             `json:"progress"`
	FileProblems []batch.Problem `json:"file_problems"`
	OnlyValid    bool            `json:"only_valid"`
	Invite       bool            `json:"invite"`
	Message      string          `json:"message"`
	UploadedBy   string          `json:"uploaded_by"`
	CreatedAt    time.Time       `json:"created_at"`
	StartedAt    *time.Time      `json:"started_at"`
	FinishedAt   *time.Time      `json:"finished_at"`
}

func batchOf(b store.Batch) apiBatch {
	out := apiBatch{ID: b.ID, Kind: b.Kind, Format: b.Format, Filename: b.Filename, State: string(b.State), Total: b.Total,
		Valid: b.Valid, Invalid: b.Invalid, Done: b.Done, OnlyValid: b.OnlyValid, Invite: b.Invite, Message: b.Message,
		UploadedBy: b.UploadedBy, CreatedAt: b.CreatedAt, StartedAt: timeOrNull(b.StartedAt), FinishedAt: timeOrNull(b.FinishedAt),
		FileProblems: []batch.Problem{}}
	if len(b.FileProblems) > 0 {
		_ = json.Unmarshal(b.FileProblems, &out.FileProblems) // the store keeps it as a JSON array
		if out.FileProblems == nil {
			out.FileProblems = []batch.Problem{}
		}
	}
	switch {
	case b.State == store.BatchDone:
		out.Progress = 100
	case b.Total > 0:
		out.Progress = b.Done * 100 / b.Total
	}
	return out
}

func (s *Server) batches() (Batches, error) {
	if s.cfg.Batches == nil {
		return nil, withDetail(store.ErrNotFound, "Batch files are not enabled on this server.")
	}
	return s.cfg.Batches, nil
}

// batchID reads {batch_id} and checks the batch is the tenant's.
func (s *Server) batchID(c *call) (Batches, store.Batch, error) {
	bs, err := s.batches()
	if err != nil {
		return nil, store.Batch{}, err
	}
	id, err := pathID(c, "batch_id", "batch file")
	if err != nil {
		return nil, store.Batch{}, err
	}
	b, err := bs.Batch(c.ctx, c.tenant, id)
	return bs, b, withDetail(err, "There is no such batch file.")
}

// uploadBatch validates an uploaded file as it streams in: the body is the
// file, its Content-Type its format, ?kind= what it holds.
func (s *Server) uploadBatch(c *call) (reply, error) {
	bs, err := s.batches()
	if err != nil {
		return reply{}, err
	}
	mt, _, perr := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	format, known := uploadFormats[mt]
	if perr != nil || !known {
		return reply{}, &Problem{Type: typeUnsupportedCT, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
			Detail: "Send the file as text/csv, application/json or application/x-ndjson."}
	}
	q := c.r.URL.Query()
	var errs fieldErrors
	kind := batch.Kind(q.Get("kind"))
	if !kind.Valid() {
		errs.param("kind", "must be one of people, affiliations, works, fundings, peer-reviews")
	}
	filename := q.Get("filename")
	if len(filename) > 255 {
		errs.param("filename", "has at most 255 characters")
	}
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	if filename == "" {
		filename = string(kind) + "." + string(format)
	}
	ctx := auditing(c, 0, "api.batch_uploaded", map[string]any{"kind": kind})
	b, err := bs.Upload(ctx, batch.Upload{TenantID: c.tenant, Kind: kind, Format: format, Filename: filename,
		Actor: c.actor(), Body: c.upload})
	if err != nil {
		return reply{}, err
	}
	s.auditDone(ctx, map[string]any{"batch": b.ID, "rows": b.Total, "invalid": b.Invalid})
	return created("/batches/"+strconv.FormatInt(b.ID, 10), batchOf(b))
}

type batchList struct {
	Items []apiBatch `json:"items"`
}

func (s *Server) listBatches(c *call) (reply, error) {
	if _, err := s.batches(); err != nil {
		return reply{}, err
	}
	var errs fieldErrors
	limit := intParam(c.r.URL.Query().Get("limit"), "limit", 500, &errs)
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	if limit == 0 {
		limit = 50
	}
	list, err := s.st.ListBatches(c.ctx, c.tenant, limit)
	if err != nil {
		return reply{}, err
	}
	out := batchList{Items: []apiBatch{}}
	for _, b := range list {
		out.Items = append(out.Items, batchOf(b))
	}
	return ok(out)
}

func (s *Server) getBatch(c *call) (reply, error) {
	_, b, err := s.batchID(c)
	if err != nil {
		return reply{}, err
	}
	return ok(batchOf(b))
}

// batchReport is the validation report: counts by code and the first
// problems.
type batchReport struct {
	Batch     apiBatch        `json:"batch"`
	Total     int             `json:"total_problems"`
	Counts    map[string]int  `json:"counts"`
	Problems  []batch.Problem `json:"problems"`
	Truncated bool            `json:"truncated"`
}

func (s *Server) batchProblems(c *call) (reply, error) {
	bs, b, err := s.batchID(c)
	if err != nil {
		return reply{}, err
	}
	var errs fieldErrors
	format := formatParam(c, &errs, "json", "csv")
	limit := intParam(c.r.URL.Query().Get("limit"), "limit", 10000, &errs)
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	if format == "csv" {
		return file("text/csv; charset=utf-8", "batch-"+strconv.FormatInt(b.ID, 10)+"-problems.csv", func(w io.Writer) error {
			return bs.WriteReportCSV(c.ctx, w, c.tenant, b.ID)
		})
	}
	if limit == 0 {
		limit = 200
	}
	rep, err := bs.Report(c.ctx, c.tenant, b.ID, limit)
	if err != nil {
		return reply{}, err
	}
	out := batchReport{Batch: batchOf(rep.Batch), Total: rep.Total, Counts: map[string]int{}, Problems: rep.Problems,
		Truncated: len(rep.Problems) < rep.Total}
	for code, n := range rep.Counts {
		out.Counts[string(code)] = n
	}
	if out.Problems == nil {
		out.Problems = []batch.Problem{}
	}
	return ok(out)
}

// importInput is the body of an import; invite defaults to true.
type importInput struct {
	OnlyValid bool  `json:"only_valid"`
	Invite    *bool `json:"invite"`
}

func (s *Server) importBatch(c *call) (reply, error) {
	bs, b, err := s.batchID(c)
	if err != nil {
		return reply{}, err
	}
	var in importInput
	if len(c.body) > 0 {
		if err := decode(c.body, "", &in); err != nil {
			return reply{}, err
		}
	}
	o := batch.ImportOptions{OnlyValid: in.OnlyValid, Invite: in.Invite == nil || *in.Invite}
	ctx := auditing(c, 0, "api.batch_import", map[string]any{"batch": b.ID, "only_valid": o.OnlyValid, "invite": o.Invite})
	b, err = bs.StartImport(ctx, c.tenant, b.ID, o)
	if err != nil {
		return reply{}, conflictDetail(err, "This batch file cannot be imported: it has problems (import only its valid rows with only_valid), its file as a whole is wrong, or it was imported already.")
	}
	s.auditDone(ctx, nil)
	return reply{status: http.StatusAccepted, body: batchOf(b)}, nil
}

func (s *Server) batchResult(c *call) (reply, error) {
	bs, b, err := s.batchID(c)
	if err != nil {
		return reply{}, err
	}
	return file("text/csv; charset=utf-8", "batch-"+strconv.FormatInt(b.ID, 10)+"-result.csv", func(w io.Writer) error {
		return bs.WriteResultCSV(c.ctx, w, c.tenant, b.ID)
	})
}

// batchTemplate is a file to fill in: the columns of a kind and an
// example row.
func (s *Server) batchTemplate(c *call) (reply, error) {
	if _, err := s.batches(); err != nil {
		return reply{}, err
	}
	kind := batch.Kind(c.r.PathValue("kind"))
	if !kind.Valid() {
		return reply{}, notFound("kind of batch file")
	}
	var errs fieldErrors
	format := formatParam(c, &errs, "csv", "json")
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	ct := "text/csv; charset=utf-8"
	if format == "json" {
		ct = "application/json"
	}
	return file(ct, string(kind)+"."+format, func(w io.Writer) error {
		return batch.WriteTemplate(w, kind, batch.Format(format))
	})
}
