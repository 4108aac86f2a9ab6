package store

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Connecting from the host's own page (issue 17): a connect link is an
// invitation that remembers where to send the researcher back, on an
// origin the tenant allowed (TenantSettings.ReturnOrigins); the result is
// signed with a key kept here, and a host that verifies it through the
// API uses it once.

// Bounds of the return origins a tenant allows and of a return URL.
const (
	MaxReturnOrigins   = 20
	MaxOriginLength    = 200
	MaxReturnURLLength = 2000
)

// ErrResultUsed means a connect result (its jti) was already verified once.
var ErrResultUsed = errors.New("connect result already used")

// NormalizeOrigin reads an origin as a tenant allows it: exactly
// scheme://host[:port], https, or http on a loopback host (development),
// with no path, query, fragment or credentials. It returns the origin as a
// browser serializes it (lower case, without the scheme's default port),
// so that comparing origins is comparing strings.
func NormalizeOrigin(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxOriginLength {
		return "", fmt.Errorf("%w: an origin has at most %d characters", ErrInvalid, MaxOriginLength)
	}
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%w: %q is not an origin like https://journal.example.org", ErrInvalid, s)
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("%w: %q must be scheme://host[:port] alone, with no path, query or credentials", ErrInvalid, s)
	}
	return originOf(u)
}

// originOf is the origin of a parsed absolute URL, checked against the
// rules of NormalizeOrigin but for the path.
func originOf(u *url.URL) (string, error) {
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if host == "" {
		return "", fmt.Errorf("%w: %q has no host", ErrInvalid, u.Redacted())
	}
	switch scheme {
	case "https":
	case "http":
		if !loopbackHost(host) {
			return "", fmt.Errorf("%w: %q must use https (plain http only on localhost, for development)", ErrInvalid, u.Redacted())
		}
	default:
		return "", fmt.Errorf("%w: %q must use https", ErrInvalid, u.Redacted())
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%w: %q has a bad port", ErrInvalid, u.Redacted())
		}
		if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
			port = ""
		} else {
			port = strconv.Itoa(n)
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// loopbackHost: localhost or a loopback address.
func loopbackHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NormalizeReturnOrigins checks a tenant's return origins and normalizes
// each (NormalizeOrigin), once each, in the order given.
func NormalizeReturnOrigins(origins []string) ([]string, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	if len(origins) > MaxReturnOrigins {
		return nil, fmt.Errorf("%w: at most %d return origins", ErrInvalid, MaxReturnOrigins)
	}
	out := make([]string, 0, len(origins))
	for _, o := range origins {
		n, err := NormalizeOrigin(o)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// ReturnOrigin checks a return URL (absolute, https or loopback http, no
// credentials or fragment, bounded) and returns its origin.
func ReturnOrigin(returnURL string) (string, error) {
	if len(returnURL) > MaxReturnURLLength {
		return "", fmt.Errorf("%w: a return URL has at most %d characters", ErrInvalid, MaxReturnURLLength)
	}
	u, err := url.Parse(returnURL)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%w: the return URL must be an absolute https URL", ErrInvalid)
	}
	if u.User != nil || u.Fragment != "" || strings.Contains(returnURL, "#") {
		return "", fmt.Errorf("%w: the return URL may carry neither credentials nor a fragment", ErrInvalid)
	}
	if err := CheckText("return_url", returnURL, false); err != nil {
		return "", err
	}
	return originOf(u)
}

// CreateConnectLink remembers where a connect link's invitation sends the
// researcher back. The caller checked the URL against the tenant's
// origins.
func (o *ops) CreateConnectLink(ctx context.Context, tenantID, invitationID int64, returnURL string) (err error) {
	defer wrap(&err, "connect link of invitation %d in tenant %d", invitationID, tenantID)
	if _, err := ReturnOrigin(returnURL); err != nil {
		return err
	}
	if err := o.mustExist(ctx, "invitation", invitationID, `SELECT 1 FROM invitations WHERE id = ? AND tenant_id = ?`,
		invitationID, tenantID); err != nil {
		return err
	}
	_, err = o.exec(ctx, `INSERT INTO connect_links (invitation_id, tenant_id, return_url, created_at) VALUES (?, ?, ?, ?)`,
		invitationID, tenantID, returnURL, timeText(o.now()))
	return dbErr(err, ErrNotFound)
}

// ConnectLinkReturnURL is where the invitation sends the researcher back;
// ErrNotFound for an invitation that is no connect link.
func (o *ops) ConnectLinkReturnURL(ctx context.Context, tenantID, invitationID int64) (_ string, err error) {
	defer wrap(&err, "connect link of invitation %d in tenant %d", invitationID, tenantID)
	var u string
	err = o.queryRow(ctx, `SELECT return_url FROM connect_links WHERE invitation_id = ? AND tenant_id = ?`,
		invitationID, tenantID).Scan(&u)
	return u, notFound(err)
}

// UseConnectResult records that a tenant accepted the result jti, valid
// until expiresAt: the first time succeeds, any later one is
// ErrResultUsed. Results expired a while ago are forgotten on the way (a
// result past its expiry is refused before it gets here).
func (o *ops) UseConnectResult(ctx context.Context, tenantID int64, jti string, expiresAt time.Time) (err error) {
	defer wrap(&err, "use connect result")
	if jti == "" || len(jti) > 100 {
		return fmt.Errorf("%w: a result id has 1 to 100 characters", ErrInvalid)
	}
	now := o.now()
	if _, err := o.exec(ctx, `DELETE FROM connect_result_uses WHERE expires_at < ?`, timeText(now.Add(-time.Hour))); err != nil {
		return err
	}
	res, err := o.exec(ctx, `INSERT INTO connect_result_uses (jti, tenant_id, used_at, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (jti) DO NOTHING`, jti, tenantID, timeText(now), timeText(expiresAt))
	if err != nil {
		return dbErr(err, ErrNotFound)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrResultUsed
	}
	return nil
}

// SigningKey is a key connect results are signed with.
type SigningKey struct {
	ID        string // the JWS key id: derived from the public key
	Private   ed25519.PrivateKey
	CreatedAt time.Time
}

func signingKeyAAD(id int64) []byte {
	return []byte("connect_signing_keys/" + strconv.FormatInt(id, 10) + "/private_key")
}

// maxSigningKeys bounds the keys read: more than a few means keys were
// created in a race or after a key left the ring; the newest sign.
const maxSigningKeys = 10

// ConnectSigningKeys are the signing keys that open under the ring, newest
// first (the first signs). A key sealed with a key since removed from the
// ring is skipped: CreateConnectSigningKey then makes a new one.
func (o *ops) ConnectSigningKeys(ctx context.Context) (_ []SigningKey, err error) {
	defer wrap(&err, "connect signing keys")
	ring, err := o.sealer()
	if err != nil {
		return nil, err
	}
	rows, err := o.query(ctx, `SELECT id, kid, private_key, created_at FROM connect_signing_keys ORDER BY id DESC LIMIT ?`,
		maxSigningKeys)
	if err != nil {
		return nil, err
	}
	type row struct {
		id     int64
		key    SigningKey
		sealed []byte
	}
	all, err := collect(rows, nil, func(r scanner) (row, error) {
		var x row
		err := r.Scan(&x.id, &x.key.ID, &x.sealed, timeDest{&x.key.CreatedAt})
		return x, err
	})
	if err != nil {
		return nil, err
	}
	var out []SigningKey
	for _, x := range all {
		seed, err := ring.Open(x.sealed, signingKeyAAD(x.id))
		if err != nil || len(seed) != ed25519.SeedSize {
			continue
		}
		x.key.Private = ed25519.NewKeyFromSeed(seed)
		out = append(out, x.key)
	}
	return out, nil
}

// CreateConnectSigningKey makes a new signing key, sealed, and returns it.
func (o *ops) CreateConnectSigningKey(ctx context.Context) (_ SigningKey, err error) {
	defer wrap(&err, "create connect signing key")
	ring, err := o.sealer()
	if err != nil {
		return SigningKey{}, err
	}
	seed := make([]byte, ed25519.SeedSize)
	_, _ = rand.Read(seed) // never fails: crypto/rand panics rather
	key := SigningKey{Private: ed25519.NewKeyFromSeed(seed), CreatedAt: o.now()}
	sum := sha256.Sum256(key.Private.Public().(ed25519.PublicKey))
	key.ID = base64.RawURLEncoding.EncodeToString(sum[:12])
	err = o.atomic(ctx, func(o *ops) error {
		var id int64
		if err := o.queryRow(ctx, `INSERT INTO connect_signing_keys (kid, private_key, created_at) VALUES (?, ?, ?)
			RETURNING id`, key.ID, []byte{0}, timeText(key.CreatedAt)).Scan(&id); err != nil {
			return err
		}
		_, err := o.exec(ctx, `UPDATE connect_signing_keys SET private_key = ? WHERE id = ?`,
			ring.Seal(seed, signingKeyAAD(id)), id)
		return err
	})
	if err != nil {
		return SigningKey{}, err
	}
	return key, nil
}
