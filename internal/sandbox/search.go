package sandbox

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// Search on both APIs: GET /search, /expanded-search and /csv-search, as
// ORCID-Source serves them (MemberV3ApiServiceImplV3_0 and
// PublicV3ApiServiceImplV3_0 pass every query parameter to the delegators;
// MemberV3ApiServiceDelegatorImpl and PublicV3ApiServiceDelegatorImpl
// validate rows and start; v3 OrcidSearchManagerImpl and
// OrcidSolrProfileClient query Solr and shape the answer; CSVSolrClient
// asks Solr for CSV). The index and the query language are in
// search_index.go and search_query*.go (the query's terms and matching,
// its lexer, its parser).

// Limits of ORCID's v3 search (orcid-core v3 OrcidSearchManager).
const (
	searchDefaultRows = 1000  // DEFAULT_SEARCH_ROWS
	searchMaxRows     = 1000  // MAX_SEARCH_ROWS
	searchMaxStart    = 10000 // MAX_SEARCH_START, for anonymous Public API callers only
)

// Texts of api_en.properties: ORCID formats the limits with MessageFormat,
// hence the thousands separator. The Member API resolves the rows message
// without arguments when rows is not a number, so Spring leaves "{0}" as
// it is.
const (
	msgSearchRows          = "The rows parameter must be an integer between 0 and 1,000"
	msgSearchRowsNoArg     = "The rows parameter must be an integer between 0 and {0}"
	msgSearchStart         = "The start parameter for API users without credentials must be an integer between 0 and 10,000"
	searchPath             = "search"
	expandedSearchPath     = "expanded-search"
	csvSearchPath          = "csv-search"
	csvMediaType           = "text/csv"
	csvMultiValueSeparator = ","
)

// searchAllowedFields are SolrConstants.ALLOWED_FIELDS: what fl may ask
// for, in the default order.
var searchAllowedFields = []string{"orcid", "email", "given-names", "family-name", "given-and-family-names",
	"current-institution-affiliation-name", "past-institution-affiliation-name", "credit-name", "other-names"}

// searchResults is search:search (search-3.0.xsd). In JSON an empty result
// list is null, as ORCID's Search leaves the list unset when nothing was
// found.
type searchResults struct {
	XMLName  xml.Name       `xml:"http://www.orcid.org/ns/search search" json:"-"`
	Results  []searchResult `xml:"http://www.orcid.org/ns/search result" json:"result"`
	NumFound int64          `xml:"num-found,attr" json:"num-found"`
}

type searchResult struct {
	OrcidIdentifier *orcid.OrcidIdentifier `xml:"http://www.orcid.org/ns/common orcid-identifier" json:"orcid-identifier"`
}

// expandedSearchResults is expanded-search:expanded-search
// (expanded-search-3.0.xsd).
type expandedSearchResults struct {
	XMLName  xml.Name         `xml:"http://www.orcid.org/ns/expanded-search expanded-search" json:"-"`
	Results  []expandedResult `xml:"http://www.orcid.org/ns/expanded-search expanded-result" json:"expanded-result"`
	NumFound int64            `xml:"num-found,attr" json:"num-found"`
}

// expandedResult is one expanded-result. OrcidSearchManagerImpl
// .getExpandedResult always sets the three lists (empty when Solr has no
// value) and leaves absent names null.
type expandedResult struct {
	OrcidID          *string  `xml:"http://www.orcid.org/ns/expanded-search orcid-id,omitempty" json:"orcid-id"`
	GivenNames       *string  `xml:"http://www.orcid.org/ns/expanded-search given-names,omitempty" json:"given-names"`
	FamilyNames      *string  `xml:"http://www.orcid.org/ns/expanded-search family-names,omitempty" json:"family-names"`
	CreditName       *string  `xml:"http://www.orcid.org/ns/expanded-search credit-name,omitempty" json:"credit-name"`
	OtherNames       []string `xml:"http://www.orcid.org/ns/expanded-search other-name" json:"other-name"`
	Emails           []string `xml:"http://www.orcid.org/ns/expanded-search email" json:"email"`
	InstitutionNames []string `xml:"http://www.orcid.org/ns/expanded-search institution-name" json:"institution-name"`
}

// searchParams are the query parameters ORCID uses. Like ORCID, only the
// first value of a repeated parameter counts.
type searchParams struct {
	q         string
	rows      int
	start     int
	fl        []string // allowed fields asked for, in order ("" = all)
	defFields []string // qf of a dismax or edismax request
	csvHeader bool
}

// parseSearchParams validates rows and start as the delegators do
// (validateSearchParams): rows first, then start, and start only for an
// anonymous Public API caller. What ORCID leaves to Solr (a negative or
// malformed start from a caller with credentials) fails as Solr's error
// does: a 500.
func (r *Registry) parseSearchParams(a *apiRequest) (searchParams, error) {
	qv := a.req.URL.Query()
	p := searchParams{q: qv.Get("q"), rows: searchDefaultRows, csvHeader: true}
	if _, ok := qv["rows"]; ok {
		n, err := strconv.ParseInt(qv.Get("rows"), 10, 32)
		switch {
		case err != nil && !a.public:
			return p, newAPIError(9012, nil, msgSearchRowsNoArg)
		case err != nil || n < 0 || n > searchMaxRows:
			return p, newAPIError(9012, nil, msgSearchRows)
		}
		p.rows = int(n)
	}
	if s, ok := qv["start"]; ok {
		n, err := strconv.ParseInt(s[0], 10, 32)
		anonymous := a.public && a.caller.token == nil
		switch {
		case anonymous && err != nil:
			return p, newAPIError(9012, nil, msgSearchStart)
		case anonymous && (n < 0 || n > searchMaxStart):
			return p, newAPIError(9043, nil, msgSearchStart)
		case err != nil:
			return p, errInternal(fmt.Sprintf("org.apache.solr.common.SolrException: For input string: \"%s\"", s[0]))
		case n < 0:
			return p, errInternal("org.apache.solr.common.SolrException: 'start' parameter cannot be negative")
		}
		p.start = int(n)
	}
	if len(p.q) > maxQueryLength {
		// The emulator's own bound: ORCID's front end refuses URLs of a few
		// kilobytes before the API sees them.
		return p, errJAXRS(http.StatusRequestURITooLong, fmt.Sprintf("q is longer than %d bytes", maxQueryLength))
	}
	// getFieldList: only allowed fields, in the order asked; none left (or
	// no fl) means all of them.
	if fl, ok := qv["fl"]; ok {
		for _, f := range strings.Split(fl[0], ",") {
			if slices.Contains(searchAllowedFields, f) {
				p.fl = append(p.fl, f)
			}
		}
	}
	if len(p.fl) == 0 {
		p.fl = searchAllowedFields
	}
	if dt := qv.Get("defType"); dt == "edismax" || dt == "dismax" {
		for _, f := range strings.Fields(qv.Get("qf")) {
			name, _, _ := strings.Cut(f, "^")
			p.defFields = append(p.defFields, name)
		}
	}
	p.csvHeader = qv.Get("csv.header") != "false"
	return p, nil
}

// runSearch evaluates the query over the index and returns the total
// number of hits and the page asked for, best first; ties keep the order
// in which records were registered.
func (r *Registry) runSearch(a *apiRequest, p searchParams) (int, []*searchDoc, error) {
	q, err := parseSearchQuery(p.q, p.defFields, r.now())
	if err != nil {
		var se *querySyntaxError
		if errors.As(err, &se) {
			return 0, nil, errInternal(se.msg)
		}
		return 0, nil, err
	}
	if q == nil {
		return 0, nil, nil
	}
	docs, err := r.searchDocs(a.ctx(), a)
	if err != nil {
		return 0, nil, err
	}
	type hit struct {
		d     *searchDoc
		score int
	}
	var hits []hit
	for _, d := range docs {
		if ok, s := q.match(d); ok {
			hits = append(hits, hit{d, s})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	var page []*searchDoc
	for i := p.start; i < len(hits) && len(page) < p.rows; i++ {
		page = append(page, hits[i].d)
	}
	return len(hits), page, nil
}

// apiSearch is GET /search: the iDs found. The Member API checks the
// token for /read-public first (MemberV3ApiServiceDelegatorImpl
// .searchByQuery: checkScopes, 403 9038); the Public API and the other two
// search resources check no scope.
func (r *Registry) apiSearch(w http.ResponseWriter, a *apiRequest) error {
	if !a.public && !a.caller.has(ScopeReadPublic) {
		return errNoScope()
	}
	p, err := r.parseSearchParams(a)
	if err != nil {
		return err
	}
	n, page, err := r.runSearch(a, p)
	if err != nil {
		return err
	}
	out := &searchResults{NumFound: int64(n)}
	for _, d := range page {
		out.Results = append(out.Results, searchResult{OrcidIdentifier: r.orcidIdentifier(a.out, d.orcid)})
	}
	r.writeEntity(w, a.out, http.StatusOK, out)
	return nil
}

// apiExpandedSearch is GET /expanded-search: names, emails and
// institutions of each hit, from the index (public data only). fl limits
// the fields filled, as ORCID passes it to Solr.
func (r *Registry) apiExpandedSearch(w http.ResponseWriter, a *apiRequest) error {
	p, err := r.parseSearchParams(a)
	if err != nil {
		return err
	}
	n, page, err := r.runSearch(a, p)
	if err != nil {
		return err
	}
	out := &expandedSearchResults{NumFound: int64(n)}
	want := func(f string) bool { return slices.Contains(p.fl, f) }
	one := func(f string, d *searchDoc) *string {
		if !want(f) || len(d.vals[f]) == 0 {
			return nil
		}
		v := d.vals[f][0]
		return &v
	}
	many := func(f string, d *searchDoc) []string {
		if !want(f) {
			return []string{}
		}
		return append([]string{}, d.vals[f]...)
	}
	for _, d := range page {
		er := expandedResult{
			OrcidID: one("orcid", d), GivenNames: one("given-names", d), FamilyNames: one("family-name", d),
			CreditName: one("credit-name", d), OtherNames: many("other-names", d), Emails: many("email", d),
		}
		// Current then past institutions, de-duplicated and sorted
		// (getExpandedResult puts them in a TreeSet).
		inst := append(many("current-institution-affiliation-name", d), many("past-institution-affiliation-name", d)...)
		slices.Sort(inst)
		er.InstitutionNames = slices.Compact(inst)
		out.Results = append(out.Results, er)
	}
	r.writeEntity(w, a.out, http.StatusOK, out)
	return nil
}

// csvAcceptable is JAX-RS matching for a resource that produces text/csv
// only.
func csvAcceptable(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, ar := range parseAccept(accept) {
		if ar.q <= 0 {
			continue
		}
		if (ar.typ == "text" && (ar.sub == "csv" || ar.sub == "*")) || (ar.typ == "*" && ar.sub == "*") {
			return true
		}
	}
	return false
}

// apiCSVSearch is GET /csv-search: Solr's CSV response writer over the
// fields of fl. Solr writes a header line (unless csv.header=false, which
// ORCID passes on) and joins the values of a multi-valued field with ",",
// quoting the cell.
func (r *Registry) apiCSVSearch(w http.ResponseWriter, a *apiRequest) error {
	p, err := r.parseSearchParams(a)
	if err != nil {
		return err
	}
	_, page, err := r.runSearch(a, p)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	if p.csvHeader {
		if err := cw.Write(p.fl); err != nil {
			return err
		}
	}
	for _, d := range page {
		row := make([]string, len(p.fl))
		for i, f := range p.fl {
			vals := d.vals[f]
			esc := make([]string, len(vals))
			for j, v := range vals {
				// csv.mv.escape: a separator inside a value is escaped.
				esc[j] = strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), csvMultiValueSeparator, `\`+csvMultiValueSeparator)
			}
			row[i] = strings.Join(esc, csvMultiValueSeparator)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", csvMediaType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if a.req.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
	return nil
}
