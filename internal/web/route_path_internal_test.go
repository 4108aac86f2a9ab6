package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRoutePathHidesTokens: the paths logged when a session cannot be
// saved or a handler panics show no secret of the path: an invitation's
// token, an emailed sign-in link's, the token of ORCID's webhook calls.
func TestRoutePathHidesTokens(t *testing.T) {
	const secret = "S3CRETTOKENVALUE123456"
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/i/" + secret, "/i/…"},
		{"POST", "/i/" + secret + "/connect", "/i/…"},
		{"POST", "/me/in/" + secret, "/me/in/…"},
		{"POST", "/orcid/record-changed/12/" + secret, "/orcid/record-changed/…"},
		{"GET", "/admin/tenants", "/admin/tenants"},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		got := routePath(r)
		if got != tc.want || strings.Contains(got, secret) {
			t.Errorf("%s %s is logged as %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}
