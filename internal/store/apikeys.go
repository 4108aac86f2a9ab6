package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// APIKey is a tenant's key to the REST API. The key itself is shown once,
// by CreateAPIKey; the store keeps its prefix (shown in lists) and the
// SHA-256 of its secret.
type APIKey struct {
	ID         int64
	TenantID   int64
	Name       string
	Prefix     string // "olk_<prefix>_…" identifies the key in lists and logs
	CreatedBy  string // actor, e.g. "admin:3"
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: not revoked
}

// Revoked reports whether the key was revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// APIKeyPrefix starts every API key, so that a leaked one is recognisable
// (secret scanners, logs).
const APIKeyPrefix = "olk_"

// NewAPIKey is what CreateAPIKey needs.
type NewAPIKey struct {
	TenantID  int64
	Name      string
	CreatedBy string
}

const apiKeyCols = `id, tenant_id, name, prefix, created_by, created_at, last_used_at, revoked_at`

func scanAPIKey(r scanner) (APIKey, error) {
	var k APIKey
	err := r.Scan(&k.ID, &k.TenantID, &k.Name, &k.Prefix, &k.CreatedBy, timeDest{&k.CreatedAt}, timeDest{&k.LastUsedAt},
		timeDest{&k.RevokedAt})
	return k, err
}

// newAPIKeySecret returns a key's prefix, its secret and the whole key.
// The secret is 32 random bytes: a plain SHA-256 of it is as good as any
// password hash, since nobody can guess it.
func newAPIKeySecret() (prefix, secret, key string) {
	p := make([]byte, 6)
	s := make([]byte, 32)
	rand.Read(p)
	rand.Read(s)
	prefix, secret = hex.EncodeToString(p), base64.RawURLEncoding.EncodeToString(s)
	return prefix, secret, APIKeyPrefix + prefix + "_" + secret
}

// splitAPIKey takes a presented key apart; ok is false for anything that
// is not shaped like a key.
func splitAPIKey(key string) (prefix, secret string, ok bool) {
	rest, ok := strings.CutPrefix(key, APIKeyPrefix)
	if !ok {
		return "", "", false
	}
	prefix, secret, ok = strings.Cut(rest, "_")
	if !ok || len(prefix) != 12 || secret == "" {
		return "", "", false
	}
	if _, err := hex.DecodeString(prefix); err != nil {
		return "", "", false
	}
	return prefix, secret, true
}

// CreateAPIKey makes a new key for a tenant and returns it with the key
// itself, which exists only here.
func (o *ops) CreateAPIKey(ctx context.Context, in NewAPIKey) (_ APIKey, key string, err error) {
	defer wrap(&err, "create API key in tenant %d", in.TenantID)
	if err := CheckAPIKey(&in); err != nil {
		return APIKey{}, "", err
	}
	if in.CreatedBy == "" {
		in.CreatedBy = ActorSystem
	}
	if err := o.mustExist(ctx, "tenant", in.TenantID, `SELECT 1 FROM tenants WHERE id = ?`, in.TenantID); err != nil {
		return APIKey{}, "", err
	}
	prefix, secret, key := newAPIKeySecret()
	sum := sha256.Sum256([]byte(secret))
	k, err := scanAPIKey(o.queryRow(ctx, `INSERT INTO api_keys (tenant_id, name, prefix, secret_hash, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING `+apiKeyCols,
		in.TenantID, in.Name, prefix, sum[:], in.CreatedBy, timeText(o.now())))
	if err != nil {
		return APIKey{}, "", dbErr(err, ErrNotFound)
	}
	return k, key, nil
}

// APIKeyByKey finds the key a client presented. A malformed, unknown or
// revoked key, or a wrong secret, is ErrNotFound alike: the caller answers
// 401 without saying which.
func (o *ops) APIKeyByKey(ctx context.Context, key string) (_ APIKey, err error) {
	defer wrap(&err, "look up API key")
	prefix, secret, ok := splitAPIKey(key)
	if !ok {
		return APIKey{}, fmt.Errorf("%w: not an API key", ErrNotFound)
	}
	var hash []byte
	k, err := scanAPIKey(scanPlus(o.queryRow(ctx, `SELECT `+apiKeyCols+`, secret_hash FROM api_keys WHERE prefix = ?`, prefix), &hash))
	if err != nil {
		return APIKey{}, notFound(err)
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], hash) != 1 {
		return APIKey{}, fmt.Errorf("%w: wrong secret for key %s", ErrNotFound, prefix)
	}
	if k.Revoked() {
		return APIKey{}, fmt.Errorf("%w: key %s is revoked", ErrNotFound, prefix)
	}
	return k, nil
}

// scanPlus scans extra columns after those a scan function reads.
type scanPlusRow struct {
	r     scanner
	extra []any
}

func scanPlus(r scanner, extra ...any) scanner { return scanPlusRow{r, extra} }

func (s scanPlusRow) Scan(dest ...any) error { return s.r.Scan(append(dest, s.extra...)...) }

// APIKey reads a key of a tenant.
func (o *ops) APIKey(ctx context.Context, tenantID, keyID int64) (_ APIKey, err error) {
	defer wrap(&err, "API key %d of tenant %d", keyID, tenantID)
	k, err := scanAPIKey(o.queryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE id = ? AND tenant_id = ?`, keyID, tenantID))
	return k, notFound(err)
}

// ListAPIKeys lists a tenant's keys, revoked ones included, newest first.
func (o *ops) ListAPIKeys(ctx context.Context, tenantID int64) (_ []APIKey, err error) {
	defer wrap(&err, "API keys of tenant %d", tenantID)
	rows, err := o.query(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE tenant_id = ? ORDER BY id DESC`, tenantID)
	return collect(rows, err, scanAPIKey)
}

// RevokeAPIKey revokes a key of a tenant; it stops working at once.
// Revoking a revoked key changes nothing.
func (o *ops) RevokeAPIKey(ctx context.Context, tenantID, keyID int64) (err error) {
	defer wrap(&err, "revoke API key %d of tenant %d", keyID, tenantID)
	if _, err := o.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL`,
		timeText(o.now()), keyID, tenantID); err != nil {
		return err
	}
	return o.mustExist(ctx, "API key", keyID, `SELECT 1 FROM api_keys WHERE id = ? AND tenant_id = ?`, keyID, tenantID)
}

// TouchAPIKey records that a key was used at, unless it was already
// recorded as used less than every ago: the API calls it on every request,
// and the database is written at most once per interval whatever the
// number of processes.
func (o *ops) TouchAPIKey(ctx context.Context, keyID int64, at time.Time, every time.Duration) (err error) {
	defer wrap(&err, "touch API key %d", keyID)
	_, err = o.exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
		timeText(at), keyID, timeText(at.Add(-every)))
	return err
}

// IdempotentRequest is a POST sent with an Idempotency-Key, and the answer
// it got.
type IdempotentRequest struct {
	APIKeyID    int64
	Key         string // the Idempotency-Key header
	RequestHash []byte // SHA-256 of what makes the request the same request
	// Status is 0 while the first request runs, then its answer's.
	Status      int
	ContentType string
	Location    string
	// Body is sealed at rest: an answer may hold a secret shown once (a
	// webhook's signing secret, an invitation link), which a replay must
	// show again but the database must not keep readable.
	Body      []byte
	CreatedAt time.Time
	// InFlightLease, given to BeginIdempotent, is how long a claim whose
	// request never finished holds the key: after it, the process that
	// claimed it is taken for dead (killed mid-request), and the same
	// request sent again runs again rather than being told forever that
	// it is still running. 0 keeps such a claim until it is pruned.
	InFlightLease time.Duration
}

func idempotencyAAD(apiKeyID int64, key string) []byte {
	return []byte("api_idempotency/" + strconv.FormatInt(apiKeyID, 10) + "/" + key)
}

// Done reports whether the first request has its answer.
func (r IdempotentRequest) Done() bool { return r.Status != 0 }

// SameRequest reports whether hash is the hash of the first request.
func (r IdempotentRequest) SameRequest(hash []byte) bool { return bytes.Equal(r.RequestHash, hash) }

// BeginIdempotent claims (APIKeyID, Key) for a request about to run: it
// returns first == true when this is the first request with the key, and
// otherwise the earlier request as stored (its answer, or Status 0 when
// it is still running, perhaps in another process). A claim of the same
// request older than r.InFlightLease that never got its answer is taken
// over: first is true again.
func (o *ops) BeginIdempotent(ctx context.Context, r IdempotentRequest) (_ IdempotentRequest, first bool, err error) {
	defer wrap(&err, "idempotency key of API key %d", r.APIKeyID)
	if r.Key == "" || len(r.Key) > 255 || len(r.RequestHash) == 0 {
		return IdempotentRequest{}, false, fmt.Errorf("%w: an Idempotency-Key has 1 to 255 bytes", ErrInvalid)
	}
	now := o.now()
	// ON CONFLICT DO NOTHING leaves a PostgreSQL transaction usable and
	// makes two simultaneous first requests agree on one winner.
	res, err := o.exec(ctx, `INSERT INTO api_idempotency (api_key_id, idempotency_key, request_hash, status, content_type,
		location, created_at) VALUES (?, ?, ?, 0, '', '', ?) ON CONFLICT (api_key_id, idempotency_key) DO NOTHING`,
		r.APIKeyID, r.Key, r.RequestHash, timeText(now))
	if err != nil {
		return IdempotentRequest{}, false, dbErr(err, ErrNotFound)
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 && r.InFlightLease > 0 {
		// A claim of the same request that never finished and is older
		// than the lease: take it over. The conditions are on the row
		// itself, so of two retries only one takes it (on PostgreSQL the
		// second re-checks them on the row the first one wrote).
		res, err = o.exec(ctx, `UPDATE api_idempotency SET created_at = ? WHERE api_key_id = ? AND idempotency_key = ?
			AND status = 0 AND request_hash = ? AND created_at <= ?`,
			timeText(now), r.APIKeyID, r.Key, r.RequestHash, timeText(now.Add(-r.InFlightLease)))
		if err == nil {
			n, err = res.RowsAffected()
		}
	}
	if err != nil {
		return IdempotentRequest{}, false, err
	}
	if n == 1 {
		r.Status, r.CreatedAt = 0, now
		return r, true, nil
	}
	var out IdempotentRequest
	var sealed []byte
	err = o.queryRow(ctx, `SELECT api_key_id, idempotency_key, request_hash, status, content_type, location, body, created_at
		FROM api_idempotency WHERE api_key_id = ? AND idempotency_key = ?`, r.APIKeyID, r.Key).
		Scan(&out.APIKeyID, &out.Key, &out.RequestHash, &out.Status, &out.ContentType, &out.Location, &sealed,
			timeDest{&out.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		// Pruned between the two statements: the caller may simply retry.
		return IdempotentRequest{}, false, fmt.Errorf("%w: idempotency record vanished", ErrConflict)
	}
	if err != nil || len(sealed) == 0 {
		return out, false, err
	}
	ring, err := o.sealer()
	if err != nil {
		return IdempotentRequest{}, false, err
	}
	if out.Body, err = ring.Open(sealed, idempotencyAAD(out.APIKeyID, out.Key)); err != nil {
		return IdempotentRequest{}, false, fmt.Errorf("stored answer: %w", err)
	}
	return out, false, nil
}

// FinishIdempotent stores the answer of the first request with a key.
func (o *ops) FinishIdempotent(ctx context.Context, r IdempotentRequest) (err error) {
	defer wrap(&err, "store the answer of idempotency key of API key %d", r.APIKeyID)
	if r.Status == 0 {
		return fmt.Errorf("%w: no status", ErrInvalid)
	}
	var sealed []byte
	if len(r.Body) > 0 {
		ring, err := o.sealer()
		if err != nil {
			return err
		}
		sealed = ring.Seal(r.Body, idempotencyAAD(r.APIKeyID, r.Key))
	}
	return affected(o.exec(ctx, `UPDATE api_idempotency SET status = ?, content_type = ?, location = ?, body = ?
		WHERE api_key_id = ? AND idempotency_key = ? AND status = 0`,
		r.Status, r.ContentType, r.Location, sealed, r.APIKeyID, r.Key))
}

// AbandonIdempotent forgets a claim whose request failed on our side (a
// 5xx), so that the client's retry runs again.
func (o *ops) AbandonIdempotent(ctx context.Context, apiKeyID int64, key string) (err error) {
	defer wrap(&err, "abandon idempotency key of API key %d", apiKeyID)
	_, err = o.exec(ctx, `DELETE FROM api_idempotency WHERE api_key_id = ? AND idempotency_key = ? AND status = 0`, apiKeyID, key)
	return err
}

// PruneIdempotency deletes the records of requests made before olderThan
// and reports how many. Clients may retry with the same key until then.
func (o *ops) PruneIdempotency(ctx context.Context, olderThan time.Time) (_ int64, err error) {
	defer wrap(&err, "prune idempotency records")
	res, err := o.exec(ctx, `DELETE FROM api_idempotency WHERE created_at < ?`, timeText(olderThan))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// TenantCallQuery selects a tenant's ORCID calls for ListTenantCalls.
type TenantCallQuery struct {
	PersonID int64 // 0: every call of the tenant
	BeforeID int64 // for paging: calls with a smaller id; 0 for the newest
	Limit    int   // default 100, at most 1000
}

// ListTenantCalls lists a tenant's ORCID calls, newest first: the call log
// as the REST API pages it. Headers and bodies are as redacted when logged.
func (o *ops) ListTenantCalls(ctx context.Context, tenantID int64, q TenantCallQuery) (_ []Call, err error) {
	defer wrap(&err, "calls of tenant %d", tenantID)
	where, args := []string{"tenant_id = ?"}, []any{tenantID}
	if q.PersonID != 0 {
		where, args = append(where, "person_id = ?"), append(args, q.PersonID)
	}
	if q.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, q.BeforeID)
	}
	args = append(args, limitOr(q.Limit, 100, 1000))
	rows, err := o.query(ctx, `SELECT `+callCols+` FROM orcid_calls WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, args...)
	return collect(rows, err, scanCall)
}
