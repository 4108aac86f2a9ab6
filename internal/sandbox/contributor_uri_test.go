package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// TestFundingContributorURIFollowsSchema: ORCID checks a funding
// contributor's iD URI only with the XSD's orcid-uri pattern (no validator
// rule looks at it), so the registry leaves it only the host: any other
// value is a schema error, while an iD URI on the registry's own address
// passes.
func TestFundingContributorURIFollowsSchema(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join(writeSamplesDir(t), "funding-3.0.xml"))
	if err != nil {
		t.Fatal(err)
	}
	mt := apiMediaTypes[0]
	for _, c := range []struct {
		uri string
		ok  bool
	}{
		{"http://127.0.0.1:8081/0000-0002-1825-0097", true},
		{"https://orcid.org/0000-0002-1825-0097", true},
		{"not a uri at all", false},
		{"http://127.0.0.1:8081/someone", false},
	} {
		block := `<funding:contributors><funding:contributor><common:contributor-orcid><common:uri>` + c.uri +
			`</common:uri><common:path>0000-0002-1825-0097</common:path><common:host>orcid.org</common:host></common:contributor-orcid>` +
			`</funding:contributor></funding:contributors>`
		body := strings.Replace(string(sample), "<common:organization>", block+"<common:organization>", 1)
		if body == string(sample) {
			t.Fatal("sample has no <common:organization>")
		}
		_, err := decodeItem(orcid.KindFunding, mt, []byte(body))
		if (err == nil) != c.ok {
			t.Errorf("contributor uri %q: err = %v, want ok %v", c.uri, err, c.ok)
		}
	}
}
