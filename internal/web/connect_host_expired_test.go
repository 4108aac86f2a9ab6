package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
)

// TestExpiredConnectLinkSignsNoConnection: a connect link whose person
// connected some other way sends them back to the host with a signed
// "connected" and the iD while it lasts; once it expired, whoever opens it
// (it is a bearer link, seen by the host's page and the browser's history)
// gets no fresh signed statement of the connection, only "expired".
func TestExpiredConnectLinkSignsNoConnection(t *testing.T) {
	e := newResearcherEnv(t)
	const origin = "https://host.example"
	tn := e.tenant
	tn.Settings.ReturnOrigins = []string{origin}
	var err error
	if e.tenant, err = e.st.UpdateTenant(e.ctx, tn); err != nil {
		t.Fatal(err)
	}
	hl, err := e.svc.CreateHostLink(e.ctx, e.tenant.ID, e.alice.ID, "", origin+"/back", connect.MinHostLinkTTL)
	if err != nil {
		t.Fatal(err)
	}
	hostPath := strings.TrimPrefix(hl.Link, e.base)
	e.browser(t).connect(e.invite(t, e.alice))

	result := func(t *testing.T) connect.ResultClaims {
		t.Helper()
		r := e.browser(t).get(hostPath)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, origin+"/back?") {
			t.Fatalf("%d to %q, want 303 back to the host\n%s", r.status, r.location, r.body)
		}
		u, err := url.Parse(r.location)
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.VerifyResult(e.ctx, e.tenant.ID, u.Query().Get(connect.ResultParam), origin)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name          string
		after         time.Duration
		status, error string
		orcid         bool
	}{
		{"while the link lasts", 0, connect.ResultConnected, "", true},
		{"once it expired", connect.MinHostLinkTTL + time.Minute, connect.ResultError, connect.ResultErrExpired, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Advance(tc.after)
			c := result(t)
			if c.Status != tc.status || c.Error != tc.error || (c.ORCID != "") != tc.orcid || c.Person != e.alice.ID {
				t.Errorf("result %+v, want %s %s, iD %v", c, tc.status, tc.error, tc.orcid)
			}
		})
	}
}
