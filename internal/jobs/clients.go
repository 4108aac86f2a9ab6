package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

type callContextKey struct{}

type callContext struct{ tenantID, personID int64 }

// withCallContext files the ORCID calls made with ctx under a tenant and
// person in the call log.
func withCallContext(ctx context.Context, tenantID, personID int64) context.Context {
	return context.WithValue(ctx, callContextKey{}, callContext{tenantID, personID})
}

// clients builds one ORCID client per credential, with the credential's
// shared rate budget and a hook that writes the call log, as
// connect.Service.Client does when given a limiter: the queue's own, for
// processes (the bench, tests) that run no connect.Service.
type clients struct {
	st    *store.Store
	http  *http.Client
	retry orcid.RetryPolicy
	rate  float64
	burst int
	log   *slog.Logger

	mu sync.Mutex
	m  map[int64]cachedClient
}

type cachedClient struct {
	key    string
	client *orcid.Client
}

// Client implements ClientSource.
func (c *clients) Client(_ context.Context, cred store.Credential) (*orcid.Client, error) {
	key := credentialKey(cred)
	c.mu.Lock()
	defer c.mu.Unlock()
	if cc, ok := c.m[cred.ID]; ok && cc.key == key {
		return cc.client, nil
	}
	client, err := orcid.New(orcid.Config{
		Credential: cred.ORCID(),
		HTTPClient: c.http,
		Limiter:    NewSharedLimiter(c.st, BudgetKey(cred.ID), c.rate, c.burst),
		Retry:      c.retry,
		Hook:       c.hook(cred.ID),
		Logger:     c.log,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: ORCID client for credential %d: %w", cred.ID, err)
	}
	c.m[cred.ID] = cachedClient{key: key, client: client}
	return client, nil
}

// credentialKey identifies what a client was built from; the secret enters
// as a hash so that the cache keeps no second copy of it.
func credentialKey(c store.Credential) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s", c.ClientID, c.ClientSecret, c.API,
		c.Env.Name, c.Env.SiteURL, c.Env.MemberAPIURL, c.Env.PublicAPIURL)
	return hex.EncodeToString(h.Sum(nil))
}

// hook appends each call (already redacted by the ORCID client) to the log
// ORCID asks members to keep.
func (c *clients) hook(credentialID int64) orcid.Hook {
	return func(ctx context.Context, call orcid.Call) {
		cc, _ := ctx.Value(callContextKey{}).(callContext)
		_, err := c.st.AppendCall(context.WithoutCancel(ctx), store.Call{
			TenantID: cc.tenantID, PersonID: cc.personID, CredentialID: credentialID,
			Method: call.Method, URL: call.URL, Status: call.Status, Duration: call.Duration,
			RequestHeader: call.RequestHeader, RequestBody: call.RequestBody,
			ResponseHeader: call.ResponseHeader, ResponseBody: call.ResponseBody,
			Error: call.Err, Attempt: call.Attempt,
		})
		if err != nil {
			c.log.WarnContext(ctx, "could not log ORCID call", "tenant", cc.tenantID, "person", cc.personID,
				"credential", credentialID, "method", call.Method, "status", call.Status, "err", err)
		}
	}
}
