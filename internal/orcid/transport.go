package orcid

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

type attemptKey struct{}

func withAttempt(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, attemptKey{}, n)
}

type secretsKey struct{}

// withSecrets hands a request's own secrets (request.secrets) to the
// transport, which hides them from the hook and the log.
func withSecrets(ctx context.Context, secrets []string) context.Context {
	if len(secrets) == 0 {
		return ctx
	}
	return context.WithValue(ctx, secretsKey{}, secrets)
}

// observingTransport hands every round trip to the client's hook and debug
// log, with secrets redacted. It sits under both our API calls and
// golang.org/x/oauth2's token requests.
type observingTransport struct {
	next http.RoundTripper
	c    *Client
}

func (t *observingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	start := time.Now()
	res, err := next.RoundTrip(req)
	took := time.Since(start)
	var resBody []byte
	if err == nil && res.Body != nil {
		// Buffer the body so it can be both observed and returned; ORCID's
		// answers are small, and the cap protects against a runaway peer.
		resBody, err = io.ReadAll(io.LimitReader(res.Body, 32<<20))
		res.Body.Close()
		res.Body = io.NopCloser(bytes.NewReader(resBody))
	}
	secrets := []string{t.c.cred.ClientSecret, bearer(req.Header.Get("Authorization"))}
	secrets = append(secrets, formSecrets(reqBody)...)
	secrets = append(secrets, tokenValues(resBody)...)
	if own, ok := req.Context().Value(secretsKey{}).([]string); ok {
		secrets = append(secrets, own...)
	}
	attempt, _ := req.Context().Value(attemptKey{}).(int)
	if attempt == 0 {
		attempt = 1
	}
	ex := Call{
		Method: req.Method, URL: redact(req.URL.String(), secrets), RequestHeader: redactHeader(req.Header, secrets),
		RequestBody: redactBody(reqBody, secrets), Duration: took, Attempt: attempt, CredentialID: t.c.cred.ClientID,
	}
	if res != nil {
		ex.Status, ex.ResponseHeader, ex.ResponseBody = res.StatusCode, redactHeader(res.Header, secrets), redactBody(resBody, secrets)
	}
	if err != nil {
		ex.Err = redact(err.Error(), secrets)
	}
	t.c.log.DebugContext(req.Context(), "orcid call", "method", ex.Method, "url", ex.URL, "status", ex.Status, "took", took, "attempt", attempt)
	if t.c.cfg.Hook != nil {
		t.c.cfg.Hook(req.Context(), ex)
	}
	return res, err
}

func bearer(h string) string {
	if len(h) > 7 && (h[:7] == "Bearer " || h[:7] == "bearer ") {
		return h[7:]
	}
	return ""
}
