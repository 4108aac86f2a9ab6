package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// PeopleResolver says which of a tenant's people exist; *store.Store is
// one.
type PeopleResolver interface {
	ResolvePeople(ctx context.Context, tenantID int64, emails, refs []string) (store.PeopleRefs, error)
	// KnownPersonIDs: articles' contributors may be named by id.
	KnownPersonIDs(ctx context.Context, tenantID int64, ids []int64) (map[int64]bool, error)
}

// Options says what a file is and whose.
type Options struct {
	TenantID int64
	Kind     Kind
	Format   Format
	// People resolves the rows' people (required for every kind but
	// people).
	People PeopleResolver
	// ChunkSize is how many rows are checked against the database at once
	// and handed to emit together; default 1000.
	ChunkSize int
	// Organization is the tenant's own organisation: a row whose
	// organisation columns are all empty gets it (nil: none).
	Organization *orcid.Organization
	// limits bound a value and a row as they are read; zero means
	// MaxCellBytes and MaxRowBytes (tests shrink them).
	limits limits
}

// Row is a data row as validated: its values by column name (only those
// with a value) and its problems.
type Row struct {
	Row      int
	Line     int
	Values   map[string]string
	Problems []Problem
}

// Summary is what validating a whole file found.
type Summary struct {
	Total, Valid, Invalid int
	// FileProblems are those of the file as a whole (encoding, header).
	FileProblems []Problem
	// Counts counts every problem by code, the file's included.
	Counts map[Code]int
}

// OK reports whether the file has no problem at all.
func (s Summary) OK() bool { return s.Invalid == 0 && len(s.FileProblems) == 0 }

// Validate reads a file a row at a time, checks every row, and hands the
// rows with their problems to emit a chunk at a time: the file is never
// held whole. What is remembered across rows is what duplicate detection
// needs (a hash per row and per item key). An error is returned only when
// reading could not go on (ctx ended, the database failed, emit failed);
// problems of the file are in the rows and the Summary.
func Validate(ctx context.Context, r io.Reader, opts Options, emit func([]Row) error) (Summary, error) {
	if !opts.Kind.Valid() {
		return Summary{}, fmt.Errorf("batch: validate: %w: unknown kind %q", store.ErrInvalid, opts.Kind)
	}
	if opts.Kind != People && opts.People == nil {
		return Summary{}, errors.New("batch: validate: no people resolver")
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 1000
	}
	if opts.limits == (limits{}) {
		opts.limits = defaultLimits()
	}
	var dec decoder
	switch opts.Format {
	case CSV:
		dec = newCSVDecoder(r, opts.Kind, opts.limits)
	case JSON:
		dec = newJSONDecoder(r, opts.Kind, opts.limits)
	default:
		return Summary{}, fmt.Errorf("batch: validate: %w: unknown format %q", store.ErrInvalid, opts.Format)
	}
	v := &validator{opts: opts, cols: Columns(opts.Kind), rows: map[uint64]int32{}, keys: map[uint64]int32{}, seed: maphash.MakeSeed(),
		created: map[uint64]bool{}, sum: Summary{Counts: map[Code]int{}}}
	v.index = map[string]int{}
	for i, c := range v.cols {
		v.index[c.Name] = i
	}
	chunk := make([]pendingRow, 0, opts.ChunkSize)
	held := 0 // bytes of values in the chunk
	for {
		if err := ctx.Err(); err != nil {
			return Summary{}, err
		}
		rec, err := dec.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Summary{}, err
		}
		chunk = append(chunk, v.check(rec))
		for _, val := range rec.values {
			held += len(val)
		}
		// A chunk of long rows goes early: a thousand rows near the row
		// limit would otherwise be a gigabyte.
		if len(chunk) == opts.ChunkSize || held >= maxChunkBytes {
			if err := v.flush(ctx, chunk, emit); err != nil {
				return Summary{}, err
			}
			chunk, held = chunk[:0], 0
		}
	}
	if err := v.flush(ctx, chunk, emit); err != nil {
		return Summary{}, err
	}
	// A header's names are the file's text too: bounded like a row's.
	for _, p := range dec.fileProblems() {
		p.Column, p.Message = clip(p.Column, keptRunes), clip(p.Message, maxMessageRunes)
		v.sum.FileProblems = append(v.sum.FileProblems, p)
	}
	if v.sum.Total == 0 && len(v.sum.FileProblems) == 0 {
		v.sum.FileProblems = append(v.sum.FileProblems, Problem{Code: CodeEmptyFile, Message: "the file has no data rows"})
	}
	for _, p := range v.sum.FileProblems {
		v.sum.Counts[p.Code]++
	}
	return v.sum, nil
}

type validator struct {
	opts  Options
	cols  []Column
	index map[string]int
	// rows maps a hash of each row's values to its row number, and keys a
	// hash of (person, kind, key) to the row that first used it.
	rows, keys map[uint64]int32
	seed       maphash.Seed
	// created holds hashes of the people rows of the file create ("e:" +
	// email, "r:" + reference), so that later rows may name them; hashes,
	// like rows and keys, so that memory stays a few bytes a row.
	created map[uint64]bool
	sum     Summary
}

// pendingRow is a checked row waiting for its person to be resolved.
type pendingRow struct {
	Row
	email, ref string
	creates    bool // the row has what it takes to create its person
	skipPerson bool // the row cannot say whom it is about; reported already
	// article is the row's article (Kind Articles), checked once its
	// contributors are looked up with the chunk.
	article *pendingArticle
}

// hash is what duplicate detection keeps of a row or a key: 8 bytes, so
// that a file of a million rows costs a few tens of megabytes at most.
func (v *validator) hash(s string) uint64 { return maphash.String(v.seed, s) }

// check runs every check that needs only the row (and the rows before it).
func (v *validator) check(rec *record) pendingRow {
	p := pendingRow{Row: Row{Row: rec.row, Line: rec.line, Problems: rec.problems}}
	add := func(column string, code Code, format string, args ...any) {
		p.Problems = append(p.Problems, Problem{Row: rec.row, Line: rec.line, Column: column, Code: code,
			Message: fmt.Sprintf(format, args...)})
	}
	if !rec.positional {
		p.skipPerson = true
		return p
	}
	p.Values = make(map[string]string, 8)
	v.defaultOrganization(rec)
	bad := map[string]bool{} // columns with a problem already
	for _, pr := range p.Problems {
		bad[pr.Column] = true
	}
	for i, c := range v.cols {
		val := rec.values[i]
		if val == "" {
			if c.Required && !bad[c.Name] {
				code := CodeRequired
				if c.Name == "title" {
					code = CodeMissingTitle
				}
				add(c.Name, code, "%s is required", c.Name)
				bad[c.Name] = true
			}
			continue
		}
		p.Values[c.Name] = val
		if code, msg := checkValue(c, val); code != "" {
			add(c.Name, code, "%s", msg)
			bad[c.Name] = true
		}
	}
	if v.opts.Kind == Articles {
		// An article is nobody's item: its contributors are its people,
		// and its rules are the journal's.
		p.skipPerson = true
		v.checkArticle(&p, bad, add)
	} else if v.opts.Kind == Connections {
		v.whom(&p, bad, add)
		v.checkConnection(&p, bad, add) // connections.go
	} else {
		v.crossChecks(&p, bad, add)
		v.whom(&p, bad, add)
	}
	v.duplicates(&p, rec, add)
	if p.creates && len(p.Problems) == 0 {
		v.created[v.hash("e:"+p.email)] = true
		if p.ref != "" {
			v.created[v.hash("r:"+p.ref)] = true
		}
	}
	return p
}

// whom reads whom a row is about, and what it takes to create them.
func (v *validator) whom(p *pendingRow, bad map[string]bool, add func(string, Code, string, ...any)) {
	p.email, p.ref = strings.ToLower(p.Values["email"]), p.Values["person-ref"]
	if bad["email"] {
		p.email = ""
	}
	switch {
	case p.Values["email"] == "" && p.ref == "":
		add("email", CodeNoPerson, "each row needs an email or a person-ref to say whom it is about")
		p.skipPerson = true
	case bad["email"] && p.ref == "":
		p.skipPerson = true
	}
	named := p.Values["given-names"] != "" || p.Values["family-names"] != ""
	p.creates = p.email != "" && named
	if v.opts.Kind == People || p.creates {
		v.checkPerson(p, bad, add)
	}
}

// checkPerson runs the store's validation of a person (store.CheckPerson,
// the REST API's and the admin UI's too) on the person a row describes,
// and reports what it refuses at the field's column, unless that column
// has a problem already.
func (v *validator) checkPerson(p *pendingRow, bad map[string]bool, add func(string, Code, string, ...any)) {
	for _, pr := range p.Problems {
		bad[pr.Column] = true
	}
	person := store.Person{GivenNames: p.Values["given-names"], FamilyNames: p.Values["family-names"],
		Email: p.Values["email"], ExternalRef: p.Values["person-ref"], Language: p.Values["language"]}
	fes, _ := store.AsFieldErrors(store.CheckPerson(&person))
	for _, fe := range fes {
		col := personColumn[fe.Field]
		if col == "" || bad[col] {
			continue
		}
		add(col, fieldCode(fe), "%s", fe.Message())
		bad[col] = true
	}
}

// duplicates reports the same row again, or the same item (person, kind,
// key) twice.
func (v *validator) duplicates(p *pendingRow, rec *record, add func(string, Code, string, ...any)) {
	norm, _ := json.Marshal(p.Values) // sorted keys: equal rows give equal bytes
	rh := v.hash(string(norm))
	if first, ok := v.rows[rh]; ok {
		add("", CodeDuplicateRow, "the same row as row %d", first)
		return
	}
	v.rows[rh] = int32(rec.row)
	for _, k := range v.itemKeys(*p) {
		kh := v.hash(k.key)
		if first, ok := v.keys[kh]; ok {
			add(k.column, CodeDuplicateKey, "%s (row %d)", k.what, first)
			break
		}
		v.keys[kh] = int32(rec.row)
	}
}

type itemKey struct{ key, column, what string }

// itemKeys are what must be unique within a file: for people, the email
// and the reference; for items, the person, the item kind and the key.
func (v *validator) itemKeys(p pendingRow) []itemKey {
	if v.opts.Kind == People {
		var ks []itemKey
		if p.email != "" {
			ks = append(ks, itemKey{"e\x00" + p.email, "email", "the same email as another row"})
		}
		if p.ref != "" {
			ks = append(ks, itemKey{"r\x00" + p.ref, "person-ref", "the same person-ref as another row"})
		}
		return ks
	}
	key := p.Values["key"]
	if v.opts.Kind == Articles && key != "" {
		// An article's key is the tenant's, whoever wrote it.
		return []itemKey{{"a\x00" + key, "key", "the same key as another row"}}
	}
	if key == "" || (p.email == "" && p.ref == "") {
		return nil
	}
	who := "e\x00" + p.email
	if p.ref != "" {
		who = "r\x00" + p.ref
	}
	kind := string(v.opts.Kind)
	if v.opts.Kind == Affiliations {
		kind = strings.ToLower(p.Values["affiliation-section"])
	}
	return []itemKey{{who + "\x00" + kind + "\x00" + key, "key", "the same person and key as another row"}}
}

// orgParts are the columns of an organisation, after its prefix.
var orgParts = []string{"name", "city", "region", "country", "disambiguated-organization-identifier", "disambiguation-source"}

// defaultOrganization fills a row's organisation columns, all of them
// empty, with the tenant's organisation, so that a file need not repeat it
// on every row.
func (v *validator) defaultOrganization(rec *record) {
	o := v.opts.Organization
	if o == nil {
		return
	}
	for _, prefix := range []string{"org-", "convening-org-"} {
		if _, ok := v.index[prefix+"name"]; !ok {
			continue
		}
		empty := true
		for _, part := range orgParts {
			if i, ok := v.index[prefix+part]; ok && rec.values[i] != "" {
				empty = false
			}
		}
		if !empty {
			continue
		}
		vals := map[string]string{"name": o.Name}
		if a := o.Address; a != nil {
			vals["city"], vals["region"], vals["country"] = a.City, a.Region, a.Country
		}
		if d := o.DisambiguatedOrganization; d != nil {
			vals["disambiguated-organization-identifier"], vals["disambiguation-source"] = d.Identifier, d.Source
		}
		for part, val := range vals {
			if i, ok := v.index[prefix+part]; ok {
				rec.values[i] = val
			}
		}
	}
}

// professional reports whether an affiliation section is one of ORCID's
// professional activities (all but employment and education), which since
// 2025 need no city or country.
func professional(section string) bool {
	s := strings.ToLower(section)
	return s != "" && s != "employment" && s != "education"
}

// crossChecks are the checks of several columns together, then ORCID's
// own rules on the item the row makes.
func (v *validator) crossChecks(p *pendingRow, bad map[string]bool, add func(string, Code, string, ...any)) {
	val := p.Values
	dates := [][2]string{{"start-date", "end-date"}}
	for _, d := range dates {
		s, e := val[d[0]], val[d[1]]
		if s != "" && e != "" && !bad[d[0]] && !bad[d[1]] && dateKey(e) < dateKey(s) {
			add(d[1], CodeEndBeforeStart, "%s %s is before %s %s", d[1], e, d[0], s)
			bad[d[1]] = true
		}
		if e != "" && s == "" && !bad[d[0]] && slices.ContainsFunc(v.cols, func(c Column) bool { return c.Name == d[0] }) {
			add(d[0], CodeRequired, "%s is required when %s is given", d[0], d[1])
			bad[d[0]] = true
		}
	}
	for _, prefix := range []string{"org-", "convening-org-"} {
		if _, ok := v.index[prefix+"name"]; !ok {
			continue
		}
		id, src := prefix+"disambiguated-organization-identifier", prefix+"disambiguation-source"
		if strings.EqualFold(val[src], orcid.DisambiguationSourceROR) && val[id] != "" && !bad[id] {
			// A ROR iD in any form people paste, kept as ORCID matches it.
			if ror, err := orcid.ParseROR(val[id]); err != nil {
				add(id, CodeBadValue, "%s is not a ROR iD (malformed, or its checksum is wrong)", val[id])
				bad[id] = true
			} else {
				val[id], val[src] = ror, orcid.DisambiguationSourceROR
			}
		}
		required := []string{"name", "city", "country"}
		if prefix == "org-" && v.opts.Kind == Affiliations && professional(val["affiliation-section"]) {
			// ORCID's 2025 rules (checked on the item below): a name or a
			// registry entry, and a country only with a city or region.
			required = nil
			if val[prefix+"name"] == "" && val[id] == "" && !bad[prefix+"name"] {
				add(prefix+"name", CodeMissingOrganization, "%s is required (or a disambiguated organisation)", prefix+"name")
				bad[prefix+"name"] = true
			}
			if (val[prefix+"city"] != "" || val[prefix+"region"] != "") && val[prefix+"country"] == "" && !bad[prefix+"country"] {
				add(prefix+"country", CodeMissingOrganization, "%s is required with a city or region", prefix+"country")
				bad[prefix+"country"] = true
			}
		}
		for _, part := range required {
			if val[prefix+part] == "" && !bad[prefix+part] {
				add(prefix+part, CodeMissingOrganization, "%s is required: ORCID needs the organisation's name, city and country", prefix+part)
				bad[prefix+part] = true
			}
		}
		if (val[id] == "") != (val[src] == "") && !bad[id] && !bad[src] {
			missing := id
			if val[src] == "" {
				missing = src
			}
			add(missing, CodeRequired, "%s and %s go together", id, src)
			bad[missing] = true
		}
	}
	for _, prefix := range []string{"external-id-", "review-identifier-", "subject-external-id-"} {
		typ, value := prefix+"type", prefix+"value"
		if _, ok := v.index[typ]; !ok {
			continue
		}
		if (val[typ] == "") != (val[value] == "") && !bad[typ] && !bad[value] {
			missing := typ
			if val[value] == "" {
				missing = value
			}
			add(missing, CodeRequired, "%s and %s go together", typ, value)
			bad[missing] = true
		}
		if val[value] != "" && !bad[typ] && !bad[value] {
			if code, msg := checkIdentifier(val[typ], val[value]); code != "" {
				add(value, code, "%s", msg)
				bad[value] = true
			}
		}
	}
	if v.opts.Kind == Works && val["external-id-value"] == "" && !bad["external-id-type"] && !bad["external-id-value"] {
		add("external-id-value", CodeMissingSelfID, "ORCID needs a work to carry its own identifier (a DOI, say): fill external-id-type and external-id-value")
		bad["external-id-value"], bad["external-id-relationship"] = true, true
	}
	if v.opts.Kind == People {
		return
	}
	item, err := buildItem(v.opts.Kind, val, orcid.ProductionHost)
	if err != nil || item == nil {
		return // an unknown affiliation section, already reported
	}
	orcid.Canonicalize(item) // as jobs.Queue.Put will, before validating
	var ve *orcid.ValidationError
	if !errors.As(orcid.Validate(item), &ve) {
		return
	}
	for _, pr := range ve.Problems {
		column := fieldColumn(v.opts.Kind, pr.Field)
		if bad[column] {
			continue
		}
		code := CodeORCIDRule
		switch {
		case strings.Contains(pr.Message, "relationship self"):
			code = CodeMissingSelfID
		case strings.HasPrefix(pr.Message, "is required") && strings.Contains(column, "org-"):
			code = CodeMissingOrganization
		case strings.HasPrefix(pr.Message, "is required") || strings.HasPrefix(pr.Message, "needs"):
			code = CodeRequired
		}
		add(column, code, "%s %s", column, pr.Message)
		bad[column] = true
	}
}

// fieldColumn maps a field of ORCID's JSON (as orcid.Validate names it) to
// the column it came from.
func fieldColumn(k Kind, field string) string {
	f := indexRe.ReplaceAllString(field, "")
	org := func(prefix, field string) string {
		switch {
		case strings.HasSuffix(field, "disambiguation-source"):
			return prefix + "disambiguation-source"
		case strings.Contains(field, "disambiguated-organization"):
			return prefix + "disambiguated-organization-identifier"
		case strings.HasSuffix(field, "address.country"):
			return prefix + "country"
		case strings.HasSuffix(field, "address.city"), strings.HasSuffix(field, "address"):
			return prefix + "city"
		}
		return prefix + "name"
	}
	ext := func(prefix, field string) string {
		if !strings.Contains(field, "external-id-") {
			return prefix + "relationship" // the list as a whole: "needs ... relationship self"
		}
		for _, part := range []string{"type", "url", "relationship"} {
			if strings.HasSuffix(field, "external-id-"+part) {
				return prefix + part
			}
		}
		return prefix + "value"
	}
	switch {
	case strings.HasPrefix(f, "organization"):
		return org("org-", f)
	case strings.HasPrefix(f, "convening-organization"):
		return org("convening-org-", f)
	case strings.HasPrefix(f, "external-ids"):
		return ext("external-id-", f)
	case strings.HasPrefix(f, "review-identifiers"):
		return ext("review-identifier-", f)
	case strings.HasPrefix(f, "subject-external-identifier"):
		return ext("subject-external-id-", f)
	case strings.HasPrefix(f, "title"):
		return "title"
	case f == "type" && k == Works:
		return "work-type"
	case f == "type" && k == Fundings:
		return "funding-type"
	}
	if i := strings.IndexByte(f, '.'); i > 0 {
		return f[:i]
	}
	return f
}

// flush resolves the people of a chunk of rows, counts, and emits it.
func (v *validator) flush(ctx context.Context, chunk []pendingRow, emit func([]Row) error) error {
	if len(chunk) == 0 {
		return nil
	}
	if v.opts.Kind == Articles {
		if err := v.resolveArticles(ctx, chunk); err != nil {
			return err
		}
	} else if v.opts.Kind != People {
		var emails, refs []string
		for _, p := range chunk {
			if p.skipPerson {
				continue
			}
			if p.email != "" {
				emails = append(emails, p.email)
			}
			if p.ref != "" {
				refs = append(refs, p.ref)
			}
		}
		known, err := v.opts.People.ResolvePeople(ctx, v.opts.TenantID, emails, refs)
		if err != nil {
			return fmt.Errorf("batch: validate: %w", err)
		}
		for i := range chunk {
			v.personChecks(&chunk[i], known)
		}
	}
	rows := make([]Row, len(chunk))
	for i, p := range chunk {
		rows[i] = p.Row
		v.sum.Total++
		if len(p.Problems) == 0 {
			v.sum.Valid++
		} else {
			v.sum.Invalid++
			rows[i] = refused(p.Row)
		}
		for _, pr := range p.Problems {
			v.sum.Counts[pr.Code]++
		}
	}
	return emit(rows)
}

// refused is what is kept of a row with problems: what its report and
// result file need. It is never imported, so each value is kept to
// recognise the row by (keptRunes characters: a whole email, key or
// reference), and each message bounded, since a message may quote a value.
func refused(r Row) Row {
	vals := make(map[string]string, len(r.Values))
	for k, val := range r.Values {
		vals[k] = clip(val, keptRunes)
	}
	probs := make([]Problem, len(r.Problems))
	for i, p := range r.Problems {
		p.Message = clip(p.Message, maxMessageRunes)
		probs[i] = p
	}
	r.Values, r.Problems = vals, probs
	return r
}

// clip cuts s to n characters, marking the cut with an ellipsis.
func clip(s string, n int) string {
	count := 0
	for i := range s {
		if count == n {
			return s[:i] + "…"
		}
		count++
	}
	return s
}

// personChecks reports a row about nobody the tenant has (and that the
// row cannot create), or whose email and reference name two people.
func (v *validator) personChecks(p *pendingRow, known store.PeopleRefs) {
	if p.skipPerson {
		return
	}
	add := func(column string, code Code, msg string) {
		p.Problems = append(p.Problems, Problem{Row: p.Row.Row, Line: p.Line, Column: column, Code: code, Message: msg})
	}
	byEmail, emailOK := known.ByEmail[p.email]
	byRef, refOK := known.ByRef[p.ref]
	switch {
	case p.email != "" && p.ref != "" && emailOK && refOK && byEmail != byRef:
		add("person-ref", CodePersonConflict, "the email and the person-ref belong to two different people")
	case refOK || emailOK:
	case p.creates:
	case p.ref != "" && v.created[v.hash("r:"+p.ref)], p.email != "" && v.created[v.hash("e:"+p.email)]:
	default:
		column, what := "email", p.Values["email"]
		if p.ref != "" {
			column, what = "person-ref", p.ref
		}
		add(column, CodeUnknownPerson, fmt.Sprintf("no person %s %q in this tenant: add them first, or give email, given-names and family-names to create them", column, what))
	}
}

var (
	indexRe = regexp.MustCompile(`\[\d+\]`)
	dateRe  = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$`)
	doiRe   = regexp.MustCompile(`^10\.\d{4,9}/\S+$`)
	issnRe  = regexp.MustCompile(`^\d{4}-?\d{3}[\dXx]$`)
)

// parseDate reads ORCID's fuzzy dates: YYYY, YYYY-MM or YYYY-MM-DD, of a
// day that exists.
func parseDate(s string) (*orcid.FuzzyDate, bool) {
	m := dateRe.FindStringSubmatch(s)
	if m == nil {
		return nil, false
	}
	d := &orcid.FuzzyDate{Year: m[1], Month: m[2], Day: m[3]}
	if d.Month != "" {
		var y, mo, day int
		fmt.Sscan(d.Year, &y)
		fmt.Sscan(strings.TrimLeft(d.Month, "0"), &mo)
		if mo < 1 || mo > 12 {
			return nil, false
		}
		if d.Day != "" {
			fmt.Sscan(strings.TrimLeft(d.Day, "0"), &day)
			t := time.Date(y, time.Month(mo), day, 0, 0, 0, 0, time.UTC)
			if day < 1 || t.Day() != day {
				return nil, false
			}
		}
	}
	return d, true
}

// dateKey orders valid fuzzy dates, a missing part counting as earliest.
func dateKey(s string) string { return (s + "-00-00")[:10] }

// checkValue checks one value by its column's rule.
func checkValue(c Column, v string) (Code, string) {
	if n := utf8.RuneCountInString(v); c.Max > 0 && n > c.Max {
		return CodeTooLong, fmt.Sprintf("%s is %d characters long; at most %d are accepted", c.Name, n, c.Max)
	}
	// The store's rule, so that a file refuses what the admin UI and the
	// REST API refuse: only a description or an abstract has lines.
	if _, bad := store.ControlCharacter(v, c.Name == "short-description" || c.Name == "abstract"); bad {
		return CodeBadCharacter, fmt.Sprintf("%s holds control characters", c.Name)
	}
	oneOf := func(code Code, list []string, what string) (Code, string) {
		if IsOneOf(list, v) {
			return "", ""
		}
		return code, fmt.Sprintf("%q is not %s (%s)", v, what, strings.Join(list, ", "))
	}
	switch c.check {
	case checkEmail:
		// The store's rule (store.CheckEmail), in its words.
		if fe := store.CheckEmail(c.Name, v, false); fe != nil {
			return fieldCode(fe), fe.Message()
		}
	case checkArticleKey:
		// The REST API's rule for keys, which it reads from a path: an
		// article saved under another could not be reached there.
		if strings.ContainsRune(v, '/') || strings.IndexFunc(v, unicode.IsSpace) >= 0 {
			return CodeBadValue, fmt.Sprintf("%q: an article's key has no spaces or slashes", v)
		}
		if len(v) > 200 {
			return CodeTooLong, fmt.Sprintf("%s is %d bytes long; at most 200 are accepted", c.Name, len(v))
		}
	case checkDateSyntax:
		if _, _, _, ok := dateParts(v); !ok {
			return CodeBadDate, dateSyntaxMessage(v)
		}
	case checkYesNo:
		if _, ok := yesNo(v); !ok {
			return CodeBadValue, fmt.Sprintf("%q is not yes or no", v)
		}
	case checkDate:
		d, ok := parseDate(v)
		if !ok {
			return CodeBadDate, fmt.Sprintf("%q is not a date: write YYYY, YYYY-MM or YYYY-MM-DD, of a day that exists", v)
		}
		// ORCID's schema (common-3.0.xsd, type year) takes no other years.
		if d.Year < "1900" || d.Year > "2100" {
			return CodeBadDate, fmt.Sprintf("%q: ORCID accepts years from 1900 to 2100 only", v)
		}
	case checkURL:
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return CodeBadURL, fmt.Sprintf("%q is not a web address starting with https://", v)
		}
	case checkCountry:
		r, err := language.ParseRegion(v)
		if err != nil || !r.IsCountry() || r.String() != v {
			return CodeBadCountry, fmt.Sprintf("%q is not an ISO 3166-1 country code in capitals, such as US, FR or NZ", v)
		}
	case checkAffiliationKind:
		if _, ok := affiliationKind(v); !ok {
			return CodeUnknownAffiliation, fmt.Sprintf("%q is not an affiliation section (employment, education, qualification, invited-position, distinction, membership, service)", v)
		}
	case checkWorkType:
		if !orcid.IsOneOf(orcid.WorkTypes, v) {
			return CodeUnknownWorkType, fmt.Sprintf("%q is not one of ORCID's work types (journal-article, book, book-chapter, conference-paper, data-set, preprint, ...)", v)
		}
	case checkFundingType:
		return oneOf(CodeBadValue, orcid.FundingTypes, "a funding type")
	case checkExternalIDType:
		if !orcid.IsOneOf(orcid.ExternalIDTypes, v) {
			return CodeUnknownExternalIDType, fmt.Sprintf("%q is not one of ORCID's identifier types (doi, issn, isbn, grant_number, source-work-id, uri, ...)", v)
		}
	case checkRelationship:
		return oneOf(CodeBadValue, orcid.Relationships, "a relationship")
	case checkDisambiguationSource:
		return oneOf(CodeBadValue, orcid.DisambiguationSources, "an organisation registry")
	case checkReviewerRole:
		return oneOf(CodeBadValue, orcid.PeerReviewRoles, "a reviewer role")
	case checkReviewType:
		return oneOf(CodeBadValue, orcid.PeerReviewTypes, "a review type")
	case checkSubjectType:
		if !orcid.IsOneOf(orcid.PeerReviewSubjectTypes, v) {
			return CodeBadValue, fmt.Sprintf("%q is not a subject type (a work type, a funding type or research-resource-proposal)", v)
		}
	case checkLanguage:
		// The store's rule for a person's language (store.CheckLanguage),
		// in its words: the REST API and the admin UI say the same.
		if _, fe := store.CheckLanguage(c.Name, v); fe != nil {
			return fieldCode(fe), fe.Message()
		}
	case checkCurrency:
		if _, err := currency.ParseISO(v); err != nil || strings.ToUpper(v) != v {
			return CodeBadValue, fmt.Sprintf("%q is not an ISO 4217 currency code such as USD or EUR", v)
		}
	case checkContributors:
		for _, c := range splitContributors(v) {
			if c.name == "" {
				return CodeBadValue, fmt.Sprintf("a contributor in %q has no name", v)
			}
			if c.id != "" {
				if _, err := orcid.ParseID(c.id); err != nil {
					return CodeBadORCID, fmt.Sprintf("the ORCID iD of %s, %q, is not valid (wrong form or check digit)", c.name, c.id)
				}
			}
		}
	}
	return "", ""
}

// isEmail reports whether v is an email address as the store takes one
// (store.CheckEmail).
func isEmail(v string) bool { return store.CheckEmail("email", v, true) == nil }

// fieldCode is the problem code of a store FieldError.
func fieldCode(fe *store.FieldError) Code {
	switch fe.Kind {
	case store.FieldRequired:
		return CodeRequired
	case store.FieldTooLong:
		return CodeTooLong
	case store.FieldBadText:
		return CodeBadCharacter
	}
	if fe.Field == "email" {
		return CodeBadEmail
	}
	return CodeBadValue
}

// personColumn is the column of a store.Person's field.
var personColumn = map[string]string{"given_names": "given-names", "family_names": "family-names", "email": "email",
	"external_ref": "person-ref", "language": "language"}

// IsOneOf reports whether v is in list (which need not be sorted).
func IsOneOf(list []string, v string) bool { return slices.Contains(list, v) }

func checkIdentifier(typ, v string) (Code, string) {
	switch typ {
	case "doi":
		d := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(v, "https://doi.org/"), "http://dx.doi.org/"), "doi:")
		if !doiRe.MatchString(d) {
			return CodeBadDOI, fmt.Sprintf("%q is not a DOI (10.<registrant>/<suffix>)", v)
		}
	case "issn":
		if !issnRe.MatchString(v) {
			return CodeBadIdentifier, fmt.Sprintf("%q is not an ISSN (1234-567X)", v)
		}
	case "isbn":
		if d := strings.NewReplacer("-", "", " ", "").Replace(v); len(d) != 10 && len(d) != 13 {
			return CodeBadIdentifier, fmt.Sprintf("%q is not an ISBN (10 or 13 digits)", v)
		}
	}
	return "", ""
}

type contributor struct{ name, id string }

// splitContributors reads "Name <iD>; Name; ...".
func splitContributors(v string) []contributor {
	var out []contributor
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		c := contributor{name: part}
		if i := strings.LastIndexByte(part, '<'); i >= 0 && strings.HasSuffix(part, ">") {
			c.name, c.id = strings.TrimSpace(part[:i]), strings.TrimSpace(part[i+1:len(part)-1])
		}
		out = append(out, c)
	}
	return out
}

// sortedCodes lists the codes of a count map, most frequent first.
func sortedCodes(counts map[Code]int) []Code {
	codes := make([]Code, 0, len(counts))
	for c := range counts {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		if counts[codes[i]] != counts[codes[j]] {
			return counts[codes[i]] > counts[codes[j]]
		}
		return codes[i] < codes[j]
	})
	return codes
}
