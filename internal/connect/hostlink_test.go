package connect_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
)

const hostOrigin = "https://host.example.org"

// allowOrigins sets the tenant's return origins.
func (f *fixture) allowOrigins(t *testing.T, origins ...string) {
	t.Helper()
	tn, err := f.st.Tenant(f.ctx, f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	tn.Settings.ReturnOrigins = origins
	if f.tenant, err = f.st.UpdateTenant(f.ctx, tn); err != nil {
		t.Fatal(err)
	}
}

// hostLink makes a connect link for p returning to ret, and returns it
// with its raw token.
func (f *fixture) hostLink(t *testing.T, p store.Person, ret string) (connect.HostLink, string) {
	t.Helper()
	l, err := f.svc.CreateHostLink(f.ctx, f.tenant.ID, p.ID, store.ActorAdmin(1), ret, 0)
	if err != nil {
		t.Fatalf("CreateHostLink: %v", err)
	}
	raw, ok := strings.CutPrefix(l.Link, publicURL+"/i/")
	if !ok {
		t.Fatalf("connect link %q is not an invitation link", l.Link)
	}
	return l, raw
}

// resultOf reads the signed result from a return URL, checking that the
// rest of the URL is the return URL's.
func resultOf(t *testing.T, to, ret string) string {
	t.Helper()
	u, err := url.Parse(to)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	token := q.Get(connect.ResultParam)
	q.Del(connect.ResultParam)
	u.RawQuery = q.Encode()
	if token == "" || u.String() != ret {
		t.Fatalf("return URL %q: want %q with a result", to, ret)
	}
	return token
}

func refusal(err error) string {
	var r *connect.ResultRefusal
	if errors.As(err, &r) && errors.Is(err, connect.ErrResultRefused) {
		return r.Reason
	}
	return ""
}

func TestHostLinkOrigins(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ret := hostOrigin + "/submit?step=2"
	if _, err := f.svc.CreateHostLink(f.ctx, f.tenant.ID, f.alice.ID, "", ret, 0); !errors.Is(err, connect.ErrReturnNotAllowed) {
		t.Fatalf("no origins allowed: %v, want ErrReturnNotAllowed", err)
	}
	f.allowOrigins(t, hostOrigin, "http://127.0.0.1:8081")
	for _, tc := range []struct {
		name, ret string
		ttl       time.Duration
		want      error
	}{
		{"another origin", "https://evil.example.org/submit", 0, connect.ErrReturnNotAllowed},
		{"another port", "https://host.example.org:8443/submit", 0, connect.ErrReturnNotAllowed},
		{"http for an https origin", "http://host.example.org/submit", 0, store.ErrInvalid},
		{"credentials", "https://u:p@host.example.org/submit", 0, store.ErrInvalid},
		{"fragment", "https://host.example.org/submit#x", 0, store.ErrInvalid},
		{"relative", "/submit", 0, store.ErrInvalid},
		{"javascript", "javascript:alert(1)", 0, store.ErrInvalid},
		{"too long", hostOrigin + "/" + strings.Repeat("a", store.MaxReturnURLLength), 0, store.ErrInvalid},
		{"too short a life", ret, time.Minute, store.ErrInvalid},
		{"too long a life", ret, 30 * 24 * time.Hour, store.ErrInvalid},
		{"allowed", ret, 0, nil},
		{"default port written out", "https://host.example.org:443/x", 0, nil},
		{"loopback http", "http://127.0.0.1:8081/back", time.Hour, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := f.svc.CreateHostLink(f.ctx, f.tenant.ID, f.bob.ID, "", tc.ret, tc.ttl)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("CreateHostLink(%q, %s): %v, want %v", tc.ret, tc.ttl, err, tc.want)
			}
			if err == nil && (l.ReturnURL != tc.ret || l.Link == "") {
				t.Errorf("link %+v", l)
			}
		})
	}
	// Another tenant's person is not found.
	other, err := f.st.CreateTenant(f.ctx, store.Tenant{Slug: "other", Name: "Other", Languages: []string{"en"},
		CredentialID: f.cred.ID, Settings: store.TenantSettings{ReturnOrigins: []string{hostOrigin}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateHostLink(f.ctx, other.ID, f.alice.ID, "", ret, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another tenant's person: %v, want ErrNotFound", err)
	}
}

// TestHostLinkRoundTrip: the connect link goes through the invitation's
// round trip and comes back with a result the host can verify once, with
// the published key or through VerifyResult; forged, expired, replayed and
// misdirected results are refused.
func TestHostLinkRoundTrip(t *testing.T) {
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) { testHostLinkRoundTrip(t, driver) })
	}
}

func testHostLinkRoundTrip(t *testing.T, driver string) {
	f := newFixture(t, fixtureOpts{driver: driver})
	f.allowOrigins(t, hostOrigin)
	ret := hostOrigin + "/profile?tab=ids"

	// An emailed invitation survives a connect link.
	emailed, _ := f.invite(t, f.alice)
	l, raw := f.hostLink(t, f.alice, ret)
	if inv, err := f.st.Invitation(f.ctx, f.tenant.ID, emailed.ID); err != nil || inv.State != store.InvitationPending {
		t.Errorf("emailed invitation after a connect link: %+v, %v", inv, err)
	}
	authURL, err := f.svc.Start(f.ctx, raw, "b1", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Complete(f.ctx, f.authorize(t, authURL), "b1")
	if err != nil {
		t.Fatal(err)
	}
	to, ok, err := f.svc.HostReturnURL(f.ctx, f.tenant.ID, l.ID, connect.OutcomeOf(res, err))
	if err != nil || !ok {
		t.Fatalf("HostReturnURL: %v, %v", ok, err)
	}
	token := resultOf(t, to, ret)

	// The published key verifies it, as a host would offline.
	keys, err := f.svc.ResultKeys(f.ctx)
	if err != nil || len(keys.Keys) == 0 {
		t.Fatalf("ResultKeys: %v, %v", keys, err)
	}
	raw2, _ := json.Marshal(keys)
	var published jose.JSONWebKeySet
	if err := json.Unmarshal(raw2, &published); err != nil {
		t.Fatal(err)
	}
	obj, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	found := published.Key(obj.Signatures[0].Header.KeyID)
	if len(found) != 1 {
		t.Fatalf("kid %q not published", obj.Signatures[0].Header.KeyID)
	}
	payload, err := obj.Verify(found[0].Key)
	if err != nil {
		t.Fatalf("published key: %v", err)
	}
	var offline connect.ResultClaims
	if err := json.Unmarshal(payload, &offline); err != nil {
		t.Fatal(err)
	}
	if offline.Status != connect.ResultConnected || offline.ORCID != res.Link.ORCIDURI || offline.Person != f.alice.ID ||
		offline.Audience != hostOrigin || offline.Tenant != f.tenant.Slug || offline.ExternalRef != "a-1" ||
		offline.Expiry-offline.IssuedAt != int64(connect.ResultTTL/time.Second) || offline.ID == "" {
		t.Errorf("claims %+v", offline)
	}

	// Through the API's service: wrong audience and other tenant refused
	// without using the result up; then once, then replayed.
	other, err := f.st.CreateTenant(f.ctx, store.Tenant{Slug: "other", Name: "Other", Languages: []string{"en"}, CredentialID: f.cred.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.VerifyResult(f.ctx, f.tenant.ID, token, "https://evil.example.org"); refusal(err) != "audience" {
		t.Errorf("wrong audience: %v", err)
	}
	if _, err := f.svc.VerifyResult(f.ctx, other.ID, token, hostOrigin); refusal(err) != "invalid" {
		t.Errorf("other tenant: %v", err)
	}
	c, err := f.svc.VerifyResult(f.ctx, f.tenant.ID, token, hostOrigin+"/")
	if err != nil || c != offline {
		t.Fatalf("VerifyResult: %+v, %v; want %+v", c, err, offline)
	}
	if _, err := f.svc.VerifyResult(f.ctx, f.tenant.ID, token, hostOrigin); refusal(err) != "replayed" {
		t.Errorf("replayed: %v", err)
	}

	// Forgeries.
	parts := strings.Split(token, ".")
	claims := offline
	claims.Person, claims.ID = f.bob.ID, "forged-1"
	body, _ := json.Marshal(claims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(body) + "." + parts[2]
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: stranger,
		KeyID: obj.Signatures[0].Header.KeyID}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := signer.Sign(body)
	otherKey, _ := signed.CompactSerialize()
	sig := []byte(parts[2])
	sig[3] ^= 1
	for name, forged := range map[string]string{
		"tampered payload":    tampered,
		"another key":         otherKey,
		"altered signature":   parts[0] + "." + parts[1] + "." + string(sig),
		"unsigned":            base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".",
		"garbage":             "not.a.jws",
		"too long":            strings.Repeat("a", 5000),
		"HS256 with the kid":  hs256(t, body),
		"empty":               "",
		"JSON serialization":  `{"payload":"` + parts[1] + `","signatures":[]}`,
		"payload from result": parts[1],
	} {
		if _, err := f.svc.VerifyResult(f.ctx, f.tenant.ID, forged, hostOrigin); refusal(err) != "invalid" {
			t.Errorf("%s: %v, want refused as invalid", name, err)
		}
	}

	// Expired: a denial's result, five minutes on.
	to, ok, err = f.svc.HostReturnURL(f.ctx, f.tenant.ID, l.ID, connect.OutcomeOf(connect.Result{},
		&connect.FlowError{Kind: connect.ErrDenied}))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	denied := resultOf(t, to, ret)
	f.clock.Advance(connect.ResultTTL)
	if _, err := f.svc.VerifyResult(f.ctx, f.tenant.ID, denied, hostOrigin); refusal(err) != "expired" {
		t.Errorf("expired: %v", err)
	}
}

// hs256 signs body with HMAC under a guessable key: an algorithm the
// verifier must not accept at all.
func hs256(t *testing.T, body []byte) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := s.Sign(body)
	out, _ := o.CompactSerialize()
	return out
}

// TestHostReturnOnlyForConnectLinks: an emailed invitation, or a connect
// link whose origin the tenant no longer allows, keeps the researcher on
// orcidlink's page; a denial's result names no iD.
func TestHostReturnOnlyForConnectLinks(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.allowOrigins(t, hostOrigin)
	emailed, _ := f.invite(t, f.bob)
	if _, ok, err := f.svc.HostReturnURL(f.ctx, f.tenant.ID, emailed.ID, connect.Outcome{Status: connect.ResultConnected}); ok || err != nil {
		t.Errorf("emailed invitation: %v, %v", ok, err)
	}
	l, _ := f.hostLink(t, f.alice, hostOrigin+"/x")
	to, ok, err := f.svc.HostReturnURL(f.ctx, f.tenant.ID, l.ID, connect.Outcome{Status: connect.ResultDenied, ORCID: "https://orcid.org/0000-0002-1825-0097"})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	c, err := f.svc.VerifyResult(f.ctx, f.tenant.ID, resultOf(t, to, hostOrigin+"/x"), hostOrigin)
	if err != nil || c.Status != connect.ResultDenied || c.ORCID != "" {
		t.Errorf("denied result: %+v, %v", c, err)
	}
	// Another tenant cannot read this tenant's connect link.
	other, err := f.st.CreateTenant(f.ctx, store.Tenant{Slug: "other", Name: "Other", Languages: []string{"en"}, CredentialID: f.cred.ID,
		Settings: store.TenantSettings{ReturnOrigins: []string{hostOrigin}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := f.svc.HostReturnURL(f.ctx, other.ID, l.ID, connect.Outcome{Status: connect.ResultDenied}); ok || err != nil {
		t.Errorf("other tenant: %v, %v", ok, err)
	}
	f.allowOrigins(t)
	if _, ok, err := f.svc.HostReturnURL(f.ctx, f.tenant.ID, l.ID, connect.Outcome{Status: connect.ResultDenied}); ok || err != nil {
		t.Errorf("origin no longer allowed: %v, %v", ok, err)
	}
}
