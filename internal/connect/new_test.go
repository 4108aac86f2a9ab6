package connect_test

import (
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestNewNeedsItsCollaborators: New refuses a Config without its store
// or a usable public URL, naming what is missing.
func TestNewNeedsItsCollaborators(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	for _, tc := range []struct {
		name string
		cfg  connect.Config
		want string
	}{
		{"no store", connect.Config{PublicURL: "https://orcidlink.example.org"}, "Config.Store is required"},
		{"no public URL", connect.Config{Store: st}, "public URL"},
		{"complete", connect.Config{Store: st, PublicURL: "https://orcidlink.example.org"}, ""},
	} {
		_, err := connect.New(tc.cfg)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
