package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcidclients"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// Bringing existing connections (issue 17): an organisation that already
// collected iDs and tokens with the same ORCID client (the OJS plugin, the
// NZ ORCID Hub, its own scripts) imports them instead of asking every
// researcher again.
//
// What the one verification call proves. Each token is used once, to read
// the works section of its iD (GET /v3.0/{iD}/works), before anything is
// stored. ORCID authenticates a Member API request by its bearer token
// alone: its API asks its authorization server what the token is
// (OrcidBearerTokenFilter, token introspection inside ORCID) and answers
// 401 invalid_token for a token that is unknown, expired or revoked, and
// 401 with error-code 9017 for a live token issued for another iD
// (OrcidSecurityManagerImpl.isMyToken; doc/orcid-api.md 8 and 11.3). A
// 200 therefore proves the token is live and was issued for that iD, and
// its answer serves the adoption of works below. It does not prove which
// client the token was issued to: ORCID's API never names the calling
// client, and no public introspection exists. The only call that would
// (the refresh_token grant, which refuses "This token does not belong to
// the given client") mints new tokens and, by default, revokes the old
// ones under the system being migrated from, so it is not made. A token of
// another client would write under that client's name; the import is for
// tokens the organisation's own client was given, and the audit trail
// names every imported link.
//
// Adoption. Works of the person that have no put-code yet (waiting for
// the connection, or queued) and whose twin is on the record, with our
// client as source and a shared self identifier, take the twin's put-code
// (the worker's own matching, orcid.Client.FindOwnEach, on the answer of
// the verification call), so that they are updated in place instead of
// being POSTed a second time.

// MaxImportRows bounds one import call: each row costs one ORCID call
// under the credential's rate budget (24 a second), so 1,000 rows take
// about 45 seconds.
const MaxImportRows = 1000

// maxTokenLength bounds an imported token; ORCID's are UUIDs (36
// characters).
const maxTokenLength = 200

// maxTokenLifetime bounds an imported expiry: ORCID's longest-lived
// tokens (persistent ones) last 631,138,519 seconds, about 20 years.
const maxTokenLifetime = 631138519*time.Second + 24*time.Hour

// importWorkers is how many rows are verified at once; the credential's
// rate budget paces them.
const importWorkers = 4

// ExistingConnection is one connection made elsewhere with the tenant's
// ORCID client. The person is named by PersonID, else Email, else
// ExternalRef, and must exist in the tenant.
type ExistingConnection struct {
	PersonID    int64
	Email       string
	ExternalRef string
	// ORCID is the bare iD or its URI on the credential's registry.
	ORCID        string
	AccessToken  string
	RefreshToken string // "" when the old system kept none
	// Scope is the token's scopes, space-separated, as ORCID returned them.
	Scope     string
	ExpiresAt time.Time
}

// ImportStatus is the outcome of one row.
type ImportStatus string

const (
	// ImportConnected: verified and stored; the person is connected.
	ImportConnected ImportStatus = "connected"
	// ImportInvalid: the row itself is wrong (no such person, a bad iD,
	// scope or expiry); ORCID was not asked.
	ImportInvalid ImportStatus = "invalid"
	// ImportRefused: ORCID refused the token (invalid, expired, revoked,
	// or issued for another iD). Nothing is stored.
	ImportRefused ImportStatus = "refused"
	// ImportSkipped: the person is already connected under the tenant's
	// credential, or the iD is connected to another person; nothing
	// changed.
	ImportSkipped ImportStatus = "skipped"
	// ImportFailed: ORCID could not be reached or asked us to slow down;
	// nothing is stored, and the row may be sent again.
	ImportFailed ImportStatus = "failed"
)

// ImportResult is what became of one row, in the order of the rows.
type ImportResult struct {
	Row      int // 1-based position in the import
	PersonID int64
	ORCID    orcid.ID // bare, when the row named a valid iD
	Status   ImportStatus
	// Problem says what was wrong, in plain words; "" when connected.
	Problem string
	LinkID  int64
	// Adopted counts the works given the put-code of their twin on the
	// record instead of being written again.
	Adopted int
}

// ErrImportTooLarge means more rows than MaxImportRows.
var ErrImportTooLarge = fmt.Errorf("more than %d connections in one import", MaxImportRows)

// ImportConnections verifies each row with one ORCID call, stores those
// ORCID accepts (sealed, like any connection), adopts works already on
// their records, and resumes their waiting items. actor is who imports
// (store.ActorAdmin(id), an API key). Only a failure to read the tenant
// or its credential is an error; each row has its own result.
func (s *Service) ImportConnections(ctx context.Context, tenantID int64, actor string, rows []ExistingConnection) ([]ImportResult, error) {
	if len(rows) > MaxImportRows {
		return nil, fmt.Errorf("connect: import: %w", ErrImportTooLarge)
	}
	tenant, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("connect: import: %w", err)
	}
	cred, err := s.store.Credential(ctx, tenant.CredentialID)
	if err != nil {
		return nil, fmt.Errorf("connect: import: %w", err)
	}
	if cred.API == orcid.PublicAPI {
		return nil, fmt.Errorf("connect: import: %w: a Public API credential holds no Member API tokens", store.ErrInvalid)
	}
	client, err := s.Client(ctx, cred)
	if err != nil {
		return nil, err
	}
	out := make([]ImportResult, len(rows))
	// Rows are checked first, in order, so that a duplicate row is named
	// as the second of the two whatever the verification order.
	seenPerson, seenID := map[int64]int{}, map[orcid.ID]int{}
	var todo []int
	for i, r := range rows {
		res := s.checkImportRow(ctx, tenant, cred, i, r)
		if res.Status == "" {
			if j, ok := seenPerson[res.PersonID]; ok {
				res.Status, res.Problem = ImportInvalid, fmt.Sprintf("the same person as row %d", j+1)
			} else if j, ok := seenID[res.ORCID]; ok {
				res.Status, res.Problem = ImportInvalid, fmt.Sprintf("the same iD as row %d", j+1)
			} else {
				seenPerson[res.PersonID], seenID[res.ORCID] = i, i
				todo = append(todo, i)
			}
		}
		out[i] = res
	}

	next := make(chan int)
	var wg sync.WaitGroup
	for range min(importWorkers, len(todo)) {
		wg.Go(func() {
			for i := range next {
				out[i] = s.importRow(ctx, tenant, cred, client, actor, rows[i], out[i])
			}
		})
	}
	for _, i := range todo {
		if ctx.Err() != nil {
			out[i].Status, out[i].Problem = ImportFailed, "the import was interrupted; send the row again"
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()

	var n int
	for _, r := range out {
		if r.Status == ImportConnected {
			n++
		}
	}
	if n > 0 {
		s.eventsRecorded(ctx)
	}
	s.log.InfoContext(ctx, "existing connections imported", "tenant", tenantID, "rows", len(rows), "connected", n)
	return out, nil
}

// checkImportRow checks what can be checked without ORCID; a row that
// passes comes back with no status.
func (s *Service) checkImportRow(ctx context.Context, t store.Tenant, cred store.Credential, i int, r ExistingConnection) ImportResult {
	res := ImportResult{Row: i + 1}
	bad := func(format string, args ...any) ImportResult {
		res.Status, res.Problem = ImportInvalid, fmt.Sprintf(format, args...)
		return res
	}
	p, err := s.importPerson(ctx, t.ID, r)
	if errors.Is(err, store.ErrNotFound) {
		return bad("no such person in the tenant")
	}
	if err != nil {
		return bad("%v", err)
	}
	res.PersonID = p.ID
	id, err := importID(cred, r.ORCID)
	if err != nil {
		return bad("%v", err)
	}
	res.ORCID = id
	if err := checkToken(r.AccessToken, true); err != nil {
		return bad("access token: %v", err)
	}
	if err := checkToken(r.RefreshToken, false); err != nil {
		return bad("refresh token: %v", err)
	}
	if _, err := importScopes(cred, r.Scope); err != nil {
		return bad("%v", err)
	}
	now := s.now()
	switch {
	case r.ExpiresAt.IsZero():
		return bad("no expiry: ORCID gives every token one")
	case !r.ExpiresAt.After(now):
		return bad("the token expired on %s", r.ExpiresAt.UTC().Format(time.RFC3339))
	case r.ExpiresAt.After(now.Add(maxTokenLifetime)):
		return bad("an expiry after %s: ORCID's tokens last 20 years at most",
			now.Add(maxTokenLifetime).UTC().Format("2006-01-02"))
	}
	return res
}

// importPerson finds the person a row names. A row naming its person more
// than one way (person_id and email, say) must name the same person each
// way: a token is never stored on one person because another's email was
// overlooked.
func (s *Service) importPerson(ctx context.Context, tenantID int64, r ExistingConnection) (store.Person, error) {
	email, ref := strings.TrimSpace(r.Email), strings.TrimSpace(r.ExternalRef)
	var p store.Person
	var err error
	switch {
	case r.PersonID != 0:
		p, err = s.store.Person(ctx, tenantID, r.PersonID)
	case email != "":
		p, err = s.store.PersonByEmail(ctx, tenantID, email)
	case ref != "":
		p, err = s.store.PersonByExternalRef(ctx, tenantID, ref)
	default:
		return store.Person{}, errors.New("no person named: give person_id, email or external_ref")
	}
	if err != nil {
		return store.Person{}, err
	}
	if (email != "" && !strings.EqualFold(email, p.Email)) || (ref != "" && ref != p.ExternalRef) {
		return store.Person{}, errors.New("person_id, email and external_ref name different people")
	}
	return p, nil
}

// importID reads a bare iD, or its URI on the credential's registry.
func importID(cred store.Credential, raw string) (orcid.ID, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("no iD")
	}
	last := raw
	if i := strings.LastIndexByte(strings.TrimSuffix(raw, "/"), '/'); i >= 0 {
		last = strings.TrimSuffix(raw, "/")[i+1:]
	}
	id, err := orcid.ParseID(last)
	if err != nil {
		return "", fmt.Errorf("iD %q: %w", clip(raw, 60), err)
	}
	if last != raw && sameURI(raw) != sameURI(cred.Env.IDURI(id)) {
		return "", fmt.Errorf("iD %q is not one of the credential's registry (%s)", clip(raw, 60), cred.Env.IDURI(id))
	}
	return id, nil
}

// sameURI is an iD URI as compared: older systems kept http:// or www.
// forms of ORCID's https URIs.
func sameURI(u string) string {
	u = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(u), "/"))
	for _, p := range []string{"https://", "http://", "www."} {
		u = strings.TrimPrefix(u, p)
	}
	return u
}

// checkToken bounds a token: printable ASCII without spaces.
func checkToken(tok string, required bool) error {
	if tok == "" {
		if required {
			return errors.New("missing")
		}
		return nil
	}
	if len(tok) > maxTokenLength {
		return fmt.Errorf("longer than %d characters", maxTokenLength)
	}
	if strings.IndexFunc(tok, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) || r == ' ' }) >= 0 {
		return errors.New("not a token (spaces or other characters)")
	}
	return nil
}

// importScopes reads a token's scopes, as ORCID spells them.
func importScopes(cred store.Credential, scope string) ([]string, error) {
	valid := cred.API.ValidScopes()
	var out []string
	for _, sc := range strings.Fields(scope) {
		if !slices.Contains(valid, sc) {
			return nil, fmt.Errorf("scope %q is not one ORCID gives researchers' tokens (%s)", clip(sc, 40), strings.Join(valid, " "))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no scope")
	}
	return out, nil
}

// importRow verifies one checked row at ORCID and stores it.
func (s *Service) importRow(ctx context.Context, t store.Tenant, cred store.Credential, client *orcid.Client,
	actor string, r ExistingConnection, res ImportResult) ImportResult {
	// A person already connected keeps the tokens they granted us.
	if l, err := s.store.Link(ctx, t.ID, res.PersonID); err == nil && l.State == store.LinkConnected {
		res.Status, res.Problem = ImportSkipped, "already connected under the tenant's credential"
		return res
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		res.Status, res.Problem = ImportFailed, "could not read the person's connection; send the row again"
		s.log.WarnContext(ctx, "import: read link", "tenant", t.ID, "person", res.PersonID, "err", err)
		return res
	}
	if l, err := s.store.LinkByORCID(ctx, t.ID, res.ORCID); err == nil && l.PersonID != res.PersonID {
		res.Status, res.Problem = ImportSkipped, fmt.Sprintf("the iD is connected to another person (%d)", l.PersonID)
		return res
	}
	works, err := s.store.WorksToAdopt(ctx, t.ID, res.PersonID, 0)
	if err != nil {
		res.Status, res.Problem = ImportFailed, "could not read the person's works; send the row again"
		s.log.WarnContext(ctx, "import: works to adopt", "tenant", t.ID, "person", res.PersonID, "err", err)
		return res
	}
	items := make([]orcid.Item, 0, len(works))
	ids := make([]int64, 0, len(works))
	for _, w := range works {
		x, err := w.Decode()
		if err != nil {
			continue // kept out of the match: the worker reports it
		}
		items, ids = append(items, x), append(ids, w.ID)
	}
	// As the worker matches (jobs' bulk settling): a put-code another of
	// our items holds on this record (another tenant on the credential, an
	// earlier connection) is not adopted a second time.
	var taken map[int64]bool
	if len(items) > 0 {
		taken, err = s.store.PutCodesOfOthers(ctx, store.Link{CredentialID: cred.ID, ORCIDURI: cred.Env.IDURI(res.ORCID)},
			orcid.KindWork, 0)
		if err != nil {
			res.Status, res.Problem = ImportFailed, "could not read the person's works; send the row again"
			s.log.WarnContext(ctx, "import: put-codes held", "tenant", t.ID, "person", res.PersonID, "err", err)
			return res
		}
	}
	cctx := orcidclients.WithCallContext(ctx, t.ID, res.PersonID)
	pcs, err := s.verifyToken(cctx, client, r.AccessToken, res.ORCID, items, taken)
	if err != nil {
		res.Status, res.Problem = refusal(err)
		s.log.InfoContext(ctx, "import: token not accepted", "tenant", t.ID, "person", res.PersonID, "orcid", res.ORCID,
			"status", res.Status, "err", err)
		return res
	}
	var adopt []store.AdoptedWork
	for k, pc := range pcs {
		if pc != 0 {
			adopt = append(adopt, store.AdoptedWork{ItemID: ids[k], PutCode: pc})
		}
	}

	scopes, _ := importScopes(cred, r.Scope) // checked
	auth := store.Authorization{TenantID: t.ID, PersonID: res.PersonID, CredentialID: cred.ID,
		Authorization: orcid.Authorization{ID: res.ORCID, IDURI: cred.Env.IDURI(res.ORCID), AccessToken: r.AccessToken,
			TokenType: "bearer", RefreshToken: r.RefreshToken, Scopes: scopes, ExpiresAt: r.ExpiresAt.UTC()}}
	var link store.Link
	var adopted []store.Item
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if link, err = tx.SaveAuthorization(ctx, auth); err != nil {
			return err
		}
		if adopted, err = tx.AdoptWorks(ctx, link.ID, adopt); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"orcid": link.ORCIDURI, "scopes": link.Scopes,
			"expires_at": link.ExpiresAt, "credential": cred.ID, "imported": true, "adopted_works": len(adopted)})
		if _, err = tx.AppendAudit(ctx, store.AuditEvent{TenantID: t.ID, PersonID: res.PersonID, Actor: actor,
			Action: "link.imported", Detail: detail}); err != nil {
			return err
		}
		if err := s.settleHint(ctx, tx, t.ID, res.PersonID, res.ORCID, actor); err != nil {
			return err
		}
		_, err = tx.RecordEvent(ctx, webhooks.Connected(link))
		return err
	})
	var conflict *store.LinkConflictError
	if errors.As(err, &conflict) {
		res.Status, res.Problem = ImportSkipped, fmt.Sprintf("the iD is connected to another person (%d)", conflict.OtherPersonID)
		return res
	}
	if err != nil {
		res.Status, res.Problem = ImportFailed, "could not store the connection; send the row again"
		s.log.WarnContext(ctx, "import: store connection", "tenant", t.ID, "person", res.PersonID, "err", err)
		return res
	}
	res.Status, res.LinkID, res.Adopted = ImportConnected, link.ID, len(adopted)
	if s.cfg.Connected != nil {
		s.cfg.Connected(context.WithoutCancel(ctx), t.ID, res.PersonID)
	}
	return res
}

// verifyToken is the one call that proves a token: a read of the works of
// id. With works to adopt it is the worker's own matching (FindOwnEach),
// which returns the put-code of each one's twin (0: none).
func (s *Service) verifyToken(ctx context.Context, client *orcid.Client, token string, id orcid.ID, items []orcid.Item,
	taken map[int64]bool) ([]int64, error) {
	if len(items) == 0 {
		_, err := client.ReadWorks(ctx, token, id)
		return nil, err
	}
	return client.FindOwnEach(ctx, token, id, items, taken)
}

// refusal says in plain words why ORCID did not accept a token, and
// whether sending the row again may help.
func refusal(err error) (ImportStatus, string) {
	var api *orcid.APIError
	errors.As(err, &api)
	switch {
	case api != nil && api.ErrorCode == 9017:
		return ImportRefused, "ORCID refused the token: it was issued for another iD (401, error-code 9017)"
	case errors.Is(err, orcid.ErrTokenInvalid):
		return ImportRefused, "ORCID refused the token: invalid, expired or revoked (401 invalid_token)"
	case errors.Is(err, orcid.ErrRecordDeprecated):
		return ImportRefused, "the iD was merged into another record at ORCID (deprecated)"
	case errors.Is(err, orcid.ErrRecordDeactivated):
		return ImportRefused, "the researcher deactivated this ORCID record"
	case errors.Is(err, orcid.ErrRecordLocked):
		return ImportRefused, "ORCID locked this record"
	case errors.Is(err, orcid.ErrNotFound):
		return ImportRefused, "no such iD at ORCID"
	case errors.Is(err, orcid.ErrForbidden):
		return ImportRefused, "ORCID refused the token (403): " + clip(errText(api, err), 160)
	case api != nil && api.Status >= 400 && api.Status < 500 && api.Status != http.StatusTooManyRequests:
		return ImportRefused, "ORCID refused the token: " + clip(errText(api, err), 160)
	}
	return ImportFailed, "ORCID could not be asked (" + clip(err.Error(), 120) + "); send the row again"
}

func errText(api *orcid.APIError, err error) string {
	if api != nil && api.Developer != "" {
		return api.Developer
	}
	return err.Error()
}

// settleHint compares a person's unconfirmed iD, if any, with the one
// just authenticated (or imported), in the connection's transaction: the
// same iD is confirmed and forgotten; another is flagged for the
// administrator, with an audit event.
func (s *Service) settleHint(ctx context.Context, tx *store.Tx, tenantID, personID int64, id orcid.ID, actor string) error {
	outcome, h, err := tx.SettleORCIDHint(ctx, tenantID, personID, id)
	if err != nil || outcome != store.HintMismatch {
		return err
	}
	detail, _ := json.Marshal(map[string]any{"hint": h.ORCID, "hint_source": h.Source, "authenticated": id})
	_, err = tx.AppendAudit(ctx, store.AuditEvent{TenantID: tenantID, PersonID: personID, Actor: actor,
		Action: "link.hint_mismatch", Detail: detail})
	if err == nil {
		s.log.WarnContext(ctx, "connected iD differs from the iD on file", "tenant", tenantID, "person", personID,
			"hint", h.ORCID, "authenticated", id)
	}
	return err
}

// hintOf is a person's unconfirmed iD, for their invitation email; ""
// when none (or when it cannot be read: the email goes without it).
func (s *Service) hintOf(ctx context.Context, tenantID, personID int64) orcid.ID {
	h, err := s.store.ORCIDHintOf(ctx, tenantID, personID)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(ctx, "could not read the iD on file", "tenant", tenantID, "person", personID, "err", err)
		}
		return ""
	}
	return h.ORCID
}
