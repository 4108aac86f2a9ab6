package web_test

import (
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/web"
)

// TestNewNeedsItsCollaborators: New refuses a Config without its store or
// its connect service, naming what is missing.
func TestNewNeedsItsCollaborators(t *testing.T) {
	const base = "http://127.0.0.1:8080"
	st := storetest.Open(t, "sqlite", nil)
	svc, err := connect.New(connect.Config{Store: st, PublicURL: base})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  web.Config
		want string
	}{
		{"no store", web.Config{Connect: svc, PublicURL: base}, "Config.Store is required"},
		{"no connect service", web.Config{Store: st, PublicURL: base}, "Config.Connect is required"},
		{"complete", web.Config{Store: st, Connect: svc, PublicURL: base}, ""},
	} {
		_, err := web.New(tc.cfg)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
