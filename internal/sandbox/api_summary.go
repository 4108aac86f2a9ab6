package sandbox

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// Resources outside the item model: the record summary, client details and
// the status checks.

// statusResource recognises ORCID's status paths (OrcidApiConstants
// STATUS_PATH "/status", API_STATUS_PATH "/apiStatus", PUB_STATUS_PATH
// "/pubStatus"): /status on both APIs (MemberV3ApiServiceImplV3_0 and
// PublicV3ApiServiceImplV3_0 viewStatusSimple), /apiStatus on the Member
// API and /pubStatus on the Public API (viewStatusJson).
func statusResource(path string, public bool) (string, bool) {
	switch p := strings.Trim(path, "/"); {
	case p == "status":
		return p, true
	case p == "apiStatus" && !public, p == "pubStatus" && public:
		return p, true
	}
	return "", false
}

// statusMediaTypes are what the status resources produce: JSON only
// (@Produces VND_ORCID_JSON, ORCID_JSON, APPLICATION_JSON, in that order).
var statusMediaTypes = []mediaType{apiMediaTypes[1], apiMediaTypes[3], apiMediaTypes[5]}

// apiStatus answers a status check. ORCID's security context lets
// /v*/status and /v*/apiStatus through anonymously but still checks a
// bearer token that is sent (orcid-api-security-context.xml). The body is
// StatusManagerImpl's map: createStatusMapSimple for /status, createStatusMap
// (database connections, overallOk; 500 when one fails) otherwise.
func (r *Registry) apiStatus(w http.ResponseWriter, a *apiRequest, name string) error {
	req := a.req
	if bearerToken(req) != "" {
		if _, err := r.authenticate(req, a.public); err != nil {
			return err
		}
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return errJAXRS(http.StatusMethodNotAllowed, "")
	}
	mt, ok := negotiateAmong(req.Header.Get("Accept"), statusMediaTypes)
	if !ok {
		return errJAXRS(http.StatusNotAcceptable, "")
	}
	body := `{"tomcatUp":true}`
	status := http.StatusOK
	if name != "status" {
		// The registry has one database; it stands for both of ORCID's.
		db := r.store.db.PingContext(req.Context()) == nil
		body = `{"tomcatUp":true,"dbConnectionOk":` + boolJSON(db) + `,"readOnlyDbConnectionOk":` + boolJSON(db) +
			`,"overallOk":` + boolJSON(db) + `}`
		if !db {
			status = http.StatusInternalServerError
		}
	}
	w.Header().Set("Content-Type", mt.name)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
	return nil
}

func boolJSON(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// negotiateAmong is negotiate restricted to the types a resource produces.
func negotiateAmong(accept string, types []mediaType) (mediaType, bool) {
	ranges := parseAccept(accept)
	if strings.TrimSpace(accept) == "" || len(ranges) == 0 {
		return types[0], true
	}
	best, bestQ, bestSpec := mediaType{}, 0.0, -1
	for _, mt := range types {
		q, spec := match(ranges, mt)
		if spec < 0 || q <= 0 {
			continue
		}
		if q > bestQ || (q == bestQ && spec > bestSpec) {
			best, bestQ, bestSpec = mt, q, spec
		}
	}
	return best, best.name != ""
}

// apiClient is GET /client/{client_id}: the client's name and description
// (ClientSummary). The Member API asks for a token with /read-public
// (MemberV3ApiServiceDelegatorImpl.viewClient: checkScopes(READ_PUBLIC),
// 403 9038); the Public API for nothing. An unknown client is the
// NoResultException of ClientDetailsDaoImpl.getLastModified: 404 9016.
func (r *Registry) apiClient(w http.ResponseWriter, a *apiRequest) error {
	if !a.public && !a.caller.has(ScopeReadPublic) {
		return errNoScope()
	}
	c, err := r.store.Client(a.ctx(), a.putCode)
	if errors.Is(err, ErrNotFound) {
		return errNotFound()
	}
	if err != nil {
		return err
	}
	r.writeEntity(w, a.out, http.StatusOK, &orcid.ClientSummary{Name: c.Name, Description: c.Description})
	return nil
}

// apiRecordSummary is GET /{iD}/summary, built as ORCID-Source
// SummaryManagerImpl.getRecordSummary builds it: from public items only,
// whoever asks (the token needs /read-public: MemberV3ApiServiceDelegatorImpl
// .getRecordSummary). An item is "validated" unless the researcher is its
// source (SourceUtils.isSelfAsserted); a group counts as validated when one
// of its items is (calculateSelfAssertedAndValidated).
func (r *Registry) apiRecordSummary(w http.ResponseWriter, a *apiRequest) error {
	res, err := r.record(a)
	if err != nil {
		return err
	}
	if !a.caller.has(ScopeReadPublic) {
		return errNoScope()
	}
	rows, err := r.store.Items(a.ctx(), a.orcid)
	if err != nil {
		return err
	}
	var items []orcid.Item
	last := res.ModifiedAt
	for _, row := range rows {
		if !orcid.ItemKind(row.Kind).Valid() || row.Visibility != string(orcid.VisibilityPublic) {
			continue
		}
		it, err := r.decodeStored(a, row)
		if err != nil {
			return err
		}
		addNormalized(it)
		items = append(items, it)
		if row.ModifiedAt.After(last) {
			last = row.ModifiedAt
		}
	}
	s := &orcid.RecordSummary{
		CreatedDate:       orcid.NewTimestamp(res.CreatedAt),
		LastModifiedDate:  orcid.NewTimestamp(last),
		OrcidIdentifier:   r.orcidIdentifier(a.out, a.orcid),
		Works:             countGroups(a.orcid, items, orcid.KindWork),
		Fundings:          countGroups(a.orcid, items, orcid.KindFunding),
		ResearchResources: countGroups(a.orcid, items, orcid.KindResearchResource),
		PeerReviews:       peerReviewCounts(a.orcid, items),
		// The registry's one email is private, so no domain is public
		// (ProfileEmailDomainManagerReadOnly.getPublicEmailDomains).
		EmailDomains: &orcid.SummaryEmailDomains{},
	}
	// fetchDisplayablePublicName: the credit name, else the given and
	// family names, when the names are public.
	if res.NamesVisibility == string(orcid.VisibilityPublic) {
		s.CreditName = res.DisplayName()
	}
	for _, it := range items {
		if p, ok := it.(*orcid.PersonExternalIdentifier); ok {
			if s.ExternalIdentifiers == nil {
				s.ExternalIdentifiers = &orcid.SummaryExternalIdentifiers{}
			}
			s.ExternalIdentifiers.ExternalIdentifier = append(s.ExternalIdentifiers.ExternalIdentifier, orcid.SummaryExternalIdentifier{
				PutCode: p.PutCode, Type: p.Type, Value: p.Value, URL: p.URL.String(), Validated: !selfAsserted(a.orcid, p),
			})
		}
	}
	now := r.now()
	today := orcid.NewFuzzyDate(now.Year(), int(now.Month()), now.Day())
	emp, empTop := summaryAffiliations(a.orcid, today, items, orcid.KindEmployment)
	s.Employments = &orcid.SummaryAffiliations{Count: emp, Employment: empTop}
	pa, paTop := summaryAffiliations(a.orcid, today, items, orcid.KindDistinction, orcid.KindInvitedPosition, orcid.KindMembership, orcid.KindService)
	s.ProfessionalActivities = &orcid.SummaryAffiliations{Count: pa, ProfessionalActivity: paTop}
	eq, eqTop := summaryAffiliations(a.orcid, today, items, orcid.KindEducation, orcid.KindQualification)
	s.EducationQualifications = &orcid.SummaryAffiliations{Count: eq, EducationQualification: eqTop}
	r.writeEntity(w, a.out, http.StatusOK, s)
	return nil
}

// selfAsserted is SourceUtils.isSelfAsserted: the researcher is the source
// (the registry has no assertion origins).
func selfAsserted(orcidID string, it orcid.Item) bool {
	return it.GetSource().SourcePath() == orcidID
}

// countGroups groups the public items of kind as the section does and
// counts the groups with a validated item and the others.
func countGroups(orcidID string, items []orcid.Item, kind orcid.ItemKind) *orcid.SummaryCounts {
	var mine []orcid.Item
	for _, it := range items {
		if it.ItemKind() == kind {
			mine = append(mine, it)
		}
	}
	c := &orcid.SummaryCounts{}
	for _, g := range groupItems(mine) {
		if slices.ContainsFunc(g, func(it orcid.Item) bool { return !selfAsserted(orcidID, it) }) {
			c.ValidatedCount++
		} else {
			c.SelfAssertedCount++
		}
	}
	return c
}

// groupItems groups items of one kind by shared identifiers, as their
// section groups them.
func groupItems(items []orcid.Item) [][]orcid.Item {
	byPutCode := map[int64]orcid.Item{}
	for _, it := range items {
		byPutCode[it.GetPutCode()] = it
	}
	var out [][]orcid.Item
	add := func(pcs []int64) {
		var g []orcid.Item
		for _, pc := range pcs {
			g = append(g, byPutCode[pc])
		}
		out = append(out, g)
	}
	if len(items) == 0 {
		return nil
	}
	sec, err := orcid.BuildSection(items[0].ItemKind(), "", items)
	if err != nil {
		return nil
	}
	switch s := sec.(type) {
	case *orcid.Works:
		for _, g := range s.Groups {
			var pcs []int64
			for _, m := range g.Summaries {
				pcs = append(pcs, m.PutCode)
			}
			add(pcs)
		}
	case *orcid.Fundings:
		for _, g := range s.Groups {
			var pcs []int64
			for _, m := range g.Summaries {
				pcs = append(pcs, m.PutCode)
			}
			add(pcs)
		}
	case *orcid.ResearchResources:
		for _, g := range s.Groups {
			var pcs []int64
			for _, m := range g.Summaries {
				pcs = append(pcs, m.PutCode)
			}
			add(pcs)
		}
	case *orcid.Affiliations:
		for _, g := range s.Groups {
			var pcs []int64
			for _, m := range g.Summaries {
				pcs = append(pcs, m.PutCode)
			}
			add(pcs)
		}
	}
	return out
}

// peerReviewCounts is generatePeerReviewSummary over
// getPeerReviewMinimizedSummaryList: one entry per review group
// (publication grants), the entries whose source is the researcher, and
// every review.
func peerReviewCounts(orcidID string, items []orcid.Item) *orcid.SummaryPeerReviews {
	c := &orcid.SummaryPeerReviews{}
	type key struct{ group, source string }
	seen := map[key]bool{}
	for _, it := range items {
		p, ok := it.(*orcid.PeerReview)
		if !ok {
			continue
		}
		c.Total++
		k := key{p.ReviewGroupID, p.GetSource().SourcePath()}
		if !seen[k] {
			seen[k] = true
			c.PeerReviewPublicationGrants++
			if k.source == orcidID {
				c.SelfAssertedCount++
			}
		}
	}
	return c
}

// summaryAffiliations is generateAffiliationsSummary for one family of
// kinds: the number of groups, and the first three of the groups' default
// items (the highest display-index) by end date, latest first, where a
// missing end date counts as today. ORCID sets a distinction's end date to
// its start date for the sort and does not undo it, so the summary shows it.
func summaryAffiliations(orcidID string, today *orcid.FuzzyDate, items []orcid.Item, kinds ...orcid.ItemKind) (int, []orcid.SummaryAffiliation) {
	var picked []*orcid.Affiliation
	for _, k := range kinds {
		var mine []orcid.Item
		for _, it := range items {
			if it.ItemKind() == k {
				mine = append(mine, it)
			}
		}
		for _, g := range groupItems(mine) {
			var best *orcid.Affiliation
			bestIdx := int64(-1)
			for _, it := range g {
				af := it.(*orcid.Affiliation)
				// ORCID parses the string; null counts as 0.
				idx, _ := strconv.ParseInt(af.DisplayIndex, 10, 64)
				if idx > bestIdx {
					best, bestIdx = af, idx
				}
			}
			c := *best
			picked = append(picked, &c)
		}
	}
	end := func(af *orcid.Affiliation) *orcid.FuzzyDate {
		if af.EndDate == nil || af.EndDate.Year == "" {
			return today
		}
		return af.EndDate
	}
	for _, af := range picked {
		if af.Kind == orcid.KindDistinction && af.StartDate != nil && af.StartDate.Year != "" {
			af.EndDate = af.StartDate
		}
	}
	// List.sort is stable; ORCID sorts ascending and reverses.
	slices.SortStableFunc(picked, func(x, y *orcid.Affiliation) int { return orcid.CompareFuzzyDates(end(x), end(y)) })
	slices.Reverse(picked)
	var top []orcid.SummaryAffiliation
	for _, af := range picked[:min(3, len(picked))] {
		sa := orcid.SummaryAffiliation{
			PutCode: af.PutCode, Type: string(af.Kind), Role: af.RoleTitle, URL: strings.TrimSpace(af.URL.String()),
			StartDate: af.StartDate, EndDate: af.EndDate, Validated: !selfAsserted(orcidID, af),
		}
		if af.Organization != nil {
			sa.OrganizationName = af.Organization.Name
		}
		top = append(top, sa)
	}
	return len(picked), top
}
