package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// decodeStored turns a row back into its model item. The row, not the
// stored body, is the authority for put-code, visibility, dates and source,
// so those are set from it: the body may predate a change of client name.
func (r *Registry) decodeStored(a *apiRequest, row StoredItem) (orcid.Item, error) {
	k := orcid.ItemKind(row.Kind)
	item := orcid.NewItem(k)
	if item == nil {
		return nil, fmt.Errorf("stored item %d has unknown kind %q", row.PutCode, row.Kind)
	}
	if err := json.Unmarshal(row.Body, item); err != nil {
		return nil, fmt.Errorf("stored item %d (%s): %w", row.PutCode, row.Kind, err)
	}
	item.SetPutCode(row.PutCode)
	setDisplayIndex(item, row.DisplayIndex)
	item.SetPath(k.ItemPath(row.ORCID, row.PutCode))
	item.SetVisibility(orcid.Visibility(row.Visibility))
	item.SetDates(row.CreatedAt, row.ModifiedAt)
	src, err := r.itemSource(a, row.ORCID, row.SourceClientID, false)
	if err != nil {
		return nil, err
	}
	item.SetSource(src)
	return item, nil
}

// itemSource is the common:source of an item: the client that wrote it, or
// the researcher ("" client). ORCID fills source-name in at read time, so a
// renamed client shows its new name on old items. stored asks for the form
// kept in the database rather than the one for this response.
func (r *Registry) itemSource(a *apiRequest, orcidID, clientID string, stored bool) (*orcid.Source, error) {
	if a.names == nil {
		a.names = map[string]string{}
	}
	out := a.out
	if stored {
		out = mediaType{json: true}
	}
	if clientID == "" {
		name, ok := a.names["orcid:"+orcidID]
		if !ok {
			res, err := r.store.Researcher(a.ctx(), orcidID)
			if err != nil {
				return nil, err
			}
			name = res.DisplayName()
			a.names["orcid:"+orcidID] = name
		}
		return &orcid.Source{SourceOrcid: r.orcidIdentifier(out, orcidID), SourceName: orcid.NewText(name)}, nil
	}
	name, ok := a.names[clientID]
	if !ok {
		c, err := r.store.Client(a.ctx(), clientID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		// A client removed since keeps its id on its items, without a name.
		name = c.Name
		a.names[clientID] = name
	}
	return &orcid.Source{SourceClientID: r.clientIdentifier(out, clientID), SourceName: orcid.NewText(name)}, nil
}

// The XSDs only admit iD and client URIs on an orcid.org host (or ORCID's
// own development setup). The emulator's URIs, on its own base URL, are the
// true ones, so JSON carries them; XML leaves the uri element out when it
// would not validate, which the schema allows because path and host still
// identify the iD or client.
var (
	xsdOrcidURI  = regexp.MustCompile(`^https://([^/]*orcid\.org|localhost.*/orcid-web)/(\d{4}-){3,}\d{3}[\dX]$`)
	xsdClientURI = regexp.MustCompile(`^https://([^/]*orcid\.org|localhost.*/orcid-web)/client/(APP-[\da-zA-Z]{16}|(\d{4}-){3,}\d{3}[\dX])$`)
)

func (r *Registry) orcidIdentifier(mt mediaType, orcidID string) *orcid.OrcidIdentifier {
	oi := &orcid.OrcidIdentifier{URI: r.IDURI(orcidID), Path: orcidID, Host: r.Host()}
	if !mt.json && !xsdOrcidURI.MatchString(oi.URI) {
		oi.URI = ""
	}
	return oi
}

func (r *Registry) clientIdentifier(mt mediaType, clientID string) *orcid.OrcidIdentifier {
	oi := &orcid.OrcidIdentifier{URI: r.BaseURL() + "/client/" + clientID, Path: clientID, Host: r.Host()}
	if !mt.json && !xsdClientURI.MatchString(oi.URI) {
		oi.URI = ""
	}
	return oi
}

// loadItems returns the record's items of the given kinds (all when none)
// that the caller may see, oldest first.
func (r *Registry) loadItems(a *apiRequest, kinds ...orcid.ItemKind) ([]orcid.Item, error) {
	ks := make([]string, len(kinds))
	for i, k := range kinds {
		ks[i] = string(k)
	}
	rows, err := r.store.Items(a.ctx(), a.orcid, ks...)
	if err != nil {
		return nil, err
	}
	out := make([]orcid.Item, 0, len(rows))
	for _, row := range rows {
		k := orcid.ItemKind(row.Kind)
		if !k.Valid() {
			// Not an API item (the site may keep other things); ORCID's
			// record has no place for it.
			continue
		}
		if !a.caller.visible(orcid.Visibility(row.Visibility), row.SourceClientID, readScope(k)) {
			continue
		}
		it, err := r.decodeStored(a, row)
		if err != nil {
			return nil, err
		}
		addNormalized(it)
		out = append(out, it)
	}
	return out, nil
}

func (r *Registry) apiRecord(w http.ResponseWriter, a *apiRequest) error {
	res, err := r.record(a)
	if err != nil {
		return err
	}
	items, err := r.loadItems(a)
	if err != nil {
		return err
	}
	person, err := r.buildPerson(a, res, items)
	if err != nil {
		return err
	}
	acts, err := orcid.BuildActivitiesSummary(a.orcid, items)
	if err != nil {
		return err
	}
	rec := &orcid.Record{
		Path:              "/" + a.orcid,
		OrcidIdentifier:   r.orcidIdentifier(a.out, a.orcid),
		Preferences:       &orcid.Preferences{Locale: "en"},
		History:           r.history(res, person, acts),
		Person:            person,
		ActivitiesSummary: acts,
	}
	r.writeEntity(w, a.out, http.StatusOK, rec)
	return nil
}

// history is the record's history. Records in the sandbox are created by
// their owner (registration, seed, control API); an unclaimed one is not
// claimed, and one registered on the page is unverified until its link is
// followed.
func (r *Registry) history(res Researcher, p *orcid.Person, acts *orcid.ActivitiesSummary) *orcid.History {
	last := res.ModifiedAt
	for _, t := range []*orcid.Timestamp{p.LastModifiedDate, acts.LastModifiedDate} {
		if t != nil && t.After(last) {
			last = t.Time
		}
	}
	// An unclaimed record (states.go) shows claimed false once it may be read.
	claimed := res.State != StateUnclaimed
	return &orcid.History{
		CreationMethod: "Direct",
		// No completion-date: ORCID sets completed_date only when an
		// unclaimed record is claimed (ProfileEntityManagerImpl
		// .claimProfileAndUpdatePreferences); it is null in record-full-3.0.json.
		SubmissionDate:   orcid.NewTimestamp(res.CreatedAt),
		LastModifiedDate: orcid.NewTimestamp(last),
		Claimed:          &claimed,
		// RecordManagerReadOnlyImpl.getHistory: whether any email, and
		// the primary one, is verified (security.go).
		VerifiedEmail:        res.EmailVerified,
		VerifiedPrimaryEmail: res.EmailVerified,
	}
}

func (r *Registry) apiPerson(w http.ResponseWriter, a *apiRequest) error {
	res, err := r.record(a)
	if err != nil {
		return err
	}
	items, err := r.loadItems(a, personKinds()...)
	if err != nil {
		return err
	}
	p, err := r.buildPerson(a, res, items)
	if err != nil {
		return err
	}
	r.writeEntity(w, a.out, http.StatusOK, p)
	return nil
}

func personKinds() []orcid.ItemKind {
	var ks []orcid.ItemKind
	for _, k := range orcid.Kinds() {
		if k.IsPerson() {
			ks = append(ks, k)
		}
	}
	return ks
}

func activityKinds() []orcid.ItemKind {
	var ks []orcid.ItemKind
	for _, k := range orcid.Kinds() {
		if k.IsActivity() {
			ks = append(ks, k)
		}
	}
	return ks
}

// buildPerson assembles person:person from the visible person items and
// the researcher's name, biography and email, each filtered by its own
// visibility.
func (r *Registry) buildPerson(a *apiRequest, res Researcher, items []orcid.Item) (*orcid.Person, error) {
	p, err := orcid.BuildPerson(a.orcid, items)
	if err != nil {
		return nil, err
	}
	p.Name = r.name(a, res)
	if p.Name != nil {
		p.Name.Path = a.orcid
	}
	if bio := r.biography(a, res); bio != nil && bio.Content != "" {
		p.Biography = bio
	}
	p.Emails = r.emails(a, res)
	if p.Name != nil || p.Biography != nil {
		if p.LastModifiedDate == nil || res.ModifiedAt.After(p.LastModifiedDate.Time) {
			p.LastModifiedDate = orcid.NewTimestamp(res.ModifiedAt)
		}
	}
	return p, nil
}

// name is the researcher's name if the caller may see it, else nil.
func (r *Registry) name(a *apiRequest, res Researcher) *orcid.Name {
	vis := orcid.Visibility(res.NamesVisibility)
	if !a.caller.visible(vis, "", ScopePersonLimited) {
		return nil
	}
	return &orcid.Name{
		Visibility:       vis,
		CreatedDate:      orcid.NewTimestamp(res.CreatedAt),
		LastModifiedDate: orcid.NewTimestamp(res.ModifiedAt),
		GivenNames:       orcid.NewText(res.GivenNames),
		FamilyName:       orcid.NewText(res.FamilyNames),
		CreditName:       orcid.NewText(res.CreditName),
	}
}

// biographyVisibility: the registry keeps no separate setting for the
// biography, so it follows the researcher's default visibility, which is
// what ORCID gives a biography entered after registration.
func biographyVisibility(res Researcher) orcid.Visibility {
	return orcid.Visibility(res.DefaultVisibility)
}

// biography is the researcher's biography if there is one the caller may
// see, else nil.
func (r *Registry) biography(a *apiRequest, res Researcher) *orcid.Biography {
	vis := biographyVisibility(res)
	if res.Biography == "" || !a.caller.visible(vis, "", ScopePersonLimited) {
		return nil
	}
	return &orcid.Biography{
		Visibility:       vis,
		Path:             "/" + a.orcid + "/biography",
		CreatedDate:      orcid.NewTimestamp(res.CreatedAt),
		LastModifiedDate: orcid.NewTimestamp(res.ModifiedAt),
		Content:          res.Biography,
	}
}

// emailVisibility: ORCID makes the primary email private at registration;
// the registry keeps it so.
const emailVisibility = orcid.VisibilityPrivate

func (r *Registry) emails(a *apiRequest, res Researcher) *orcid.Emails {
	es := &orcid.Emails{Path: "/" + a.orcid + "/email"}
	// The API lists verified emails only: MemberV3ApiServiceDelegatorImpl
	// .viewEmails reads getVerifiedEmails, and the person and record
	// sections getPersonDetails(orcid, false), which leaves unverified
	// emails out. So what is listed always says verified true.
	if res.Email == "" || !res.EmailVerified || !a.caller.canSeeEmail(emailVisibility) {
		return es
	}
	yes := true
	e := orcid.Email{Verified: &yes, Primary: &yes, Email: res.Email}
	e.Visibility = emailVisibility
	e.SetDates(res.CreatedAt, res.ModifiedAt)
	e.Source = &orcid.Source{SourceOrcid: r.orcidIdentifier(a.out, a.orcid), SourceName: orcid.NewText(res.DisplayName())}
	es.Email = []orcid.Email{e}
	es.LastModifiedDate = orcid.NewTimestamp(res.ModifiedAt)
	return es
}

func (r *Registry) apiActivities(w http.ResponseWriter, a *apiRequest) error {
	if _, err := r.record(a); err != nil {
		return err
	}
	items, err := r.loadItems(a, activityKinds()...)
	if err != nil {
		return err
	}
	acts, err := orcid.BuildActivitiesSummary(a.orcid, items)
	if err != nil {
		return err
	}
	r.writeEntity(w, a.out, http.StatusOK, acts)
	return nil
}

func (r *Registry) apiPersonalDetails(w http.ResponseWriter, a *apiRequest) error {
	res, err := r.record(a)
	if err != nil {
		return err
	}
	items, err := r.loadItems(a, orcid.KindOtherName)
	if err != nil {
		return err
	}
	sec, err := orcid.BuildSection(orcid.KindOtherName, a.orcid, items)
	if err != nil {
		return err
	}
	pd := &orcid.PersonalDetails{
		Path:       "/" + a.orcid + "/personal-details",
		Name:       r.name(a, res),
		OtherNames: sec.(*orcid.OtherNames),
		Biography:  r.biography(a, res),
	}
	if pd.Name != nil {
		pd.Name.Path = a.orcid
	}
	pd.LastModifiedDate = pd.OtherNames.LastModifiedDate
	if pd.Name != nil || pd.Biography != nil {
		if pd.LastModifiedDate == nil || res.ModifiedAt.After(pd.LastModifiedDate.Time) {
			pd.LastModifiedDate = orcid.NewTimestamp(res.ModifiedAt)
		}
	}
	r.writeEntity(w, a.out, http.StatusOK, pd)
	return nil
}

// apiBiography: no biography is 404 9041; one the caller may not see is
// ORCID's visibility error (the single-element rules, not filtering).
func (r *Registry) apiBiography(w http.ResponseWriter, a *apiRequest) error {
	res, err := r.record(a)
	if err != nil {
		return err
	}
	if res.Biography == "" {
		return newAPIError(9041, nil, "")
	}
	vis := biographyVisibility(res)
	if err := a.caller.canSee(vis, "", ScopePersonLimited); err != nil {
		return err
	}
	r.writeEntity(w, a.out, http.StatusOK, r.biography(a, res))
	return nil
}

func (r *Registry) apiEmails(w http.ResponseWriter, a *apiRequest) error {
	res, err := r.record(a)
	if err != nil {
		return err
	}
	r.writeEntity(w, a.out, http.StatusOK, r.emails(a, res))
	return nil
}

func (r *Registry) apiSection(w http.ResponseWriter, a *apiRequest) error {
	if _, err := r.record(a); err != nil {
		return err
	}
	items, err := r.loadItems(a, a.kind)
	if err != nil {
		return err
	}
	sec, err := orcid.BuildSection(a.kind, a.orcid, items)
	if err != nil {
		return err
	}
	r.writeEntity(w, a.out, http.StatusOK, sec)
	return nil
}

// storedItem fetches one item of the record by the path's kind and
// put-code. Put-codes are numbered per kind (migration 00004), so the
// put-code of another kind's item finds nothing, or another item, as at
// ORCID, where each kind is its own table: a DAO's getSingleResult finds
// no row, 404 9016. Affiliations share one table; reading one through
// another affiliation kind's path is ORCID's checkType error, 400 9006
// (AffiliationsManagerReadOnlyImpl), while writes find no item here (404).
func (r *Registry) storedItem(a *apiRequest, putCode int64) (StoredItem, error) {
	row, err := r.store.Item(a.ctx(), a.orcid, string(a.kind), putCode)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return row, errNotFound()
		}
		return row, err
	}
	if row.Kind != string(a.kind) {
		if (a.op == opRead || a.op == opReadSummary) && a.kind.IsAffiliation() && orcid.ItemKind(row.Kind).IsAffiliation() {
			return row, newAPIError(9006, nil, fmt.Sprintf("Given affiliation %d doesn't match the desired type %s", putCode, a.kind))
		}
		return row, errNotFound()
	}
	return row, nil
}

func (r *Registry) apiReadItem(w http.ResponseWriter, a *apiRequest) error {
	pc, err := a.parsePutCode()
	if err != nil {
		return err
	}
	if _, err := r.record(a); err != nil {
		return err
	}
	row, err := r.storedItem(a, pc)
	if err != nil {
		return err
	}
	if err := a.caller.canSee(orcid.Visibility(row.Visibility), row.SourceClientID, readScope(a.kind)); err != nil {
		return err
	}
	it, err := r.decodeStored(a, row)
	if err != nil {
		return err
	}
	addNormalized(it)
	var out any = orcid.AsFullItem(it)
	if a.op == opReadSummary {
		out = orcid.SummaryOf(it)
	}
	r.writeEntity(w, a.out, http.StatusOK, out)
	return nil
}

// maxBulkRead is ORCID's org.orcid.core.works.bulk.read.max.
const maxBulkRead = 100

// apiBulkRead is GET /works/{pc1,pc2,...}: full works in the order asked,
// and an error entry for each put-code that is not a work of the record or
// may not be seen, as ORCID's WorkManagerReadOnlyImpl.findWorkBulk does.
func (r *Registry) apiBulkRead(w http.ResponseWriter, a *apiRequest) error {
	if _, err := r.record(a); err != nil {
		return err
	}
	parts := strings.Split(a.putCode, ",")
	if len(parts) > maxBulkRead {
		return newAPIError(9042, nil, fmt.Sprintf("Too many put codes specified: maximum is %d", maxBulkRead))
	}
	codes := make([]int64, len(parts))
	for i, p := range parts {
		pc, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			// Java's Long.parseLong: a NumberFormatException, which ORCID's
			// mapper reports as the IllegalArgumentException it extends.
			return newAPIError(9006, nil, fmt.Sprintf("For input string: \"%s\"", p))
		}
		codes[i] = pc
	}
	// Without the read-limited scope only public works (and the client's
	// own) come back; a token without even /read-public gets nothing.
	limitedOK := a.caller.public || a.caller.has(ScopeActivitiesLimited)
	if !a.caller.public && !limitedOK && !a.caller.has(ScopeReadPublic) {
		return errNoScope()
	}
	bulk := &orcid.Bulk{}
	var missing []int64
	for _, pc := range codes {
		row, err := r.storedItem(a, pc)
		if err != nil {
			if ae, ok := err.(*apiError); ok && ae.code == 9016 {
				missing = append(missing, pc)
				continue
			}
			return err
		}
		vis := orcid.Visibility(row.Visibility)
		switch {
		case vis == orcid.VisibilityPublic:
		case a.caller.public:
			bulk.Items = append(bulk.Items, orcid.BulkItem{Error: newAPIError(9039, nil, "").body()})
			continue
		case row.SourceClientID != "" && row.SourceClientID == a.caller.clientID():
		case !limitedOK || vis == orcid.VisibilityPrivate:
			bulk.Items = append(bulk.Items, orcid.BulkItem{Error: newAPIError(9013, nil, "").body()})
			continue
		}
		it, err := r.decodeStored(a, row)
		if err != nil {
			return err
		}
		addNormalized(it)
		bulk.Items = append(bulk.Items, orcid.BulkItem{Work: orcid.AsFullItem(it).(*orcid.Work)})
	}
	for _, pc := range missing {
		e := newAPIError(9034, map[string]string{"clientName": a.caller.client.Name}, fmt.Sprintf("'%d' is not a valid put code", pc))
		bulk.Items = append(bulk.Items, orcid.BulkItem{Error: e.body()})
	}
	r.writeEntity(w, a.out, http.StatusOK, bulk)
	return nil
}
