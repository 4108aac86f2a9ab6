package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/web"
)

// BenchmarkSignInFlood is issue 13's load: 64 connections sign in with
// wrong passwords at once while a visitor loads a public page, and reports
// the process's peak resident memory, the public page's p99 latency and
// how the attempts were answered. The limits are what is measured, not
// asserted: run it with
//
//	go test -run '^$' -bench SignInFlood -benchtime 1x ./internal/web/
//
// and see doc/operations.md for a table. "hashes=64" lifts the limit of
// hashes at once, for comparison with the server before it had one.
func BenchmarkSignInFlood(b *testing.B) {
	for _, bc := range []struct {
		name      string
		addresses int // distinct client addresses among the 64 connections
		attempts  int // per connection
		hashes    int // 0: the default, half the CPUs
	}{
		{"from=1-address/hashes=default", 1, 4, 0},
		{"from=64-addresses/hashes=default", 64, 2, 0},
		{"from=64-addresses/hashes=64", 64, 2, 64},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				benchSignInFlood(b, bc.addresses, bc.attempts, bc.hashes)
			}
		})
	}
}

func benchSignInFlood(b *testing.B, addresses, attempts, hashes int) {
	const connections = 64
	st := storetest.Open(b, "sqlite", nil)
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	svc, err := connect.New(connect.Config{Store: st, PublicURL: base})
	if err != nil {
		b.Fatal(err)
	}
	ws, err := web.New(web.Config{Store: st, Connect: svc, PublicURL: base, HashConcurrency: hashes,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		b.Fatal(err)
	}
	srv.Config.Handler = ws.Handler()
	srv.Start()
	defer srv.Close()
	hash, err := web.HashPassword(adminTestPassword)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateAdminUser(b.Context(), store.AdminUser{Email: "site@example.org", Name: "Site",
		PasswordHash: hash, Role: store.RoleSiteAdmin}); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: connections + 1},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	runtime.GC()
	debug.FreeOSMemory()
	before := residentBytes()
	var peak atomic.Int64
	peak.Store(before)
	stop := make(chan struct{})
	var sampling sync.WaitGroup
	sampling.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				if r := residentBytes(); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	})
	// The visitor: a public page, one request after another.
	var public []time.Duration
	sampling.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			res, err := client.Get(base + "/admin/signin")
			if err != nil {
				b.Error(err)
				return
			}
			res.Body.Close()
			public = append(public, time.Since(t0))
			time.Sleep(5 * time.Millisecond)
		}
	})

	var statuses sync.Map // status -> *atomic.Int64
	var flood sync.WaitGroup
	start := time.Now()
	for i := range connections {
		flood.Go(func() {
			from := fmt.Sprintf("203.0.113.%d", i%addresses+1)
			for j := range attempts {
				form := url.Values{"email": {"site@example.org"}, "password": {"guess " + strconv.Itoa(j)}}
				req, _ := http.NewRequest(http.MethodPost, base+"/admin/signin", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", from)
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				var sink bytes.Buffer
				_, _ = sink.ReadFrom(res.Body)
				res.Body.Close()
				n, _ := statuses.LoadOrStore(res.StatusCode, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
			}
		})
	}
	flood.Wait()
	took := time.Since(start)
	close(stop)
	sampling.Wait()

	slices.Sort(public)
	p99 := time.Duration(0)
	if len(public) > 0 {
		p99 = public[min(len(public)-1, len(public)*99/100)]
	}
	count := func(code int) float64 {
		if n, ok := statuses.Load(code); ok {
			return float64(n.(*atomic.Int64).Load())
		}
		return 0
	}
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(peak.Load()-before)/(1<<20), "RSS-growth-MB")
	b.ReportMetric(float64(p99.Microseconds())/1000, "public-p99-ms")
	b.ReportMetric(took.Seconds(), "flood-s")
	b.ReportMetric(count(http.StatusUnauthorized), "checked")
	b.ReportMetric(count(http.StatusTooManyRequests), "throttled")
	b.ReportMetric(count(http.StatusServiceUnavailable), "busy")
}

// residentBytes is the process's resident memory (Linux), or what the Go
// runtime holds from the system elsewhere.
func residentBytes() int64 {
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			if pages, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				return pages * int64(os.Getpagesize())
			}
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.Sys - m.HeapReleased)
}
