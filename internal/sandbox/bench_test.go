package sandbox

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// benchEnv is an apiEnv whose rate limit cannot get in the way.
func benchEnv(b *testing.B) *apiEnv {
	b.Helper()
	e := newAPIEnv(b)
	if err := e.r.SetFaults(Faults{RateLimit: 1e9, Burst: 1e9}); err != nil {
		b.Fatal(err)
	}
	return e
}

// roundTrip sends one request without the test client's XML validation,
// which would measure xmllint rather than the registry.
func roundTrip(b *testing.B, c *http.Client, req *http.Request, want int) int {
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Fatalf("%s %s: %d", req.Method, req.URL, resp.StatusCode)
	}
	return int(n)
}

// BenchmarkRecordRead reads a full record of about fifty items.
func BenchmarkRecordRead(b *testing.B) {
	e := benchEnv(b)
	tok := e.writeToken()
	n := 0
	for _, pcs := range populate(b, e, tok) {
		n += len(pcs)
	}
	for i := 0; n < 50; i++ {
		e.post(tok, e.res.ORCID, "work", "application/json", workJSON(fmt.Sprint("Bench work ", i), fmt.Sprint("10.7/bench.", i)))
		n++
	}
	url := e.member3("/" + e.res.ORCID + "/record")
	for _, accept := range []string{"application/vnd.orcid+json", "application/vnd.orcid+xml"} {
		b.Run(accept[len("application/vnd.orcid+"):], func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Accept", accept)
				size = roundTrip(b, e.http, req, http.StatusOK)
			}
			b.ReportMetric(float64(size), "bytes/record")
		})
	}
}

// BenchmarkWorkWrite posts one work per iteration. ORCID compares a new
// work with every work of its source on the record, so the record is
// emptied every 100 works to measure a typical record, not one that grows
// with b.N.
func BenchmarkWorkWrite(b *testing.B) {
	e := benchEnv(b)
	tok := e.writeToken()
	url := e.member3("/" + e.res.ORCID + "/work")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if i%100 == 0 {
			b.StopTimer()
			if _, err := e.r.store.db.Exec(`DELETE FROM items`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		req, _ := http.NewRequest("POST", url, bytes.NewReader(workJSON("Bench", fmt.Sprint("10.8/w.", i))))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/vnd.orcid+json")
		roundTrip(b, e.http, req, http.StatusCreated)
	}
}
