// Package bench holds the load generators of `orcidlink bench`. HTTP
// drives a real orcidlink server (the one `orcidlink serve` runs, started
// on a loopback port over a throwaway database) with concurrent clients and
// measures what they see: latency percentiles and errors per group of
// routes, on SQLite and on PostgreSQL.
package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/testbed"
)

// Server runs orcidlink's server with getenv as its environment until ctx
// ends, writing its start-up banner ("orcidlink listening on URL") to
// stdout. The command wires `orcidlink serve` here.
type Server func(ctx context.Context, getenv func(string) string, stdout io.Writer) error

// Engine is a database to run the server on: "sqlite" (a file in a
// temporary directory), or "postgres" with DSN naming a server on which a
// scratch database is created for the run and dropped after it.
type Engine struct {
	Name string
	DSN  string
}

// HTTPOptions says what to measure.
type HTTPOptions struct {
	Engines []Engine
	// Clients are the numbers of concurrent clients to measure with, one
	// after the other (default 16 and 64).
	Clients []int
	// Duration is how long each group of routes is driven at each number
	// of clients (default DefaultDuration).
	Duration time.Duration
	// People is how many people the tenant has (default 200), of whom
	// Connected (default 5) are connected to the registry.
	People, Connected int
	Serve             Server
	// Progress, if set, gets a line per measurement as it starts.
	Progress io.Writer
}

// DefaultDuration is how long each group of routes is driven at each
// number of clients unless told otherwise.
const DefaultDuration = 5 * time.Second

// HTTPRow is one measurement: a group of routes driven by Clients clients
// on Engine.
type HTTPRow struct {
	Engine   string
	Clients  int
	Group    string
	Requests int
	P50, P99 time.Duration
	// Errors are requests that failed or got anything but 200.
	Errors int
	// Sessions, on PostgreSQL, is how many sessions were opened on the
	// database during the measurement (the server's pools and the bench's
	// own reading of the count); -1 on SQLite. A pool that keeps its
	// connections opens none.
	Sessions int
}

// Groups of routes, in the order they are measured.
const (
	GroupPublic = "public pages"
	GroupAdmin  = "admin pages"
	GroupAPI    = "API reads"
)

// HTTP measures every engine in turn and returns the table.
func HTTP(ctx context.Context, o HTTPOptions) ([]HTTPRow, error) {
	if o.Serve == nil {
		return nil, errors.New("bench: no server")
	}
	if len(o.Clients) == 0 {
		o.Clients = []int{16, 64}
	}
	if o.Duration <= 0 {
		o.Duration = DefaultDuration
	}
	if o.People <= 0 {
		o.People = 200
	}
	if o.Connected <= 0 {
		o.Connected = 5
	}
	o.Connected = min(o.Connected, o.People)
	var rows []HTTPRow
	for _, e := range o.Engines {
		r, err := runEngine(ctx, o, e)
		if err != nil {
			return rows, fmt.Errorf("bench http on %s: %w", e.Name, err)
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

// PrintHTTP writes the table.
func PrintHTTP(w io.Writer, rows []HTTPRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "engine\tclients\troutes\trequests\tp50\tp99\terrors\tnew sessions\t")
	for _, r := range rows {
		sessions := "-"
		if r.Sessions >= 0 {
			sessions = strconv.Itoa(r.Sessions)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%d\t%s\t\n", r.Engine, r.Clients, r.Group, r.Requests, ms(r.P50), ms(r.P99),
			r.Errors, sessions)
	}
	tw.Flush()
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

// fixture is what the routes need: the tenant's slug and id, people,
// invitation tokens, an API key and an administrator's session.
type fixture struct {
	base       string
	tenantSlug string
	tenantID   int64
	people     []int64
	refs       []string // external references of connected people
	tokens     []string // invitation tokens
	apiKey     string
	admin      *http.Client
	anon       *http.Client
}

const (
	adminEmail    = "bench-admin@bench.example"
	adminPassword = "a long benchmark password"
)

func runEngine(ctx context.Context, o HTTPOptions, e Engine) (_ []HTTPRow, err error) {
	env, err := testbed.Start(ctx, testbed.Options{Driver: e.Name, DSN: e.DSN, Scratch: true})
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, env.Close()) }()
	f, err := seed(ctx, env, o)
	if err != nil {
		return nil, err
	}
	dbURL := env.DSN
	if e.Name == "sqlite" {
		dbURL = "sqlite:" + env.DSN
	}
	base, stopServer, err := startServer(ctx, o.Serve, "orcidlink-bench-http-", dbURL, env.Key, time.Minute)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, stopServer()) }()
	f.base = base
	maxClients := slices.Max(o.Clients)
	transport := &http.Transport{MaxIdleConns: 2 * maxClients, MaxIdleConnsPerHost: 2 * maxClients, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	f.anon = &http.Client{Transport: transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if f.admin, err = signIn(ctx, f.base, transport); err != nil {
		return nil, err
	}
	groups := f.groups()
	// One pass over every route first: each answers 200 (else the
	// measurement would time errors), and the pools and caches are warm.
	for _, g := range groups {
		for _, rt := range g.routes {
			if err := f.get(ctx, g.client, rt, g.auth); err != nil {
				return nil, fmt.Errorf("%s %s: %w", g.name, rt, err)
			}
		}
	}
	var rows []HTTPRow
	for _, n := range o.Clients {
		for _, g := range groups {
			if o.Progress != nil {
				fmt.Fprintf(o.Progress, "bench http: %s, %d clients, %s for %v\n", e.Name, n, g.name, o.Duration)
			}
			before, err := sessions(ctx, env)
			if err != nil {
				return nil, err
			}
			row := f.drive(ctx, g, n, o.Duration)
			row.Engine = e.Name
			after, err := sessions(ctx, env)
			if err != nil {
				return nil, err
			}
			row.Sessions = after - before
			if before < 0 {
				row.Sessions = -1 // SQLite
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// sessions is how many sessions the PostgreSQL database has had, or -1
// on SQLite. Backends report their statistics up to a second late
// (PostgreSQL's cumulative statistics), hence the wait before reading.
func sessions(ctx context.Context, env *testbed.Env) (int, error) {
	if env.Store.Driver() != "postgres" {
		return -1, nil
	}
	select {
	case <-time.After(1500 * time.Millisecond):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	var n int
	err := env.Store.DB().QueryRowContext(ctx, `SELECT pg_stat_clear_snapshot(), sessions FROM pg_stat_database
		WHERE datname = current_database()`).Scan(new(any), &n)
	return n, err
}

// seed creates the people (with external references), connects some of
// them through the registry's OAuth flow, invites others and makes an API
// key, straight in the store.
func seed(ctx context.Context, env *testbed.Env, o HTTPOptions) (*fixture, error) {
	f := &fixture{tenantSlug: env.Tenant.Slug, tenantID: env.Tenant.ID}
	st := env.Store
	for i := range o.People {
		p, err := st.CreatePerson(ctx, store.Person{TenantID: env.Tenant.ID, GivenNames: "Researcher",
			FamilyNames: fmt.Sprintf("Number %d", i+1), Email: fmt.Sprintf("researcher%d@bench.example", i+1),
			ExternalRef: fmt.Sprintf("ref-%d", i+1)})
		if err != nil {
			return nil, err
		}
		f.people = append(f.people, p.ID)
		if i < o.Connected {
			if _, err := env.ConnectPerson(ctx, i+1, p); err != nil {
				return nil, err
			}
			f.refs = append(f.refs, p.ExternalRef)
			continue
		}
		if len(f.tokens) < 50 {
			_, tok, err := st.CreateInvitation(ctx, store.NewInvitation{TenantID: env.Tenant.ID, PersonID: p.ID,
				Scopes: testbed.Scopes, ExpiresAt: time.Now().Add(30 * 24 * time.Hour), CreatedBy: "bench"})
			if err != nil {
				return nil, err
			}
			f.tokens = append(f.tokens, tok)
		}
	}
	if len(f.tokens) == 0 {
		return nil, errors.New("no one left to invite: give more people than connected ones")
	}
	_, key, err := st.CreateAPIKey(ctx, store.NewAPIKey{TenantID: env.Tenant.ID, Name: "bench", CreatedBy: "bench"})
	if err != nil {
		return nil, err
	}
	f.apiKey = key
	return f, nil
}

// signIn signs the administrator in through the sign-in form and returns
// a client carrying the session.
func signIn(ctx context.Context, base string, t http.RoundTripper) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := &http.Client{Transport: t, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"email": {adminEmail}, "password": {adminPassword}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/admin/signin", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("sign in: %s", resp.Status)
	}
	return c, nil
}

type group struct {
	name   string
	routes []string
	client *http.Client
	auth   string // Authorization header, or ""
}

func (f *fixture) groups() []group {
	tenant := "/admin/tenants/" + strconv.FormatInt(f.tenantID, 10)
	var public, admin, api []string
	for i, tok := range f.tokens[:min(len(f.tokens), 10)] {
		public = append(public, "/i/"+tok, "/t/"+f.tenantSlug+"/people/"+f.refs[i%len(f.refs)]+"/orcid.json")
	}
	admin = append(admin, "/admin/", tenant+"/people")
	for _, id := range f.people[:min(len(f.people), 10)] {
		admin = append(admin, tenant+"/people/"+strconv.FormatInt(id, 10))
		api = append(api, "/api/v1/people/"+strconv.FormatInt(id, 10))
	}
	api = append(api, "/api/v1/people", "/api/v1/people?limit=100")
	return []group{
		{name: GroupPublic, routes: public, client: f.anon},
		{name: GroupAdmin, routes: admin, client: f.admin},
		{name: GroupAPI, routes: api, client: f.anon, auth: "Bearer " + f.apiKey},
	}
}

// get makes one request and reads the whole answer; anything but 200 is
// an error.
func (f *fixture) get(ctx context.Context, c *http.Client, route, auth string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+route, nil)
	if err != nil {
		return err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	return err
}

// drive runs n clients over the group's routes, each client going round
// them from its own starting point, for d, and measures every request.
func (f *fixture) drive(ctx context.Context, g group, n int, d time.Duration) HTTPRow {
	deadline := time.Now().Add(d)
	lat := make([][]time.Duration, n)
	errs := make([]int, n)
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			for i := w; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				start := time.Now()
				err := f.get(ctx, g.client, g.routes[i%len(g.routes)], g.auth)
				lat[w] = append(lat[w], time.Since(start))
				if err != nil {
					errs[w]++
				}
			}
		})
	}
	wg.Wait()
	all := slices.Concat(lat...)
	slices.Sort(all)
	row := HTTPRow{Group: g.name, Clients: n, Requests: len(all)}
	for _, e := range errs {
		row.Errors += e
	}
	row.P50, row.P99 = percentile(all, 50), percentile(all, 99)
	return row
}

// percentile of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(i, len(sorted))-1)]
}

// banner is the server's stdout: it finds the URL in the start-up line.
type banner struct {
	pw  *io.PipeWriter
	url chan string
}

func newBanner() *banner {
	pr, pw := io.Pipe()
	b := &banner{pw: pw, url: make(chan string, 1)}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "orcidlink listening on "); ok {
				b.url <- strings.TrimSpace(rest)
			}
		}
		io.Copy(io.Discard, pr)
	}()
	return b
}

func (b *banner) Write(p []byte) (int, error) { return b.pw.Write(p) }
