package web

import (
	"context"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// However many attempts arrive together, no more than the limit of hashes
// runs at once, and every attempt gets its turn when the hashes are quick.
func TestSignInGuardHashesAtOnce(t *testing.T) {
	for _, tc := range []struct{ limit, attempts int }{{1, 16}, {2, 64}, {4, 64}} {
		g := newSignInGuard(tc.limit, time.Now)
		var running, most, done atomic.Int32
		var wg sync.WaitGroup
		for range tc.attempts {
			wg.Go(func() {
				ok := g.hash(context.Background(), func() {
					n := running.Add(1)
					for {
						m := most.Load()
						if n <= m || most.CompareAndSwap(m, n) {
							break
						}
					}
					time.Sleep(2 * time.Millisecond)
					running.Add(-1)
				})
				if ok {
					done.Add(1)
				}
			})
		}
		wg.Wait()
		if got := most.Load(); got != int32(tc.limit) {
			t.Errorf("limit %d, %d attempts: %d hashes ran at once", tc.limit, tc.attempts, got)
		}
		if got := done.Load(); got != int32(tc.attempts) {
			t.Errorf("limit %d: %d of %d attempts hashed", tc.limit, got, tc.attempts)
		}
	}
}

// An attempt whose client has gone away does not wait for a slot.
func TestSignInGuardHashGivesUp(t *testing.T) {
	g := newSignInGuard(1, time.Now)
	hold := make(chan struct{})
	go g.hash(context.Background(), func() { <-hold })
	defer close(hold)
	for len(g.hashes) == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if g.hash(ctx, func() { t.Error("ran while the only slot was taken") }) {
		t.Error("hash reported success without a slot")
	}
}

// The budget: signInBurst attempts at once, then one per signInRefill;
// a success gives its attempt back; addresses are counted apart, IPv6 ones
// by their /64.
func TestSignInGuardBudget(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	g := newSignInGuard(1, func() time.Time { return now })
	a := clientKey(netip.MustParseAddr("203.0.113.1"))
	for i := range signInBurst {
		if ok, _ := g.allow(a); !ok {
			t.Fatalf("attempt %d of the burst refused", i+1)
		}
	}
	ok, wait := g.allow(a)
	if ok || wait <= 0 || wait > signInRefill {
		t.Fatalf("attempt past the burst: allowed %v, wait %v", ok, wait)
	}
	if ok, _ := g.allow(clientKey(netip.MustParseAddr("203.0.113.2"))); !ok {
		t.Error("another address refused")
	}
	now = now.Add(signInRefill)
	if ok, _ := g.allow(a); !ok {
		t.Error("refused after a refill period")
	}
	if ok, _ := g.allow(a); ok {
		t.Error("two attempts allowed after one refill period")
	}
	g.succeeded(a, "x@example.org")
	if ok, _ := g.allow(a); !ok {
		t.Error("a success did not give its attempt back")
	}
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true},
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"::ffff:192.0.2.1", "192.0.2.1", true},
		{"192.0.2.1", "192.0.2.2", false},
	} {
		if got := clientKey(netip.MustParseAddr(tc.a)) == clientKey(netip.MustParseAddr(tc.b)); got != tc.same {
			t.Errorf("clientKey(%s) == clientKey(%s): %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

// Failures lock the email for the address that made them only, and only
// until signInLockFor has passed.
func TestSignInGuardLock(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	g := newSignInGuard(1, func() time.Time { return now })
	stranger, home := clientKey(netip.MustParseAddr("203.0.113.1")), clientKey(netip.MustParseAddr("198.51.100.1"))
	for i := 1; i <= signInMaxFailures; i++ {
		if locked := g.failed(stranger, "Site@example.org"); locked != (i == signInMaxFailures) {
			t.Fatalf("failure %d: locked %v", i, locked)
		}
	}
	for _, tc := range []struct {
		from  netip.Prefix
		email string
		after time.Duration
		want  bool
	}{
		{stranger, "site@example.org", 0, true},
		{stranger, "other@example.org", 0, false},
		{home, "site@example.org", 0, false},
		{stranger, "site@example.org", signInLockFor + time.Second, false},
	} {
		at := now
		now = now.Add(tc.after)
		if got := g.locked(tc.from, tc.email); got != tc.want {
			t.Errorf("locked(%v, %s) %v after: %v, want %v", tc.from, tc.email, tc.after, got, tc.want)
		}
		now = at
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tc := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"203.0.113.5:4000", nil, "203.0.113.5"},
		{"203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"}, // untrusted peer: header ignored
		{"10.0.0.2:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.2:4000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"}, // a client's own entry is not believed
		{"10.0.0.2:4000", []string{"198.51.100.1, 10.0.0.3"}, "198.51.100.1"},
		{"10.0.0.2:4000", []string{"198.51.100.1", "10.0.0.3"}, "198.51.100.1"}, // several headers
		{"10.0.0.2:4000", []string{"10.0.0.9, 10.0.0.3"}, "10.0.0.9"},
		{"10.0.0.2:4000", []string{"garbage, 10.0.0.3"}, "10.0.0.3"},
		{"10.0.0.2:4000", nil, "10.0.0.2"},
		{"[::1]:4000", []string{"2001:db8::7"}, "2001:db8::7"},
		{"[::ffff:203.0.113.5]:4000", nil, "203.0.113.5"},
	} {
		r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ClientIP(r, trusted); got != netip.MustParseAddr(tc.want) {
			t.Errorf("ClientIP(%s, %q) = %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}
