package metrics_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/metrics"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestImportRunMetrics: the daily import's reads and skips add up across
// runs.
func TestImportRunMetrics(t *testing.T) {
	m, err := metrics.New(metrics.Config{Store: storetest.Open(t, "sqlite", nil)})
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveImportRun(10, 90)
	m.ObserveImportRun(5, 95)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`orcidlink_record_imports_total{decision="read"} 15`,
		`orcidlink_record_imports_total{decision="skipped"} 185`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
