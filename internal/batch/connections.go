package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Connections files (issue 17) bring what an old system of the
// organisation collected: a row with an access token is an existing
// connection made with the tenant's own ORCID client, verified with ORCID
// at import (connect.Service.ImportConnections) and stored sealed; a row
// with an iD and no token is an iD on file, kept as unconfirmed
// (store.ORCIDHint) and never used as authenticated.
//
// The tokens wait in the batch's rows between upload and import, sealed
// (store.SealBatchSecret); a row with problems keeps none, and the import
// removes them from each row it handles.
const Connections Kind = "connections"

// ConnectionImporter verifies and stores existing connections;
// *connect.Service is one.
type ConnectionImporter interface {
	ImportConnections(ctx context.Context, tenantID int64, actor string, rows []connect.ExistingConnection) ([]connect.ImportResult, error)
}

var _ ConnectionImporter = (*connect.Service)(nil)

// The secret columns of a connections file.
var connectionSecrets = []string{"access-token", "refresh-token"}

// connectionMaxLifetime bounds expires-at: ORCID's longest-lived tokens
// last about 20 years.
const connectionMaxLifetime = 631138519*time.Second + 24*time.Hour

func connectionColumns() []Column {
	return concat(personColumns("josiah@example.org"), []Column{
		alias(req(col("orcid", 100, checkText,
			"The iD, bare (0000-0002-1825-0097) or as its URI on the tenant's registry. With an access token, the connection is verified with ORCID at import; without one, it is kept as an unconfirmed iD on file, shown as such and never used as authenticated.",
			"0000-0002-1825-0097")), "orcid-id"),
		col("access-token", 200, checkText, "The access token the tenant's ORCID client was given for this iD (empty: an unconfirmed iD on file).", "1f4b0c2e-8a61-4b7e-9d1a-3c5e7f9a2b4d"),
		col("refresh-token", 200, checkText, "Its refresh token, if the old system kept one.", "7e2d9c41-5b3a-4f86-a0c7-2d4e6f8a1b3c"),
		col("scope", 300, checkText, "The token's scopes, space-separated, as ORCID returned them (required with a token).", "/activities/update /read-limited openid"),
		col("expires-at", 40, checkText, "When the token expires, RFC 3339 (required with a token): in the future, at most 20 years ahead.", "2045-01-01T00:00:00Z"),
	})
}

// checkConnection checks a connections row as far as can be without the
// tenant's credential and ORCID (both are asked at import).
func (v *validator) checkConnection(p *pendingRow, bad map[string]bool, add func(string, Code, string, ...any)) {
	val := p.Values
	if id := val["orcid"]; id != "" && !bad["orcid"] {
		last := strings.TrimSuffix(id, "/")
		if i := strings.LastIndexByte(last, '/'); i >= 0 {
			last = last[i+1:]
		}
		if _, err := orcid.ParseID(last); err != nil {
			add("orcid", CodeBadORCID, "%q is not an ORCID iD (0000-0000-0000-000X, check digit included)", clip(id, keptRunes))
			bad["orcid"] = true
		}
	}
	tok := val["access-token"]
	if tok == "" {
		for _, c := range []string{"refresh-token", "scope", "expires-at"} {
			if val[c] != "" && !bad[c] {
				add(c, CodeRequired, "%s goes with an access-token; without one the row is an unconfirmed iD on file", c)
				bad[c] = true
			}
		}
		return
	}
	for _, c := range connectionSecrets {
		if t := val[c]; t != "" && !bad[c] && strings.IndexFunc(t, func(r rune) bool {
			return r > unicode.MaxASCII || !unicode.IsPrint(r) || r == ' '
		}) >= 0 {
			add(c, CodeBadValue, "%s is not a token (spaces or other characters)", c)
			bad[c] = true
		}
	}
	valid := orcid.MemberAPI.ValidScopes()
	switch sc := strings.Fields(val["scope"]); {
	case bad["scope"]:
	case len(sc) == 0:
		add("scope", CodeRequired, "scope is required with an access-token")
	default:
		for _, s := range sc {
			if !slices.Contains(valid, s) {
				add("scope", CodeBadValue, "%q is not a scope ORCID gives researchers' tokens (%s)", clip(s, 40), strings.Join(valid, " "))
				break
			}
		}
	}
	if bad["expires-at"] {
		return
	}
	at, err := time.Parse(time.RFC3339, val["expires-at"])
	now := time.Now()
	switch {
	case val["expires-at"] == "":
		add("expires-at", CodeRequired, "expires-at is required with an access-token")
	case err != nil:
		add("expires-at", CodeBadDate, "expires-at must be a date and time such as 2045-01-01T00:00:00Z")
	case !at.After(now):
		add("expires-at", CodeBadDate, "the token expired on %s", at.UTC().Format(time.RFC3339))
	case at.After(now.Add(connectionMaxLifetime)):
		add("expires-at", CodeBadDate, "an expiry more than 20 years ahead: ORCID's tokens do not last that long")
	}
}

// sealConnectionRow keeps a connections row's tokens sealed in the batch,
// or none at all when the row has problems (it is never imported). A row
// with problems also keeps none of the values it was refused for, and its
// problems quote none: a file whose columns are swapped or mislabelled
// puts a token in the orcid, email or scope column, which would otherwise
// be stored in the clear and shown in every report of the batch
// (scrubConnectionProblems).
func (s *Service) sealConnectionRow(batchID int64, r *Row) error {
	if len(r.Problems) > 0 {
		for _, p := range r.Problems {
			delete(r.Values, p.Column)
		}
		r.Problems = scrubConnectionProblems(r.Problems)
	}
	for _, c := range connectionSecrets {
		val, ok := r.Values[c]
		if !ok {
			continue
		}
		if len(r.Problems) > 0 {
			delete(r.Values, c)
			continue
		}
		sealed, err := s.st.SealBatchSecret(batchID, r.Row, c, val)
		if err != nil {
			return err
		}
		r.Values[c] = sealed
	}
	return nil
}

// quotedValue is a value as problem messages quote it (%q).
var quotedValue = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// scrubConnectionProblems is what a connections file's problems may say:
// no value (a token may sit in any column of a file whose columns are
// swapped, or in its header when it has none), and no column name that is
// not one of the kind's (an unknown column's header cell is its name).
// The row, line, column and code still say where and what.
func scrubConnectionProblems(ps []Problem) []Problem {
	known := map[string]bool{}
	for _, c := range Columns(Connections) {
		known[c.Name] = true
		for _, a := range c.Aliases {
			known[a] = true
		}
	}
	out := make([]Problem, len(ps))
	for i, p := range ps {
		if !known[p.Column] {
			p.Column = ""
		}
		p.Message = quotedValue.ReplaceAllString(p.Message, `"…"`)
		out[i] = p
	}
	return out
}

// connection imports one row of a connections file: its person (found,
// or created from the row), then the connection verified with ORCID, or
// the iD kept as unconfirmed when the row has no token. The row's tokens
// are then removed from the batch, whatever the outcome.
func (r *run) connection(ctx context.Context, row store.BatchRow, v map[string]string) error {
	st := r.s.st
	fail := func(personID int64, msg string) error {
		if err := r.forgetSecrets(ctx, row, v); err != nil {
			return err
		}
		return st.SetBatchRowOutcome(ctx, row.BatchID, row.Row, personID, 0, store.RowFailed, msg)
	}
	p, err := r.person(ctx, v)
	if rowError(err) {
		return fail(0, err.Error())
	}
	if err != nil {
		return err
	}
	if v["access-token"] == "" {
		id, err := orcid.ParseID(lastSegment(v["orcid"]))
		if err != nil {
			return fail(p.ID, "not an ORCID iD")
		}
		if _, err := st.SetORCIDHint(ctx, store.ORCIDHint{TenantID: r.b.TenantID, PersonID: p.ID, ORCID: id,
			Source: fmt.Sprintf("batch %d", r.b.ID)}); err != nil {
			return err
		}
		return st.SetBatchRowOutcome(ctx, row.BatchID, row.Row, p.ID, 0, store.RowDone, "iD kept on file as unconfirmed")
	}
	imp, ok := r.s.cfg.Inviter.(ConnectionImporter)
	if !ok {
		return fail(p.ID, "importing connections is not available here")
	}
	tokens := map[string]string{}
	for _, c := range connectionSecrets {
		if v[c] == "" {
			continue
		}
		if tokens[c], err = st.OpenBatchSecret(row.BatchID, row.Row, c, v[c]); err != nil {
			return fail(p.ID, "the row's tokens cannot be opened (was the encryption key changed?)")
		}
	}
	at, _ := time.Parse(time.RFC3339, v["expires-at"]) // checked at upload; connect checks again
	res, err := imp.ImportConnections(ctx, r.b.TenantID, r.b.UploadedBy, []connect.ExistingConnection{{PersonID: p.ID,
		ORCID: v["orcid"], AccessToken: tokens["access-token"], RefreshToken: tokens["refresh-token"], Scope: v["scope"], ExpiresAt: at}})
	if err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return fail(p.ID, "the tenant's credential is a Public API one: it holds no Member API tokens")
		}
		return err
	}
	switch x := res[0]; x.Status {
	case connect.ImportConnected:
		if err := r.forgetSecrets(ctx, row, v); err != nil {
			return err
		}
		return st.SetBatchRowOutcome(ctx, row.BatchID, row.Row, p.ID, 0, store.RowDone,
			fmt.Sprintf("connected, verified with ORCID; %d works already on the record adopted", x.Adopted))
	case connect.ImportSkipped:
		if err := r.forgetSecrets(ctx, row, v); err != nil {
			return err
		}
		return st.SetBatchRowOutcome(ctx, row.BatchID, row.Row, p.ID, 0, store.RowDone, "nothing changed: "+x.Problem)
	case connect.ImportFailed:
		// ORCID could not be asked: the job tries the slice again.
		return fmt.Errorf("batch: connection of row %d: %s", row.Row, x.Problem)
	default:
		return fail(p.ID, x.Problem)
	}
}

// forgetSecrets removes a row's tokens from the batch once they were used
// (or refused).
func (r *run) forgetSecrets(ctx context.Context, row store.BatchRow, v map[string]string) error {
	removed := false
	for _, c := range connectionSecrets {
		if _, ok := v[c]; ok {
			delete(v, c)
			removed = true
		}
	}
	if !removed {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return r.s.st.SetBatchRowData(ctx, row.BatchID, row.Row, data)
}

// lastSegment is an iD URI's last path segment (the iD), or s itself.
func lastSegment(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}
