// Package batch is the batch files of issue 7: uploads (CSV, or JSON as an
// array or one object per line) of people, affiliations, works, fundings
// and peer reviews, each row keyed to a person by email or the tenant's
// reference, and of the journal's articles (issue 12), each row an
// article whose contributors name its people, saved and published through
// journal.Service under journal.CheckArticle's rules. A file is validated as a stream, every problem reported by
// row and column at once, and nothing of a file with problems is imported
// unless an administrator asks for its valid rows only. The import is a
// durable job (jobs.BatchArgs) that resumes after a restart; people not
// connected are invited, and items go through jobs.Queue.Put, so they
// wait, pending, until their person connects. The result file is computed
// when it is downloaded, so it shows syncs that happened since.
//
// The columns of each kind are one table (Columns), read by the parser,
// the templates (WriteTemplate) and doc/batch.md.
package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/safecsv"
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
	// Journal saves and publishes the rows of articles files; without
	// it, they fail at import.
	Journal Journal
	Logger  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Finished, if set, is called when an import ends (done or failed),
	// e.g. to send the import.finished webhook.
	Finished func(ctx context.Context, b store.Batch)
	// SliceRows and SliceTime bound one run of the import job (it then
	// snoozes and runs again); defaults 500 rows and 10 seconds.
	SliceRows int
	SliceTime time.Duration
}

// Service validates and imports batch files. It is the queue's
// jobs.BatchRunner: New registers it.
type Service struct {
	cfg Config
	st  *store.Store
	log *slog.Logger
	now func() time.Time
}

// New returns a Service and makes it run the queue's batch jobs.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Queue == nil || cfg.Inviter == nil {
		return nil, errors.New("batch: Store, Queue and Inviter are required")
	}
	s := &Service{cfg: cfg, st: cfg.Store, log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.SliceRows <= 0 {
		s.cfg.SliceRows = 500
	}
	if s.cfg.SliceTime <= 0 {
		s.cfg.SliceTime = 10 * time.Second
	}
	cfg.Queue.SetBatchRunner(s)
	return s, nil
}

// Upload is a file to validate.
type Upload struct {
	TenantID int64
	Kind     Kind
	// Format is CSV or JSON; "" guesses from Filename (FormatOf).
	Format   Format
	Filename string
	Actor    string // who uploads, e.g. store.ActorAdmin(id)
	Body     io.Reader
}

// Upload validates a file as it is read and stores its rows with their
// problems: the batch comes back ready (no problem) or invalid. Only a
// failure to read or store is an error; store.ErrInvalid for an unknown
// kind or format.
func (s *Service) Upload(ctx context.Context, u Upload) (store.Batch, error) {
	if u.Format == "" {
		u.Format = FormatOf(u.Filename)
	}
	if !u.Kind.Valid() {
		return store.Batch{}, fmt.Errorf("batch: upload: %w: unknown kind %q", store.ErrInvalid, u.Kind)
	}
	if u.Format != CSV && u.Format != JSON {
		return store.Batch{}, fmt.Errorf("batch: upload: %w: unknown format %q", store.ErrInvalid, u.Format)
	}
	t, err := s.st.Tenant(ctx, u.TenantID)
	if err != nil {
		return store.Batch{}, fmt.Errorf("batch: upload: %w", err)
	}
	var org *orcid.Organization
	if p := t.Settings.Publisher; p.Complete() {
		o := p.Organization()
		org = &o
	}
	b, err := s.st.CreateBatch(ctx, store.Batch{TenantID: u.TenantID, Kind: string(u.Kind), Format: string(u.Format),
		Filename: u.Filename, UploadedBy: u.Actor})
	if err != nil {
		return store.Batch{}, fmt.Errorf("batch: upload: %w", err)
	}
	sum, err := Validate(ctx, u.Body, Options{TenantID: u.TenantID, Kind: u.Kind, Format: u.Format, People: s.st, Organization: org},
		func(rows []Row) error {
			out := make([]store.BatchRow, len(rows))
			for i, r := range rows {
				if u.Kind == Connections {
					if err := s.sealConnectionRow(b.ID, &r); err != nil {
						return err
					}
				}
				data, err := json.Marshal(r.Values)
				if err != nil {
					return err
				}
				probs := []byte("[]")
				if len(r.Problems) > 0 {
					if probs, err = json.Marshal(r.Problems); err != nil {
						return err
					}
				}
				out[i] = store.BatchRow{Row: r.Row, Line: r.Line, Data: data, Problems: probs, Valid: len(r.Problems) == 0}
			}
			return s.st.AddBatchRows(ctx, b.ID, out)
		})
	if err != nil {
		// Half a file is no batch: what was stored of it goes. (A process
		// that dies here leaves it to housekeeping, PruneAbandonedBatches.)
		if aerr := s.st.AbandonBatch(context.WithoutCancel(ctx), u.TenantID, b.ID); aerr != nil {
			s.log.WarnContext(ctx, "abandon a broken upload", "batch", b.ID, "err", aerr)
		}
		return store.Batch{}, fmt.Errorf("batch: upload %q: %w", u.Filename, err)
	}
	fp := []byte("[]")
	if u.Kind == Connections {
		sum.FileProblems = scrubConnectionProblems(sum.FileProblems)
	}
	if len(sum.FileProblems) > 0 {
		fp, _ = json.Marshal(sum.FileProblems)
	}
	b, err = s.st.FinishBatchValidation(ctx, u.TenantID, b.ID, sum.Total, sum.Valid, sum.Invalid, fp)
	if err != nil {
		return store.Batch{}, fmt.Errorf("batch: upload %q: %w", u.Filename, err)
	}
	s.log.InfoContext(ctx, "batch validated", "tenant", u.TenantID, "batch", b.ID, "kind", u.Kind, "rows", sum.Total,
		"invalid", sum.Invalid, "file_problems", len(sum.FileProblems))
	return b, nil
}

// ImportOptions says how to import a batch.
type ImportOptions struct {
	// OnlyValid imports the valid rows of a file with problems; without
	// it such a file is refused (store.ErrConflict).
	OnlyValid bool
	// Invite sends an invitation by email to every person of the file who
	// is not connected and holds no live invitation.
	Invite bool
}

// StartImport queues the import of a checked batch. A batch with
// problems needs OnlyValid, and one with problems in the file as a whole
// (encoding, header) cannot be imported at all; both, and a batch already
// imported, are store.ErrConflict.
func (s *Service) StartImport(ctx context.Context, tenantID, batchID int64, o ImportOptions) (store.Batch, error) {
	var out store.Batch
	err := s.st.InTx(ctx, func(tx *store.Tx) error {
		b, err := tx.Batch(ctx, tenantID, batchID)
		if err != nil {
			return err
		}
		if string(b.FileProblems) != "[]" && len(b.FileProblems) > 0 {
			return store.Refusal(store.ErrConflict, "the file itself has problems (encoding, header); upload it corrected")
		}
		if out, err = tx.StartBatchImport(ctx, tenantID, batchID, o.OnlyValid, o.Invite); err != nil {
			return err
		}
		return s.cfg.Queue.EnqueueBatch(ctx, tx, batchID)
	})
	if err != nil {
		return store.Batch{}, fmt.Errorf("batch: import batch %d: %w", batchID, err)
	}
	return out, nil
}

// Batch reads a batch of a tenant: its state and counts (the progress of
// an import is Done out of Total).
func (s *Service) Batch(ctx context.Context, tenantID, batchID int64) (store.Batch, error) {
	b, err := s.st.Batch(ctx, tenantID, batchID)
	if err != nil {
		return store.Batch{}, fmt.Errorf("batch: %w", err)
	}
	return b, nil
}

// RunBatch imports the next slice of a batch's rows (jobs.BatchRunner).
// done is true when no row is left, and the batch is then done.
func (s *Service) RunBatch(ctx context.Context, batchID int64) (done bool, err error) {
	b, err := s.st.BatchByID(ctx, batchID)
	if err != nil {
		return false, fmt.Errorf("batch: run %d: %w", batchID, err)
	}
	if b.State != store.BatchImporting {
		return true, nil
	}
	host, err := s.idHost(ctx, b.TenantID)
	if err != nil {
		return false, fmt.Errorf("batch: run %d: %w", batchID, err)
	}
	r := &run{s: s, b: b, host: host, invited: map[int64]bool{}}
	deadline := s.now().Add(s.cfg.SliceTime)
	n := 0
	for n < s.cfg.SliceRows && s.now().Before(deadline) {
		rows, err := s.st.BatchRowsToImport(ctx, batchID, min(100, s.cfg.SliceRows-n))
		if err != nil {
			return false, fmt.Errorf("batch: run %d: %w", batchID, err)
		}
		if len(rows) == 0 {
			fin, err := s.st.FinishBatchImport(ctx, batchID, store.BatchDone, "")
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return false, fmt.Errorf("batch: run %d: %w", batchID, err)
			}
			if err == nil {
				s.log.InfoContext(ctx, "batch imported", "tenant", b.TenantID, "batch", batchID, "rows", fin.Total)
				if s.cfg.Finished != nil {
					s.cfg.Finished(ctx, fin)
				}
			}
			return true, nil
		}
		for _, row := range rows {
			if err := r.row(ctx, row); err != nil {
				return false, fmt.Errorf("batch: run %d, row %d: %w", batchID, row.Row, err)
			}
			n++
		}
	}
	return false, nil
}

// FailBatch ends an import that will not go on (jobs.BatchRunner): its
// job was cancelled or gave up. A batch no longer importing is left alone.
func (s *Service) FailBatch(ctx context.Context, batchID int64, reason string) error {
	b, err := s.st.FinishBatchImport(ctx, batchID, store.BatchFailed, "the import stopped: "+reason)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("batch: fail %d: %w", batchID, err)
	}
	s.log.WarnContext(ctx, "batch import failed", "tenant", b.TenantID, "batch", batchID, "reason", reason)
	if s.cfg.Finished != nil {
		s.cfg.Finished(ctx, b)
	}
	return nil
}

// idHost is the host of iD URIs on the tenant's registry.
func (s *Service) idHost(ctx context.Context, tenantID int64) (string, error) {
	t, err := s.st.Tenant(ctx, tenantID)
	if err != nil {
		return "", err
	}
	c, err := s.st.Credential(ctx, t.CredentialID)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(c.Env.SiteURL)
	if err != nil || u.Host == "" {
		return orcid.ProductionHost, nil
	}
	return u.Host, nil
}

// run is one slice of an import.
type run struct {
	s       *Service
	b       store.Batch
	host    string
	invited map[int64]bool // people already considered in this slice
}

// rowError is a row's own failure: recorded on the row, the import goes on.
func rowError(err error) bool {
	return errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) ||
		errors.Is(err, orcid.ErrValidation)
}

func (r *run) row(ctx context.Context, row store.BatchRow) error {
	var v map[string]string
	if err := json.Unmarshal(row.Data, &v); err != nil {
		return r.s.st.SetBatchRowOutcome(ctx, row.BatchID, row.Row, 0, 0, store.RowFailed, "the stored row cannot be read")
	}
	if Kind(r.b.Kind) == Articles {
		// Its authors' works are a backfill too (jobs.AsBackfill).
		return r.article(jobs.AsBackfill(ctx), row, v)
	}
	if Kind(r.b.Kind) == Connections {
		return r.connection(ctx, row, v) // connections.go
	}
	p, err := r.person(ctx, v)
	if rowError(err) {
		return r.s.st.SetBatchRowOutcome(ctx, row.BatchID, row.Row, 0, 0, store.RowFailed, err.Error())
	}
	if err != nil {
		return err
	}
	// The person is invited first: a row whose item fails still names
	// someone the organisation wants connected.
	msg := ""
	if r.b.Invite {
		if msg, err = r.invite(ctx, p); err != nil {
			return err
		}
	}
	var itemID int64
	if Kind(r.b.Kind) != People {
		item, err := buildItem(Kind(r.b.Kind), v, r.host)
		if err != nil {
			return r.s.st.SetBatchRowOutcome(ctx, row.BatchID, row.Row, p.ID, 0, store.RowFailed, err.Error())
		}
		// A file's rows are a backfill: they yield to single urgent
		// writes (jobs.PutItem.Backfill).
		it, err := r.s.cfg.Queue.Put(ctx, jobs.PutItem{TenantID: r.b.TenantID, PersonID: p.ID, Key: ItemKey(v["key"]), Item: item,
			Backfill: true})
		if rowError(err) {
			return r.s.st.SetBatchRowOutcome(ctx, row.BatchID, row.Row, p.ID, 0, store.RowFailed, err.Error())
		}
		if err != nil {
			return err
		}
		itemID = it.ID
	}
	return r.s.st.SetBatchRowOutcome(ctx, row.BatchID, row.Row, p.ID, itemID, store.RowDone, msg)
}

// ItemKey is the store's key of a row's item: the tenant's key as it is,
// so that the REST API and files name the same item the same way.
func ItemKey(key string) string { return key }

// person finds the row's person (by reference, then email), creating or
// updating them as the row says.
func (r *run) person(ctx context.Context, v map[string]string) (store.Person, error) {
	st, tid := r.s.st, r.b.TenantID
	email, ref := v["email"], v["person-ref"]
	var p store.Person
	err := store.ErrNotFound
	if ref != "" {
		p, err = st.PersonByExternalRef(ctx, tid, ref)
	}
	if errors.Is(err, store.ErrNotFound) && email != "" {
		p, err = st.PersonByEmail(ctx, tid, email)
		if err == nil && ref != "" && p.ExternalRef != "" && p.ExternalRef != ref {
			return store.Person{}, store.Refusal(store.ErrConflict, "the person with email %s has the person-ref %q, not %q", email, p.ExternalRef, ref)
		}
	}
	named := v["given-names"] != "" || v["family-names"] != ""
	switch {
	case errors.Is(err, store.ErrNotFound) && email != "" && named:
		return st.CreatePerson(ctx, store.Person{TenantID: tid, GivenNames: v["given-names"], FamilyNames: v["family-names"],
			Email: email, ExternalRef: ref, Language: v["language"]})
	case errors.Is(err, store.ErrNotFound):
		return store.Person{}, fmt.Errorf("%w: no such person in this tenant, and the row does not give email and names to create them", store.ErrNotFound)
	case err != nil:
		return store.Person{}, err
	}
	// A row with names describes the person: correct what changed.
	want := p
	if named {
		want.GivenNames, want.FamilyNames = v["given-names"], v["family-names"]
	}
	if email != "" {
		want.Email = email
	}
	if ref != "" {
		want.ExternalRef = ref
	}
	if l, ok := v["language"]; ok {
		// As the store will keep it ("zh-CN" is zh_CN), so that a file
		// uploaded again changes nothing.
		want.Language, _ = store.CheckLanguage("language", l)
	}
	if want != p {
		return st.UpdatePerson(ctx, want)
	}
	return p, nil
}

// invite invites a person whose link lacks the tenant's scopes (none
// yet, revoked, or fewer) and who holds no live invitation; it says what
// it did, for the row's message.
func (r *run) invite(ctx context.Context, p store.Person) (string, error) {
	if r.invited[p.ID] {
		return "", nil
	}
	r.invited[p.ID] = true
	// A connected person is left to Invite, which refuses only when the
	// link already holds the tenant's scopes: one connected with fewer is
	// asked for the rest.
	st, tid := r.s.st, r.b.TenantID
	invs, err := st.ListInvitations(ctx, tid, p.ID)
	if err != nil {
		return "", err
	}
	now := r.s.now()
	for _, in := range invs {
		if in.State == store.InvitationPending && in.Usable(now) {
			return "", nil
		}
	}
	_, err = r.s.cfg.Inviter.Invite(ctx, tid, p.ID, r.b.UploadedBy, true)
	switch {
	case errors.Is(err, connect.ErrAlreadyConnected):
		return "", nil
	case rowError(err):
		return "not invited: " + err.Error(), nil
	case err != nil:
		return "", err
	}
	return "invited", nil
}

// Report is what a page shows of a validation: the file's problems, the
// first problems of the rows, and how many there are of each code.
type Report struct {
	Batch        store.Batch
	FileProblems []Problem
	Problems     []Problem // the first Limit problems of the rows
	Total        int       // problems of the rows
	Counts       map[Code]int
}

// Codes lists the report's codes, most frequent first.
func (r Report) Codes() []Code { return sortedCodes(r.Counts) }

// Report reads the validation report of a batch, with at most limit row
// problems (all are counted). It reads the invalid rows a page at a time.
func (s *Service) Report(ctx context.Context, tenantID, batchID int64, limit int) (Report, error) {
	b, err := s.st.Batch(ctx, tenantID, batchID)
	if err != nil {
		return Report{}, fmt.Errorf("batch: report: %w", err)
	}
	rep := Report{Batch: b, Counts: map[Code]int{}}
	if err := json.Unmarshal(b.FileProblems, &rep.FileProblems); err != nil {
		return Report{}, fmt.Errorf("batch: report: %w", err)
	}
	for _, p := range rep.FileProblems {
		rep.Counts[p.Code]++
	}
	err = s.eachProblem(ctx, tenantID, batchID, func(p Problem) error {
		rep.Counts[p.Code]++
		rep.Total++
		if len(rep.Problems) < limit {
			rep.Problems = append(rep.Problems, p)
		}
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("batch: report: %w", err)
	}
	return rep, nil
}

func (s *Service) eachProblem(ctx context.Context, tenantID, batchID int64, fn func(Problem) error) error {
	after := 0
	for {
		rows, err := s.st.BatchRows(ctx, tenantID, batchID, after, true, 1000)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		for _, r := range rows {
			var probs []Problem
			if err := json.Unmarshal(r.Problems, &probs); err != nil {
				return err
			}
			for _, p := range probs {
				if err := fn(p); err != nil {
					return err
				}
			}
		}
		after = rows[len(rows)-1].Row
	}
}

// WriteReportCSV writes every problem of a batch as CSV: row, line,
// column, code, message (row 0 for the file as a whole).
func (s *Service) WriteReportCSV(ctx context.Context, w io.Writer, tenantID, batchID int64) error {
	b, err := s.st.Batch(ctx, tenantID, batchID)
	if err != nil {
		return fmt.Errorf("batch: report: %w", err)
	}
	var fileProbs []Problem
	if err := json.Unmarshal(b.FileProblems, &fileProbs); err != nil {
		return fmt.Errorf("batch: report: %w", err)
	}
	cw := safecsv.NewWriter(w)
	cw.Write([]string{"row", "line", "column", "code", "message"})
	write := func(p Problem) error {
		return cw.Write([]string{strconv.Itoa(p.Row), strconv.Itoa(p.Line), p.Column, string(p.Code), p.Message})
	}
	for _, p := range fileProbs {
		p.Row = 0
		write(p)
	}
	if err := s.eachProblem(ctx, tenantID, batchID, write); err != nil {
		return fmt.Errorf("batch: report: %w", err)
	}
	cw.Flush()
	return cw.Error()
}

// ResultHeader is the header of the result file.
var ResultHeader = []string{"row", "email", "person-ref", "person-state", "orcid-id", "item-key", "item-state", "put-code",
	"outcome", "message"}

// WriteResultCSV writes the result file of a batch: a line per row with
// where its person and item stand now (so it shows syncs that happened
// after the import) and what importing it did.
func (s *Service) WriteResultCSV(ctx context.Context, w io.Writer, tenantID, batchID int64) error {
	if _, err := s.st.Batch(ctx, tenantID, batchID); err != nil {
		return fmt.Errorf("batch: result: %w", err)
	}
	cw := safecsv.NewWriter(w)
	cw.Write(ResultHeader)
	after := 0
	for {
		rows, err := s.st.BatchResults(ctx, tenantID, batchID, after, 1000)
		if err != nil {
			return fmt.Errorf("batch: result: %w", err)
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			var v map[string]string
			json.Unmarshal(r.Data, &v)
			email, ref := r.PersonEmail, r.PersonRef
			if r.PersonID == 0 {
				email, ref = v["email"], v["person-ref"]
			}
			key := r.ItemKey
			if key == "" {
				key = v["key"]
			}
			putCode := ""
			if r.PutCode != 0 {
				putCode = strconv.FormatInt(r.PutCode, 10)
			}
			outcome := r.Outcome
			if outcome == "" {
				outcome = "pending"
			}
			msg := r.Message
			if r.ItemMessage != "" {
				msg = strings.TrimPrefix(strings.TrimSpace(msg+"; "+r.ItemMessage), "; ")
			}
			if r.Outcome == store.RowSkipped {
				var probs []Problem
				json.Unmarshal(r.Problems, &probs)
				parts := make([]string, len(probs))
				for i, p := range probs {
					parts[i] = p.Column + ": " + p.Message
				}
				msg = "not imported: " + strings.Join(parts, "; ")
			}
			cw.Write([]string{strconv.Itoa(r.Row), email, ref, string(r.PersonStatus), r.ORCIDURI, key, string(r.ItemState),
				putCode, outcome, msg})
		}
		after = rows[len(rows)-1].Row
	}
	cw.Flush()
	return cw.Error()
}
