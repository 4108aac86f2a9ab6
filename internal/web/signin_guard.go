package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Sign-in throttling. An argon2id check costs 19 MiB and tens of
// milliseconds of a core, so an anonymous flood of sign-in attempts is a
// flood of hashes: unchecked, 64 connections took the server to 1.3 GB.
// Three things keep a flood the flooder's problem:
//
//   - at most signInGuard.hashes password hashes run at once, whoever asks;
//     the rest wait their turn for a while, then are told to retry;
//   - each client address has a budget of attempts (signInBurst at once,
//     then one every signInRefill), spent before any hash: past it the
//     answer is 429 at once, costing nothing;
//   - wrong passwords lock an email for the address that sent them, not
//     for everyone: a stranger guessing the site administrator's password
//     locks out the stranger, while the administrator signs in from home.
const (
	signInBurst       = 10
	signInRefill      = 6 * time.Second // 10 a minute once the burst is spent
	signInMaxFailures = adminMaxLoginFailures
	signInLockFor     = adminLockDuration
	// signInHashWait is how long an attempt waits for a hashing slot
	// before it is answered "busy": long enough to ride out a burst, short
	// enough that a browser does not time out first.
	signInHashWait = 10 * time.Second
	// signInMaxTracked bounds the memory the guard keeps: past it, idle
	// entries are forgotten first, then arbitrary ones (which only hands a
	// flooder a fresh budget, never locks anyone out).
	signInMaxTracked = 50_000
)

// signInGuard is the per-process state of the three limits above.
type signInGuard struct {
	hashes chan struct{} // a slot per hash allowed to run at once
	now    func() time.Time

	mu      sync.Mutex
	budgets map[netip.Prefix]*signInBudget
	fails   map[signInFailKey]*signInFails
}

type signInBudget struct {
	tokens float64
	at     time.Time
}

type signInFailKey struct {
	from  netip.Prefix
	email string
}

type signInFails struct {
	n      int
	until  time.Time // locked for this address until then
	latest time.Time
}

// newSignInGuard allows concurrency hashes at once; 0 means half the
// CPUs (at least one), which leaves the other half to serve pages while a
// flood of sign-ins is hashed.
func newSignInGuard(concurrency int, now func() time.Time) *signInGuard {
	if concurrency <= 0 {
		concurrency = max(1, runtime.GOMAXPROCS(0)/2)
	}
	return &signInGuard{hashes: make(chan struct{}, concurrency), now: now,
		budgets: map[netip.Prefix]*signInBudget{}, fails: map[signInFailKey]*signInFails{}}
}

// hash runs fn when a hashing slot is free. It reports false, without
// running fn, when none freed up in time or the request went away.
func (g *signInGuard) hash(ctx context.Context, fn func()) bool {
	t := time.NewTimer(signInHashWait)
	defer t.Stop()
	select {
	case g.hashes <- struct{}{}:
	case <-ctx.Done():
		return false
	case <-t.C:
		return false
	}
	defer func() { <-g.hashes }()
	fn()
	return true
}

// clientKey is what an address is counted by: IPv4 addresses alone, IPv6
// addresses by their /64, since one subscriber is given a whole /64 and
// could otherwise change address at every attempt.
func clientKey(a netip.Addr) netip.Prefix {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p
	}
	p, _ := a.Prefix(32)
	return p
}

// allow spends one attempt of the address's budget, or reports how long
// until the next one.
func (g *signInGuard) allow(from netip.Prefix) (bool, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	b := g.budgets[from]
	if b == nil {
		g.pruneLocked(now)
		b = &signInBudget{tokens: signInBurst, at: now}
		g.budgets[from] = b
	}
	b.tokens = min(signInBurst, b.tokens+float64(now.Sub(b.at))/float64(signInRefill))
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) * float64(signInRefill))
	}
	b.tokens--
	return true, 0
}

// locked reports whether the address may not try this email now.
func (g *signInGuard) locked(from netip.Prefix, email string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.fails[signInFailKey{from, strings.ToLower(email)}]
	return f != nil && f.until.After(g.now())
}

// failed counts a wrong password (or unknown email) from the address,
// and reports whether the email is now locked for it.
func (g *signInGuard) failed(from netip.Prefix, email string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	k := signInFailKey{from, strings.ToLower(email)}
	f := g.fails[k]
	if f == nil {
		g.pruneLocked(now)
		f = &signInFails{}
		g.fails[k] = f
	}
	f.n++
	f.latest = now
	if f.n >= signInMaxFailures {
		// Every failure past the limit locks again, as the count resets
		// only on a success.
		f.until = now.Add(signInLockFor)
		return true
	}
	return false
}

// succeeded forgets the address's failures for the email and gives back
// the attempt: signing in is not what the budget is meant to limit.
func (g *signInGuard) succeeded(from netip.Prefix, email string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.fails, signInFailKey{from, strings.ToLower(email)})
	if b := g.budgets[from]; b != nil {
		b.tokens = min(signInBurst, b.tokens+1)
	}
}

// pruneLocked keeps the maps under signInMaxTracked entries each.
func (g *signInGuard) pruneLocked(now time.Time) {
	if len(g.budgets) >= signInMaxTracked {
		for k, b := range g.budgets {
			if now.Sub(b.at) >= signInBurst*signInRefill { // full again: nothing to remember
				delete(g.budgets, k)
			}
		}
		for k := range g.budgets {
			if len(g.budgets) < signInMaxTracked {
				break
			}
			delete(g.budgets, k)
		}
	}
	if len(g.fails) >= signInMaxTracked {
		for k, f := range g.fails {
			if f.until.Before(now) && now.Sub(f.latest) > signInLockFor {
				delete(g.fails, k)
			}
		}
		for k := range g.fails {
			if len(g.fails) < signInMaxTracked {
				break
			}
			delete(g.fails, k)
		}
	}
}

// ClientIP is the address a request came from: the connection's peer,
// unless that peer is one of the trusted proxies, in which case
// X-Forwarded-For is read from the right (the entry the nearest proxy
// added) and the first address that is not a trusted proxy is the
// client's. Entries further left were written by the client itself and
// prove nothing, so they are never believed past an untrusted hop.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := remoteAddr(r.RemoteAddr)
	if !isTrusted(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		a, err := netip.ParseAddr(h)
		if err != nil {
			// A malformed entry: the proxy that forwarded it is the last
			// address known for certain.
			return client
		}
		client = a.Unmap()
		if !isTrusted(client, trusted) {
			return client
		}
	}
	return client
}

func remoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = s
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.WithZone("")
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
