package bench

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/seal"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Scale fills PostgreSQL with a consortium's worth of synthetic data
// (tenants, people, links, invitations, emails, items) through the store's
// bulk loader, starts the real server over it, and measures the admin UI's
// heaviest pages and the REST API's lists one request at a time, so that
// the latencies are those of the queries, not of queueing.

// ScaleOptions says what to load and measure.
type ScaleOptions struct {
	// DSN names a PostgreSQL server on which a scratch database is made
	// for the run (and dropped after it unless Keep). With UseDatabase it
	// names the database itself, used as it is: loaded when it holds no
	// people, measured as it stands otherwise.
	DSN         string
	UseDatabase bool
	Keep        bool
	// People (default 10,000) are spread over Tenants (default 4), the
	// first tenant the largest (sizes fall as 1/n, as members of a
	// consortium do); each has ItemsPerPerson items (the command's
	// default is 10).
	People, ItemsPerPerson, Tenants int
	// Requests is how many times each route is measured (default 50).
	Requests int
	Serve    Server
	// Progress gets the loading progress (rows per second) and a line per
	// route measured.
	Progress io.Writer
	// Queue, unless its Works is 0, is measured after the pages, on
	// scratch databases of the same server (scale_queue.go).
	Queue QueueScaleOptions
}

// ScaleRow is one route's latencies.
type ScaleRow struct {
	Route         string
	Path          string
	Requests      int
	P50, P95, P99 time.Duration
	Errors        int
}

// ScaleResult is the table and what it was measured on.
type ScaleResult struct {
	Database string // the database's name, kept or dropped
	Tenants  int
	People   int64 // in the database (all tenants)
	Items    int64
	// Largest is the tenant the per-tenant routes were measured on, with
	// its people and items.
	Largest              string
	LargestPeople        int64
	LargestItems         int64
	LoadTime             time.Duration // 0 when the database was loaded before
	Rows                 []ScaleRow
	Queue                []QueueRow
	QueueRate            float64 // the registry's limit the queue rows ran at
	ServerVersion        string
	DatabaseSize         string
	ItemsTableSize       string
	PeopleTableSize      string
	MeasuredAt           time.Time
	MigrationVersion     int64
	LoadedThisRun        bool
	RequestsPerRoute     int
	DashboardTenantCount int
}

// scaleKey seals what the bench's store seals (the credential's secret).
// It is fixed, so that a kept database can be measured again by a later
// run: the data is synthetic and the secret a dummy.
func scaleKey() string {
	sum := sha256.Sum256([]byte("orcidlink bench scale"))
	return "scale:" + hex.EncodeToString(sum[:])
}

// scaleSite is the registry the synthetic credential names: the discard
// port, so that the few items the queue finds to push fail at once rather
// than reach anything.
const scaleSite = "http://127.0.0.1:9"

// Scale loads (unless the database is loaded already) and measures.
func Scale(ctx context.Context, o ScaleOptions) (_ *ScaleResult, err error) {
	if o.Serve == nil {
		return nil, errors.New("bench scale: no server")
	}
	if o.DSN == "" {
		return nil, errors.New("bench scale: no PostgreSQL DSN")
	}
	o.People = cmpOr(o.People, 10000)
	o.ItemsPerPerson = max(o.ItemsPerPerson, 0)
	o.Tenants = cmpOr(o.Tenants, 4)
	o.Requests = cmpOr(o.Requests, 50)
	if o.Tenants > o.People {
		return nil, errors.New("bench scale: more tenants than people")
	}
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	dsn := o.DSN
	res := &ScaleResult{RequestsPerRoute: o.Requests}
	if !o.UseDatabase {
		var drop func() error
		if dsn, res.Database, drop, err = createScratch(ctx, o.DSN); err != nil {
			return nil, err
		}
		if o.Keep {
			fmt.Fprintf(progress, "bench scale: database %s kept; measure it again with --use-database --dsn %s\n", res.Database, redact(dsn))
		} else {
			defer func() { err = errors.Join(err, drop()) }()
		}
	}
	key, err := seal.ParseKey(scaleKey())
	if err != nil {
		return nil, err
	}
	ring, err := seal.NewRing(key)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Config{Driver: "postgres", DSN: dsn, Sealer: ring, MaxConns: 8})
	if err != nil {
		return nil, fmt.Errorf("bench scale: %w", err)
	}
	defer st.Close()
	if res.Database == "" {
		if err := st.DB().QueryRowContext(ctx, `SELECT current_database()`).Scan(&res.Database); err != nil {
			return nil, err
		}
	}
	var loaded int64
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM people LIMIT 1) x`).Scan(&loaded); err != nil {
		return nil, fmt.Errorf("bench scale: %w", err)
	}
	if loaded == 0 {
		start := time.Now()
		if err := load(ctx, st, o, progress); err != nil {
			return nil, err
		}
		res.LoadTime, res.LoadedThisRun = time.Since(start), true
	} else {
		fmt.Fprintf(progress, "bench scale: %s is loaded already; measuring it as it stands\n", res.Database)
	}
	if err := describe(ctx, st, res); err != nil {
		return nil, err
	}
	probes, err := findProbes(ctx, st)
	if err != nil {
		return nil, err
	}
	res.Largest, res.LargestPeople, res.LargestItems = probes.tenantSlug, probes.people, probes.items
	res.Rows, err = measureScale(ctx, st, dsn, o, probes, progress)
	res.MeasuredAt = time.Now().UTC()
	if err != nil || o.Queue.Works == 0 {
		return res, err
	}
	q := o.Queue
	q.DSN, q.Progress = dsn, progress
	if q.Rate <= 0 {
		q.Rate = 24
	}
	res.QueueRate = q.Rate
	res.Queue, err = QueueScale(ctx, q)
	return res, err
}

func cmpOr(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// redact drops a password from a DSN for printing.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}

// createScratch makes a database with a new name on the server of dsn.
func createScratch(ctx context.Context, dsn string) (db, name string, drop func() error, err error) {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", "", nil, fmt.Errorf("bench scale: %w", err)
	}
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, uint32(time.Now().UnixNano()))
	name = "orcidlink_scale_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", "", nil, fmt.Errorf("bench scale: create database: %w", err)
	}
	drop = func() error {
		defer admin.Close()
		_, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return dsn + " dbname=" + name, name, drop, nil
	}
	u.Path = "/" + name
	return u.String(), name, drop, nil
}

// The synthetic population. Every choice about person g is a function of
// g alone (mix), so that the tables can be loaded one after the other, or
// at once, and agree.

// mix is a splitmix64 step: a well-spread 64-bit value for (g, salt).
func mix(g int64, salt uint64) uint64 {
	z := uint64(g)*0x9e3779b97f4a7c15 + salt*0xbf58476d1ce4e5b9 + 0x94d049bb133111eb
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// unit is mix as a number in [0, 1).
func unit(g int64, salt uint64) float64 { return float64(mix(g, salt)>>11) / (1 << 53) }

type personKind int

const (
	kindNone personKind = iota
	kindConnected
	kindRevoked
	kindRemoved
	kindInvited
	kindExpired // invited, the invitation lapsed: status "none"
	kindDenied
)

// kindOf draws a person's story, in the proportions of a consortium a
// year into its rollout.
func kindOf(g int64) personKind {
	switch u := unit(g, 1); {
	case u < 0.45:
		return kindConnected
	case u < 0.48:
		return kindRevoked
	case u < 0.50:
		return kindRemoved
	case u < 0.70:
		return kindInvited
	case u < 0.80:
		return kindExpired
	case u < 0.85:
		return kindDenied
	}
	return kindNone
}

var (
	familyStems = []string{"Garc", "Sm", "Nguy", "Müll", "Øster", "Kowalsk", "Tanak", "Ivan", "O'Brie", "Rossi",
		"Silv", "Dubo", "Jans", "Kim", "Patel", "Haddad", "Okafor", "Schmid", "Lindqv", "Papadop", "Fern", "Cohen",
		"Yamam", "Novák", "Horv", "Mart", "Bianc", "Lef", "Andersen", "Mensah"}
	familyEnds = []string{"ia", "ith", "en", "er", "gaard", "i", "a", "ova", "n", "ez", "es", "is", "son", "ley", "ard",
		"ić", "ou", "berg", "ström", "oulos", "ande", "elli", "ot", "ski", "ura", "ano", "ay", "ek", "ens", "ah"}
	givenNames = []string{"Ana", "Ben", "Chloé", "Dmitri", "Eun-ji", "Farah", "Giulia", "Hiroshi", "Ifeoma", "Jan",
		"Kofi", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Søren", "Tomás", "Uma", "Viktor",
		"Wen", "Ximena", "Yusuf", "Zoë", "Amelia", "Bruno", "Carmen", "David", "Elif", "Felix", "Grace", "Hamza",
		"Ingrid", "Jonas", "Kavya", "Luca", "Maya", "Noah"}
)

// person g of tenant t (both from 1).
func synthPerson(g int64, tenantID int64) store.Person {
	fam := familyStems[mix(g, 2)%uint64(len(familyStems))] + familyEnds[mix(g, 3)%uint64(len(familyEnds))]
	given := givenNames[mix(g, 4)%uint64(len(givenNames))]
	p := store.Person{ID: g, TenantID: tenantID, GivenNames: given, FamilyNames: fam,
		Email: asciiLocal(given) + "." + asciiLocal(fam) + "." + strconv.FormatInt(g, 10) + "@t" + strconv.FormatInt(tenantID, 10) + ".example.org"}
	if unit(g, 5) < 0.7 {
		p.ExternalRef = "staff-" + strconv.FormatInt(g, 10)
	}
	return p
}

// asciiLocal makes a name an email address's local part.
func asciiLocal(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// synthORCID is a valid iD (ISO 7064 11,2 check digit) for person g.
func synthORCID(g int64) string {
	base := fmt.Sprintf("00090%010d", 1000000000+g%8999999999)
	total := 0
	for _, c := range base {
		total = (total + int(c-'0')) * 2
	}
	check := (12 - total%11) % 11
	d := strconv.Itoa(check)
	if check == 10 {
		d = "X"
	}
	s := base + d
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// tenantOf splits people 1..n over t tenants, sizes falling as 1/i:
// bounds[i] is the last person of tenant i+1.
func tenantBounds(n int64, t int) []int64 {
	var h float64
	for i := 1; i <= t; i++ {
		h += 1 / float64(i)
	}
	bounds := make([]int64, t)
	var acc float64
	for i := 1; i <= t; i++ {
		acc += 1 / float64(i) / h
		bounds[i-1] = max(int64(acc*float64(n)+0.5), int64(i))
	}
	bounds[t-1] = n
	return bounds
}

// copyTable is one table's rows for the loader.
type copyTable struct {
	name string
	cols []string
	// rows appends person g's rows of the table.
	rows func(g int64, tenant int64, add func(row []any))
}

// load creates the credential and tenants through the store, then copies
// every table, then brings the statistics up to date.
func load(ctx context.Context, st *store.Store, o ScaleOptions, progress io.Writer) error {
	env, err := orcid.CustomEnvironment(scaleSite, "", "")
	if err != nil {
		return err
	}
	cred, err := st.CreateCredential(ctx, store.Credential{Name: "Consortium credential", Env: env, API: orcid.MemberAPI,
		ClientID: "APP-SCALE0000000001", ClientSecret: "scale-secret", ClientName: "National consortium"})
	if err != nil {
		return fmt.Errorf("bench scale: %w", err)
	}
	tenantIDs := make([]int64, o.Tenants)
	tenantNames := map[int64]string{}
	for i := range o.Tenants {
		t, err := st.CreateTenant(ctx, store.Tenant{Slug: fmt.Sprintf("member-%02d", i+1),
			Name: fmt.Sprintf("Member institution %d", i+1), SupportEmail: fmt.Sprintf("orcid@member%d.example.org", i+1),
			Languages: []string{"en"}, CredentialID: cred.ID})
		if err != nil {
			return fmt.Errorf("bench scale: %w", err)
		}
		tenantIDs[i], tenantNames[t.ID] = t.ID, t.Name
	}
	n := int64(o.People)
	bounds := tenantBounds(n, o.Tenants)
	now := time.Now().UTC().Truncate(time.Microsecond)
	epoch := now.AddDate(-3, 0, 0)
	at := func(g int64) time.Time { // people arrive over three years
		return epoch.Add(time.Duration(float64(now.Sub(epoch)) * float64(g) / float64(n+1)))
	}
	site := env.SiteURL
	scopes := "/read-limited /activities/update /person/update"
	workTmpl, err := itemTemplate(&orcid.Work{Title: orcid.NewTitle("@TITLE@"), Type: "journal-article",
		ExternalIDs: &orcid.ExternalIDs{ExternalID: []orcid.ExternalID{{Type: "doi", Value: "10.5555/@KEY@",
			Relationship: "self"}}}})
	if err != nil {
		return err
	}
	failures := []string{
		"400 Bad Request: invalid value for work type; valid values are listed in the documentation",
		"409 Conflict: You have already added this activity (error-code 9021)",
		"403 Forbidden: Insufficient or wrong scope",
		"400 Bad Request: external identifier is required",
	}
	tables := []copyTable{
		{name: "people", cols: []string{"id", "tenant_id", "given_names", "family_names", "email", "external_ref", "language",
			"search_text", "sort_key", "created_at", "updated_at"},
			rows: func(g, t int64, add func([]any)) {
				p := synthPerson(g, t)
				search, sort := store.PersonKeys(p)
				var ref any
				if p.ExternalRef != "" {
					ref = p.ExternalRef
				}
				add([]any{g, t, p.GivenNames, p.FamilyNames, p.Email, ref, "", search, sort, at(g), at(g)})
			}},
		{name: "orcid_links", cols: []string{"id", "credential_id", "person_id", "tenant_id", "orcid", "orcid_uri", "name",
			"scopes", "expires_at", "authenticated_at", "state", "state_reason", "created_at", "updated_at"},
			rows: func(g, t int64, add func([]any)) {
				k := kindOf(g)
				if k != kindConnected && k != kindRevoked && k != kindRemoved {
					return
				}
				p := synthPerson(g, t)
				id := synthORCID(g)
				var bare, uri any = id, site + "/" + id
				state, reason := "connected", ""
				switch k {
				case kindRevoked:
					state, reason = "revoked", "ORCID no longer accepts the researcher's authorization"
				case kindRemoved:
					state, reason, bare, uri = "removed", "the researcher disconnected", nil, nil
				}
				when := at(g).Add(48 * time.Hour)
				add([]any{g, cred.ID, g, t, bare, uri, p.GivenNames + " " + p.FamilyNames, scopes, when.AddDate(20, 0, 0),
					when, state, reason, when, when})
			}},
		{name: "invitations", cols: []string{"id", "tenant_id", "person_id", "token_hash", "scopes", "created_at", "expires_at",
			"sent_at", "opened_at", "state", "created_by"},
			rows: func(g, t int64, add func([]any)) {
				k := kindOf(g)
				if k == kindNone {
					return
				}
				created := at(g).Add(time.Hour)
				expires := created.AddDate(0, 0, 30)
				var opened any
				state := "accepted"
				switch k {
				case kindInvited:
					created = now.Add(-time.Duration(unit(g, 6)*14*24) * time.Hour)
					expires, state = created.AddDate(0, 0, 30), "pending"
				case kindExpired:
					state = "pending" // lapsed, never answered
				case kindDenied:
					state, opened = "denied", created.Add(time.Hour)
				default:
					opened = created.Add(time.Hour)
				}
				h := sha256.Sum256([]byte("invitation " + strconv.FormatInt(g, 10)))
				add([]any{g, t, g, h[:], scopes, created, expires, created, opened, state, "bench"})
			}},
		{name: "emails", cols: []string{"id", "tenant_id", "recipient", "subject", "text_body", "html_body", "created_at",
			"sent_at", "error"},
			rows: func(g, t int64, add func([]any)) {
				if kindOf(g) == kindNone {
					return
				}
				p := synthPerson(g, t)
				name := tenantNames[t]
				subject := "Connect your ORCID iD with " + name
				text := "Dear " + p.GivenNames + " " + p.FamilyNames + ",\n\n" + name +
					" asks you to connect your ORCID iD so that your publications reach your record.\n\n[link removed]\n"
				html := "<p>Dear " + p.GivenNames + " " + p.FamilyNames + ",</p><p>" + name +
					" asks you to connect your ORCID iD so that your publications reach your record.</p><p>[link removed]</p>"
				created := at(g).Add(time.Hour)
				var sent any = created.Add(time.Minute)
				failure := ""
				if unit(g, 7) < 0.005 {
					sent, failure = nil, "550 5.1.1 mailbox unavailable"
				}
				add([]any{g, t, p.Email, subject, text, html, created, sent, failure})
			}},
		{name: "orcid_items", cols: []string{"id", "tenant_id", "person_id", "kind", "item_key", "content", "content_hash",
			"link_id", "put_code", "confirmed_hash", "call_open", "state", "state_reason", "attempts", "last_error",
			"created_at", "updated_at", "synced_at"},
			rows: func(g, t int64, add func([]any)) {
				k := kindOf(g)
				for j := range int64(o.ItemsPerPerson) {
					id := (g-1)*int64(o.ItemsPerPerson) + j + 1
					key := "pub:" + strconv.FormatInt(g, 10) + ":" + strconv.FormatInt(j, 10)
					content := strings.NewReplacer("@TITLE@", "Synthetic article "+strconv.FormatInt(id, 10), "@KEY@", key).
						Replace(workTmpl)
					sum := sha256.Sum256([]byte(content))
					created := at(g).Add(time.Duration(j+3) * time.Hour)
					var link, putCode, confirmed, synced any
					state, reason, lastErr, attempts := "pending", "not connected to ORCID", "", 0
					switch k {
					case kindConnected:
						link = g
						switch u := unit(id, 8); {
						case u < 0.02:
							state, lastErr, attempts = "failed-permanent", failures[mix(id, 9)%uint64(len(failures))], 1
						case u < 0.021:
							state, lastErr, attempts = "failed-retryable", "503 Service Unavailable", 2
						case u < 0.022:
							state = "queued"
						case u < 0.0221:
							state = "in-flight"
						case u < 0.03:
							state, putCode = "deleted-by-researcher", id
						case u < 0.04:
							state = "retracted"
						default:
							state, putCode, confirmed, synced = "synced", id, sum[:], created.Add(time.Minute)
						}
						reason = ""
					case kindRevoked:
						link, reason = g, "ORCID no longer accepts the researcher's authorization; they must connect again"
					}
					add([]any{id, t, g, "work", key, content, sum[:], link, putCode, confirmed, 0, state, reason, attempts,
						lastErr, created, created, synced})
				}
			}},
	}
	fmt.Fprintf(progress, "bench scale: loading %d people, %d items each, over %d tenants\n", n, o.ItemsPerPerson, o.Tenants)
	var wg sync.WaitGroup
	errs := make([]error, len(tables))
	// The people first (the others refer to them), then the rest two at
	// a time: COPY keeps one core busy, and the machine may have two.
	run := func(i int) {
		errs[i] = copyOne(ctx, st, tables[i], n, bounds, tenantIDs, progress)
	}
	run(0)
	if errs[0] != nil {
		return errs[0]
	}
	run(1)
	if errs[1] != nil {
		return errs[1]
	}
	wg.Go(func() { run(4) })
	run(2)
	if errs[2] == nil {
		run(3)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := st.FinishBulkLoad(ctx); err != nil {
		return fmt.Errorf("bench scale: %w", err)
	}
	fmt.Fprintln(progress, "bench scale: analysing (VACUUM ANALYZE)")
	if _, err := st.DB().ExecContext(ctx, `VACUUM (ANALYZE) people, orcid_links, invitations, emails, orcid_items`); err != nil {
		return fmt.Errorf("bench scale: vacuum: %w", err)
	}
	return nil
}

// itemTemplate normalizes an item as the store does, with placeholders
// to replace per row (cheaper than normalizing ten million items).
func itemTemplate(it orcid.Item) (string, error) {
	raw, _, err := store.NormalizeItem(it)
	if err != nil {
		return "", fmt.Errorf("bench scale: %w", err)
	}
	return string(raw), nil
}

// copyOne loads one table, reporting rows per second every few seconds.
func copyOne(ctx context.Context, st *store.Store, t copyTable, n int64, bounds []int64, tenantIDs []int64, progress io.Writer) error {
	var done atomic.Int64
	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				d := done.Load()
				fmt.Fprintf(progress, "bench scale: %s: %d rows, %.0f rows/s\n", t.name, d, float64(d)/time.Since(start).Seconds())
			}
		}
	})
	var pending [][]any
	g, tenant := int64(0), 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		for len(pending) == 0 {
			if g == n {
				return nil, nil
			}
			g++
			for g > bounds[tenant] {
				tenant++
			}
			t.rows(g, tenantIDs[tenant], func(row []any) { pending = append(pending, row) })
		}
		row := pending[0]
		pending = pending[1:]
		done.Add(1)
		return row, nil
	})
	_, err := st.Copy(ctx, t.name, t.cols, src)
	close(stop)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("bench scale: %w", err)
	}
	d := done.Load()
	fmt.Fprintf(progress, "bench scale: %s: %d rows in %v (%.0f rows/s)\n", t.name, d, time.Since(start).Round(time.Second),
		float64(d)/time.Since(start).Seconds())
	return nil
}

// describe reads the sizes and the server's version.
func describe(ctx context.Context, st *store.Store, res *ScaleResult) error {
	db := st.DB()
	err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM tenants),
		(SELECT COUNT(*) FROM people), (SELECT COUNT(*) FROM orcid_items),
		current_setting('server_version'), pg_size_pretty(pg_database_size(current_database())),
		pg_size_pretty(pg_total_relation_size('orcid_items')), pg_size_pretty(pg_total_relation_size('people'))`).
		Scan(&res.Tenants, &res.People, &res.Items, &res.ServerVersion, &res.DatabaseSize, &res.ItemsTableSize, &res.PeopleTableSize)
	if err != nil {
		return fmt.Errorf("bench scale: describe: %w", err)
	}
	res.DashboardTenantCount = res.Tenants
	res.MigrationVersion, err = st.Version(ctx)
	return err
}

// probes are what the routes ask for: the largest tenant, a person of it
// to search for by name, email and iD, and a cursor halfway through its
// people.
type probes struct {
	tenantID      int64
	tenantSlug    string
	people, items int64
	family, email string
	orcid         string
	personID      int64
	deepCursor    string
}

func findProbes(ctx context.Context, st *store.Store) (*probes, error) {
	db := st.DB()
	p := &probes{}
	err := db.QueryRowContext(ctx, `SELECT t.id, t.slug, COUNT(*) FROM people p JOIN tenants t ON t.id = p.tenant_id
		GROUP BY t.id, t.slug ORDER BY COUNT(*) DESC, t.id LIMIT 1`).Scan(&p.tenantID, &p.tenantSlug, &p.people)
	if err != nil {
		return nil, fmt.Errorf("bench scale: largest tenant: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM orcid_items WHERE tenant_id = $1`, p.tenantID).Scan(&p.items); err != nil {
		return nil, err
	}
	// Someone connected, two thirds of the way down the list.
	err = db.QueryRowContext(ctx, `SELECT p.id, p.family_names, p.email, l.orcid FROM people p
		JOIN orcid_links l ON l.person_id = p.id AND l.state = 'connected'
		WHERE p.tenant_id = $1 AND p.id >= (SELECT MIN(id) + (MAX(id) - MIN(id)) * 2 / 3 FROM people WHERE tenant_id = $1)
		ORDER BY p.id LIMIT 1`, p.tenantID).Scan(&p.personID, &p.family, &p.email, &p.orcid)
	if err != nil {
		return nil, fmt.Errorf("bench scale: a connected person: %w", err)
	}
	var key string
	var id int64
	err = db.QueryRowContext(ctx, `SELECT sort_key, id FROM people WHERE tenant_id = $1 ORDER BY sort_key, id
		OFFSET $2 LIMIT 1`, p.tenantID, p.people/2).Scan(&key, &id)
	if err != nil {
		return nil, fmt.Errorf("bench scale: deep cursor: %w", err)
	}
	p.deepCursor = store.PeopleCursor(key, id) // the API's cursors are the list's
	return p, nil
}

// scaleRoute is one measured request.
type scaleRoute struct {
	name, path string
	api        bool
}

func (p *probes) routes() []scaleRoute {
	tenant := "/admin/tenants/" + strconv.FormatInt(p.tenantID, 10)
	q := url.QueryEscape
	return []scaleRoute{
		{name: "dashboard", path: "/admin/"},
		{name: "people, first page", path: tenant + "/people"},
		{name: "people, deep page", path: tenant + "/people?cursor=" + q(p.deepCursor)},
		{name: "people, connected", path: tenant + "/people?status=connected"},
		{name: "people, denied", path: tenant + "/people?status=denied"},
		{name: "people search, name", path: tenant + "/people?q=" + q(p.family)},
		{name: "people search, email", path: tenant + "/people?q=" + q(p.email)},
		{name: "people search, iD", path: tenant + "/people?q=" + q(p.orcid)},
		{name: "tenant page", path: tenant},
		{name: "failed items", path: tenant + "/failed"},
		{name: "waiting items", path: tenant + "/failed?waiting=1"},
		{name: "outbox", path: "/admin/outbox"},
		{name: "outbox search, email", path: "/admin/outbox?q=" + q(p.email)},
		{name: "API people, first page", path: "/api/v1/people", api: true},
		{name: "API people, deep page", path: "/api/v1/people?cursor=" + q(p.deepCursor), api: true},
		{name: "API people search", path: "/api/v1/people?q=" + q(p.email), api: true},
		{name: "API person's works", path: "/api/v1/people/" + strconv.FormatInt(p.personID, 10) + "/works", api: true},
	}
}

// scaleTimeout is how long a request may take before it counts as an error.
const scaleTimeout = 2 * time.Minute

// scaleRouteBudget bounds the time spent measuring one route.
const scaleRouteBudget = time.Minute

// measureScale starts the server over the database and measures every
// route Requests times, one request at a time.
func measureScale(ctx context.Context, st *store.Store, dsn string, o ScaleOptions, p *probes, progress io.Writer) (_ []ScaleRow, err error) {
	_, apiKey, err := st.CreateAPIKey(ctx, store.NewAPIKey{TenantID: p.tenantID, Name: "bench scale", CreatedBy: "bench"})
	if err != nil {
		return nil, fmt.Errorf("bench scale: %w", err)
	}
	base, stopServer, err := startServer(ctx, o.Serve, "orcidlink-bench-scale-", dsn, scaleKey(), 5*time.Minute)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, stopServer()) }()
	transport := &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	admin, err := signIn(ctx, base, transport)
	if err != nil {
		return nil, err
	}
	f := &fixture{base: base, admin: admin, anon: &http.Client{Transport: transport, Timeout: scaleTimeout}}
	f.admin.Timeout = scaleTimeout
	var rows []ScaleRow
	for _, rt := range p.routes() {
		c, auth := f.admin, ""
		if rt.api {
			c, auth = f.anon, "Bearer "+apiKey
		}
		row := ScaleRow{Route: rt.name, Path: rt.path}
		// One request first, unmeasured: it must answer 200, and it
		// warms the caches as a page viewed before would have. One that
		// fails (or takes longer than the client's timeout) is the row.
		start := time.Now()
		if err := f.get(ctx, c, rt.path, auth); err != nil {
			if ctx.Err() != nil {
				return rows, ctx.Err()
			}
			d := time.Since(start)
			fmt.Fprintf(progress, "bench scale: %s (%s): %v after %v\n", rt.name, rt.path, err, d.Round(time.Millisecond))
			row.Requests, row.Errors, row.P50, row.P95, row.P99 = 1, 1, d, d, d
			rows = append(rows, row)
			continue
		}
		fmt.Fprintf(progress, "bench scale: %s, %d requests\n", rt.name, o.Requests)
		lat := make([]time.Duration, 0, o.Requests)
		began := time.Now()
		for range o.Requests {
			start := time.Now()
			if err := f.get(ctx, c, rt.path, auth); err != nil {
				row.Errors++
			}
			lat = append(lat, time.Since(start))
			if ctx.Err() != nil {
				return rows, ctx.Err()
			}
			// A route that takes seconds is slow whatever its p99: a
			// minute of it says so without making the run take hours.
			if time.Since(began) > scaleRouteBudget {
				break
			}
		}
		slices.Sort(lat)
		row.Requests = len(lat)
		row.P50, row.P95, row.P99 = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99)
		rows = append(rows, row)
	}
	return rows, nil
}

// PrintScale writes the table, preceded by what it was measured on.
func PrintScale(w io.Writer, r *ScaleResult) {
	if r == nil {
		return
	}
	fmt.Fprintf(w, "database %s (PostgreSQL %s, schema version %d): %d tenants, %d people, %d items; %s in all, items %s, people %s\n",
		r.Database, r.ServerVersion, r.MigrationVersion, r.Tenants, r.People, r.Items, r.DatabaseSize, r.ItemsTableSize, r.PeopleTableSize)
	if r.LoadedThisRun {
		fmt.Fprintf(w, "loaded in %v\n", r.LoadTime.Round(time.Second))
	}
	fmt.Fprintf(w, "per-tenant routes on %s (%d people, %d items); the dashboard shows all %d tenants; %d requests per route, one at a time\n",
		r.Largest, r.LargestPeople, r.LargestItems, r.DashboardTenantCount, r.RequestsPerRoute)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "route\trequests\tp50\tp95\tp99\terrors\t")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t\n", row.Route, row.Requests, ms(row.P50), ms(row.P95), ms(row.P99), row.Errors)
	}
	tw.Flush()
	if len(r.Queue) > 0 {
		fmt.Fprintf(w, "queue: processes sharing one database and one credential, registry limit %g requests/s\n", r.QueueRate)
		PrintQueueScale(w, r.Queue, r.QueueRate)
	}
}
