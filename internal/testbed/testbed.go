// Package testbed sets up what pushing items to ORCID needs, outside any
// test: an offline ORCID registry (package sandbox) on a loopback port, a
// store on SQLite or PostgreSQL with a credential of that registry and a
// tenant, and researchers connected through the real OAuth flow. The
// `orcidlink bench` commands run on it, and tests reach it through
// jobstest; it imports no testing package, so that the binary holds none.
package testbed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/signin"
	"github.com/orcidlink/orcidlink/internal/seal"
	"github.com/orcidlink/orcidlink/internal/setup"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/scratchdb"
)

// Options says what to start.
type Options struct {
	// Driver is "sqlite" (a file in a new temporary directory) or
	// "postgres".
	Driver string
	// DSN, for PostgreSQL, is the database to use as it is (a test's own)
	// or, with Scratch, a server on which to create a database for the run
	// and drop it at Close.
	DSN     string
	Scratch bool
	// RateLimit and Burst are the registry's per-client limits; zero means
	// ORCID's 24/s and 40.
	RateLimit float64
	Burst     int
	// Key is the store's sealing key ("id:64 hex digits"), for another
	// process that opens the same store; "" makes a random one.
	Key string
	// Wrap, if set, wraps the registry's handler (a bench counts the
	// requests the registry serves, whichever process sends them).
	Wrap func(http.Handler) http.Handler
}

// Env is a running registry and a store that knows it.
type Env struct {
	Registry *sandbox.Registry
	// BaseURL is the registry's site.
	BaseURL string
	Store   *store.Store
	// Driver and DSN are the store's database, for jobs.Config, and Key
	// its sealing key.
	Driver, DSN, Key string
	Cred             store.Credential
	Tenant           store.Tenant

	callback string
	closers  []func() error
}

// Researcher is a person of the tenant connected to their registry record.
type Researcher struct {
	Person   store.Person
	Link     store.Link
	Email    string
	Password string
}

// Start starts a registry and opens a store; Close undoes both.
func Start(ctx context.Context, o Options) (_ *Env, err error) {
	e := &Env{Driver: o.Driver}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("testbed: listen: %w", err)
	}
	e.BaseURL = "http://" + ln.Addr().String()
	if e.Registry, err = sandbox.Open(ctx, sandbox.Config{BaseURL: e.BaseURL, DB: ":memory:",
		RateLimit: o.RateLimit, Burst: o.Burst}); err != nil {
		ln.Close()
		return nil, fmt.Errorf("testbed: registry: %w", err)
	}
	h := e.Registry.Handler()
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	e.closers = append(e.closers, e.Registry.Close, srv.Close)

	switch o.Driver {
	case "sqlite":
		dir, err := os.MkdirTemp("", "orcidlink-jobs-")
		if err != nil {
			return nil, err
		}
		e.closers = append(e.closers, func() error { return os.RemoveAll(dir) })
		e.DSN = filepath.Join(dir, "orcidlink.db")
	case "postgres":
		e.DSN = o.DSN
		if o.Scratch {
			if e.DSN, err = e.scratchDatabase(ctx, o.DSN); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("testbed: driver %q must be sqlite or postgres", o.Driver)
	}
	if e.Key = o.Key; e.Key == "" {
		key := make([]byte, 32)
		rand.Read(key)
		e.Key = "testbed:" + hex.EncodeToString(key)
	}
	if e.Store, err = OpenStore(ctx, o.Driver, e.DSN, e.Key); err != nil {
		return nil, err
	}
	// Closed first: before the scratch database is dropped.
	e.closers = append(e.closers, e.Store.Close)

	// The researcher's browser is played by signin.Authorize, which stops
	// at the redirect: nothing needs to listen there.
	e.callback = "http://127.0.0.1:9/callback"
	if e.Cred, err = setup.RegisterClient(ctx, e.Store, e.Registry, sandbox.NewClient{Name: "orcidlink bench", Description: "Pushes works.",
		Website: "https://orcidlink.example.org", RedirectURIs: []string{e.callback}, Type: "member",
		GroupIDRecords: true}, "bench"); err != nil { // ORCID enabled the group scopes, as journals ask it to
		return nil, fmt.Errorf("testbed: %w", err)
	}
	if e.Tenant, err = e.Store.CreateTenant(ctx, store.Tenant{Slug: "bench", Name: "Journal of Benchmarks",
		SupportEmail: "help@bench.example", Languages: []string{"en"}, CredentialID: e.Cred.ID}); err != nil {
		return nil, fmt.Errorf("testbed: tenant: %w", err)
	}
	return e, nil
}

// OpenStore opens (and migrates) the store at dsn with sealing key key.
func OpenStore(ctx context.Context, driver, dsn, key string) (*store.Store, error) {
	k, err := seal.ParseKey(key)
	if err != nil {
		return nil, fmt.Errorf("testbed: key: %w", err)
	}
	ring, err := seal.NewRing(k)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Config{Driver: driver, DSN: dsn, Sealer: ring})
	if err != nil {
		return nil, fmt.Errorf("testbed: store: %w", err)
	}
	return st, nil
}

// scratchDatabase creates a database for the run and arranges for Close
// to drop it.
func (e *Env) scratchDatabase(ctx context.Context, server string) (string, error) {
	dsn, drop, err := scratchdb.Create(ctx, server, "orcidlink_bench_")
	if err != nil {
		return "", fmt.Errorf("testbed: %w", err)
	}
	e.closers = append(e.closers, drop)
	return dsn, nil
}

// Close stops everything Start started, in reverse order.
func (e *Env) Close() error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		errs = append(errs, e.closers[i]())
	}
	e.closers = nil
	return errors.Join(errs...)
}

// Scopes are what researchers grant: read and write everything.
var Scopes = []string{orcid.ScopeReadLimited, orcid.ScopeActivitiesUpdate, orcid.ScopePersonUpdate}

// Connect creates researcher n at the registry and as a person of the
// tenant, and connects them (ConnectPerson).
func (e *Env) Connect(ctx context.Context, n int) (Researcher, error) {
	p, err := e.Store.CreatePerson(ctx, store.Person{TenantID: e.Tenant.ID, GivenNames: "Researcher",
		FamilyNames: fmt.Sprintf("Number %d", n), Email: fmt.Sprintf("researcher%d@bench.example", n)})
	if err != nil {
		return Researcher{}, fmt.Errorf("testbed: person %d: %w", n, err)
	}
	return e.ConnectPerson(ctx, n, p)
}

// ConnectPerson creates researcher n at the registry, with p's name and
// email, and connects p to that record through the OAuth flow: authorize
// URL, sign-in and consent at the registry, code exchange, stored
// authorization.
func (e *Env) ConnectPerson(ctx context.Context, n int, p store.Person) (Researcher, error) {
	r := Researcher{Person: p, Email: p.Email, Password: "correct horse battery"}
	if _, err := e.Registry.CreateResearcher(ctx, sandbox.NewResearcher{GivenNames: p.GivenNames,
		FamilyNames: p.FamilyNames, Email: r.Email, Password: r.Password}); err != nil {
		return r, fmt.Errorf("testbed: researcher %d: %w", n, err)
	}
	oc, err := orcid.New(orcid.Config{Credential: e.Cred.ORCID(), RedirectURL: e.callback})
	if err != nil {
		return r, err
	}
	authURL, err := oc.AuthorizeURL(orcid.AuthRequest{Scopes: Scopes, State: fmt.Sprintf("state-%d", n)})
	if err != nil {
		return r, err
	}
	q, err := signin.Authorize(authURL, e.callback, r.Email, r.Password)
	if err != nil {
		return r, fmt.Errorf("testbed: authorize researcher %d: %w", n, err)
	}
	if q.Get("code") == "" {
		return r, fmt.Errorf("testbed: authorize researcher %d: no code (%s)", n, q.Get("error"))
	}
	auth, err := oc.Exchange(ctx, q.Get("code"))
	if err != nil {
		return r, fmt.Errorf("testbed: exchange code of researcher %d: %w", n, err)
	}
	if r.Link, err = e.Store.SaveAuthorization(ctx, store.Authorization{TenantID: e.Tenant.ID, PersonID: p.ID,
		CredentialID: e.Cred.ID, Authorization: *auth}); err != nil {
		return r, fmt.Errorf("testbed: save authorization of researcher %d: %w", n, err)
	}
	return r, nil
}

// Reader returns a client of the tenant's credential for reading records
// back, with its own in-process budget of the registry's rate.
func (e *Env) Reader() (*orcid.Client, error) {
	return orcid.New(orcid.Config{Credential: e.Cred.ORCID(), Retry: orcid.RetryPolicy{MaxAttempts: 10}})
}

// Work is a journal article whose self identifier is the DOI 10.5555/<key>.
func Work(key, title string) *orcid.Work {
	return &orcid.Work{Title: orcid.NewTitle(title), Type: "journal-article",
		ExternalIDs: orcid.NewExternalIDs(orcid.ExternalID{Type: "doi", Value: "10.5555/" + key,
			URL: orcid.NewText("https://doi.org/10.5555/" + key), Relationship: orcid.RelationshipSelf})}
}

// Tally compares the works on a record with the DOIs that should be there.
type Tally struct {
	// ByDOI counts the works of our client per self DOI; PutCodes lists
	// their put-codes.
	ByDOI    map[string]int
	PutCodes map[string][]int64
	Titles   map[string]string
}

// ReadWorks reads a researcher's works as the registry holds them (our
// client's only).
func ReadWorks(ctx context.Context, c *orcid.Client, link store.Link) (Tally, error) {
	t := Tally{ByDOI: map[string]int{}, PutCodes: map[string][]int64{}, Titles: map[string]string{}}
	ws, err := c.ReadWorks(ctx, link.AccessToken, link.ORCID)
	if err != nil {
		return t, fmt.Errorf("testbed: read works of %s: %w", link.ORCID, err)
	}
	clientID := c.Credential().ClientID
	for _, g := range ws.Groups {
		for _, s := range g.Summaries {
			src := s.Source
			if src == nil || src.SourceClientID == nil || src.SourceClientID.Path != clientID {
				continue
			}
			if s.ExternalIDs == nil {
				continue
			}
			for _, x := range s.ExternalIDs.ExternalID {
				if x.Type == "doi" && (x.Relationship == "" || x.Relationship == orcid.RelationshipSelf) {
					t.ByDOI[x.Value]++
					t.PutCodes[x.Value] = append(t.PutCodes[x.Value], s.PutCode)
					t.Titles[x.Value] = s.Title.String()
				}
			}
		}
	}
	return t, nil
}

// Check counts duplicates (a DOI present more than once) and losses (a
// wanted DOI absent).
func (t Tally) Check(want []string) (duplicates, lost int) {
	for _, n := range t.ByDOI {
		if n > 1 {
			duplicates += n - 1
		}
	}
	for _, doi := range want {
		if t.ByDOI[doi] == 0 {
			lost++
		}
	}
	return duplicates, lost
}
