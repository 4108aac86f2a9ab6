package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// apiDisplayIndex is the display-index ORCID gives an item written through
// the API (DisplayIndexCalculatorHelper.setDisplayIndex with isApiRequest);
// the researcher's own items get 0.
const apiDisplayIndex = 1

// setDisplayIndex is orcid.SetDisplayIndex; the registry, not the request
// body, decides an item's display-index.
func setDisplayIndex(item orcid.Item, n int64) { orcid.SetDisplayIndex(item, n) }

// ORCID's limits on writes (org.orcid.core.works.bulk.write.max and
// org.orcid.core.activities.max).
const (
	maxBulkWrite  = 100
	maxActivities = 10000
)

// checkWriteScope is checkClientAccessAndScopes: the token was already
// matched to the record, so only the scope is left to check.
func (a *apiRequest) checkWriteScope() error {
	info, _ := a.kind.Info()
	if !a.caller.has(info.WriteScope) {
		return errNoScope()
	}
	return nil
}

func (a *apiRequest) writeCheck(create bool, original orcid.Visibility) writeCheck {
	return writeCheck{create: create, original: original, clientName: a.caller.client.Name}
}

// sameSourceItems loads the record's items of kind written by the caller,
// the only ones ORCID compares a new item with. A work may be compared with
// thousands, so activities are decoded only as far as their identifiers.
func (r *Registry) sameSourceItems(a *apiRequest, kind orcid.ItemKind) ([]orcid.Item, error) {
	rows, err := r.store.ItemsFrom(a.ctx(), a.orcid, string(kind), a.caller.clientID())
	if err != nil {
		return nil, err
	}
	out := make([]orcid.Item, 0, len(rows))
	for _, row := range rows {
		var it orcid.Item
		if kind.IsActivity() {
			it, err = activityIDs(kind, row.Body)
		} else {
			it = orcid.NewItem(kind)
			err = json.Unmarshal(row.Body, it)
		}
		if err != nil {
			return nil, fmt.Errorf("stored item %d (%s): %w", row.PutCode, row.Kind, err)
		}
		it.SetPutCode(row.PutCode)
		out = append(out, it)
	}
	return out, nil
}

// storedIDs holds the identifiers of any stored activity: each kind keeps
// them under one of these names.
type storedIDs struct {
	ExternalIDs       *orcid.ExternalIDs `json:"external-ids"`
	ReviewIdentifiers *orcid.ExternalIDs `json:"review-identifiers"`
	Proposal          *struct {
		ExternalIDs *orcid.ExternalIDs `json:"external-ids"`
	} `json:"proposal"`
}

// activityIDs returns an item of kind that holds only the identifiers of
// the stored body, which is all duplicate detection looks at.
func activityIDs(kind orcid.ItemKind, body []byte) (orcid.Item, error) {
	var s storedIDs
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, err
	}
	it := orcid.NewItem(kind)
	switch x := it.(type) {
	case *orcid.Work:
		x.ExternalIDs = s.ExternalIDs
	case *orcid.Funding:
		x.ExternalIDs = s.ExternalIDs
	case *orcid.Affiliation:
		x.ExternalIDs = s.ExternalIDs
	case *orcid.PeerReview:
		x.ReviewIdentifiers = s.ReviewIdentifiers
	case *orcid.ResearchResource:
		if s.Proposal != nil {
			x.Proposal = &orcid.Proposal{ExternalIDs: s.Proposal.ExternalIDs}
		}
	}
	return it, nil
}

// normalizeExtID is ORCID's PIDNormalizationService.normalise (the table and
// normalisers of internal/orcid/identifiers.go); ok is false when ORCID
// cannot normalise the value.
func normalizeExtID(typ, value string) (string, bool) {
	return orcid.NormalizeExternalID(typ, value)
}

// extIDKey is what makes two identifiers equal for duplicate detection, as
// ActivityValidator.checkExternalIdentifiersForDuplicates and
// WorkManagerImpl.createWorks compare them (ORCID-Source orcid-core/.../v3/
// validator/ActivityValidator.java; orcid-model's v3/release/record/
// ExternalID.java equals/hashCode): the same type, exactly, and then the
// normalised values when ORCID can normalise, else the raw values, exactly.
// A normalised value never equals a raw one (ExternalID.equals compares
// the normalized field with the other's), hence the two tags. normalize is
// false for fundings, which ORCID compares raw (normalizeExtId =
// !(theNew instanceof Funding)).
func extIDKey(id orcid.ExternalID, normalize bool) string {
	if normalize {
		if n, ok := normalizeExtID(id.Type, id.Value); ok {
			return id.Type + "\x00n\x00" + n
		}
	}
	return id.Type + "\x00r\x00" + id.Value
}

// selfPair is ActivityValidator.areRelationshipsSameAndSelf.
func selfPair(a, b string) bool {
	return (a == "" && b == "") || (a == orcid.RelationshipSelf && b == orcid.RelationshipSelf)
}

// duplicateOf returns the put-code of an existing item (other than the one
// being updated) that item duplicates, or an error ready to send. Activities
// conflict on a shared self identifier (409 9021); person items on their
// value (409 9030).
func duplicateOf(item orcid.Item, existing []orcid.Item, clientName string) error {
	normalize := item.ItemKind() != orcid.KindFunding
	newIDs := item.GetExternalIDs()
	newKeys := make([]string, len(newIDs))
	for i, nid := range newIDs {
		newKeys[i] = extIDKey(nid, normalize)
	}
	for _, ex := range existing {
		if ex.GetPutCode() == item.GetPutCode() && item.GetPutCode() != 0 {
			continue
		}
		if item.ItemKind().IsActivity() {
			for _, eid := range ex.GetExternalIDs() {
				ekey := extIDKey(eid, normalize)
				for i, nid := range newIDs {
					if selfPair(eid.Relationship, nid.Relationship) && ekey == newKeys[i] {
						return errDuplicate(clientName, ex.GetPutCode())
					}
				}
			}
			continue
		}
		if typ, value, dup := personDuplicate(item, ex); dup {
			p := map[string]string{"type": typ}
			if value != "" {
				p["value"] = value
			}
			return newAPIError(9030, p, "")
		}
	}
	return nil
}

// personDuplicate compares two person items of one kind the way each of
// ORCID's managers does, and returns the type and value its 9030 names.
func personDuplicate(n, ex orcid.Item) (typ, value string, dup bool) {
	switch x := n.(type) {
	case *orcid.Keyword:
		return "keyword", x.Content, strings.EqualFold(x.Content, ex.(*orcid.Keyword).Content)
	case *orcid.OtherName:
		return "other-name", x.Content, strings.EqualFold(x.Content, ex.(*orcid.OtherName).Content)
	case *orcid.ResearcherURL:
		// ORCID names the duplicate by its url-name, not its URL.
		return "researcher-url", x.URLName, strings.EqualFold(x.URL.String(), ex.(*orcid.ResearcherURL).URL.String())
	case *orcid.Address:
		c := ""
		if x.Country != nil {
			c = x.Country.Value
		}
		e := ex.(*orcid.Address)
		return "address", c, e.Country != nil && e.Country.Value == c
	case *orcid.PersonExternalIdentifier:
		e := ex.(*orcid.PersonExternalIdentifier)
		url := x.URL.String()
		return "external-identifier", url, x.Type == e.Type && x.Value == e.Value
	}
	return "", "", false
}

// itemBody is the JSON the store keeps: the item as ORCID serves it.
func itemBody(item orcid.Item) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(item); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// insertItem stores a validated new item with the caller as source and
// the visibility postedVisibility gives it.
func (r *Registry) insertItem(a *apiRequest, res Researcher, item orcid.Item) error {
	now := r.now()
	vis := postedVisibility(res, item.GetVisibility())
	stored, err := r.itemSource(a, a.orcid, a.caller.clientID(), true)
	if err != nil {
		return err
	}
	shown, err := r.itemSource(a, a.orcid, a.caller.clientID(), false)
	if err != nil {
		return err
	}
	row := StoredItem{ORCID: a.orcid, Kind: string(item.ItemKind()), SourceClientID: a.caller.clientID(),
		Visibility: string(vis), DisplayIndex: apiDisplayIndex, CreatedAt: now, ModifiedAt: now}
	_, err = r.store.CreateItemFunc(a.ctx(), row, func(pc int64) ([]byte, error) {
		item.SetPutCode(pc)
		setDisplayIndex(item, apiDisplayIndex)
		item.SetPath(item.ItemKind().ItemPath(a.orcid, pc))
		item.SetVisibility(vis)
		item.SetDates(now, now)
		item.SetSource(stored)
		return itemBody(item)
	})
	item.SetSource(shown)
	return err
}

func (r *Registry) apiCreate(w http.ResponseWriter, a *apiRequest) error {
	item, err := decodeItem(a.kind, a.in, a.body)
	if err != nil {
		return err
	}
	res, err := r.record(a)
	if err != nil {
		return err
	}
	if err := a.checkWriteScope(); err != nil {
		return err
	}
	item.SetSource(nil)
	if err := r.validateItem(item, a.writeCheck(true, "")); err != nil {
		return err
	}
	existing, err := r.sameSourceItems(a, a.kind)
	if err != nil {
		return err
	}
	if a.kind == orcid.KindWork {
		n, err := r.countItems(a, orcid.KindWork)
		if err != nil {
			return err
		}
		if n+1 > maxActivities {
			return newAPIError(9048, nil, "")
		}
	}
	if err := duplicateOf(item, existing, a.caller.client.Name); err != nil {
		return err
	}
	if err := checkContributorRoles(item); err != nil {
		return err
	}
	if err := r.registryChecksOnCreate(a.ctx(), item); err != nil {
		return err
	}
	if err := r.insertItem(a, res, item); err != nil {
		return err
	}
	info, _ := a.kind.Info()
	w.Header().Set("Location", fmt.Sprintf("%s/%s/%s/%d", r.MemberAPIURL(), a.orcid, info.Path, item.GetPutCode()))
	w.WriteHeader(http.StatusCreated)
	return nil
}

func (r *Registry) countItems(a *apiRequest, kind orcid.ItemKind) (int, error) {
	return r.store.CountItems(a.ctx(), a.orcid, string(kind))
}

// apiBulkCreate is POST /works: every work is validated and stored on its
// own, and the answer lists, in order, each created work or the error that
// stopped it (WorkManagerImpl.createWorks).
func (r *Registry) apiBulkCreate(w http.ResponseWriter, a *apiRequest) error {
	bulk, err := decodeBulk(a.in, a.body)
	if err != nil {
		return err
	}
	res, err := r.record(a)
	if err != nil {
		return err
	}
	if err := a.checkWriteScope(); err != nil {
		return err
	}
	if len(bulk.Items) > 0 {
		n, err := r.countItems(a, orcid.KindWork)
		if err != nil {
			return err
		}
		if n+len(bulk.Items) > maxActivities {
			return newAPIError(9048, nil, "")
		}
		if len(bulk.Items) > maxBulkWrite {
			return errTooManyInBulk(maxBulkWrite)
		}
	}
	existing, err := r.sameSourceItems(a, orcid.KindWork)
	if err != nil {
		return err
	}
	// The identifiers already used by the caller, part-of and funded-by
	// excepted, and where each is: a new work conflicts with them and with
	// the works before it in the same request.
	used := map[string]int64{}
	remember := func(it orcid.Item) {
		for _, id := range it.GetExternalIDs() {
			if id.Relationship != orcid.RelationshipPartOf && id.Relationship != orcid.RelationshipFundedBy {
				used[extIDKey(id, true)] = it.GetPutCode()
			}
		}
	}
	for _, ex := range existing {
		remember(ex)
	}
	for i, bi := range bulk.Items {
		if bi.Work == nil {
			continue
		}
		work := bi.Work
		work.SetSource(nil)
		err := r.bulkWork(a, res, work, used)
		if err != nil {
			bulk.Items[i] = orcid.BulkItem{Error: asAPIError(err).body()}
			if asAPIError(err).code == 9008 {
				r.log.Error("sandbox bulk work", "err", err)
			}
			continue
		}
		remember(work)
	}
	for i, bi := range bulk.Items {
		if bi.Work != nil {
			addNormalized(bi.Work)
			bulk.Items[i].Work = orcid.AsFullItem(bi.Work).(*orcid.Work)
		}
	}
	r.writeEntity(w, a.out, http.StatusOK, bulk)
	return nil
}

func (r *Registry) bulkWork(a *apiRequest, res Researcher, work *orcid.Work, used map[string]int64) error {
	if err := validateWork(work, a.writeCheck(true, "")); err != nil {
		return err
	}
	for _, id := range work.GetExternalIDs() {
		if pc, ok := used[extIDKey(id, true)]; ok && id.Relationship == orcid.RelationshipSelf {
			return errDuplicate(a.caller.client.Name, pc)
		}
	}
	if err := checkContributorRoles(work); err != nil {
		return err
	}
	return r.insertItem(a, res, work)
}

// addNormalized sets external-id-normalized, or the 8001
// external-id-normalized-error, where ORCID computes them on read (see
// externalIDLists), and clears them everywhere else.
func addNormalized(item orcid.Item) {
	clearNormalized(item)
	for _, l := range externalIDLists(item) {
		if l.ids == nil {
			continue
		}
		for i, id := range l.ids.ExternalID {
			switch l.read {
			case readWork:
				l.ids.ExternalID[i] = id.NormalizedForRead()
			case readAffiliation:
				l.ids.ExternalID[i] = id.NormalizedForAffiliation()
			}
		}
	}
}

// contentJSON is an item's content without what ORCID manages itself, to
// tell whether a PUT changes anything.
func contentJSON(item orcid.Item) string {
	// display-index is the registry's, not content (and a copy is changed).
	item = orcid.AsFullItem(item)
	put, path, vis, src := item.GetPutCode(), item.GetPath(), item.GetVisibility(), item.GetSource()
	created, modified := item.GetCreatedDate(), item.GetLastModifiedDate()
	item.SetPutCode(0)
	item.SetPath("")
	item.SetVisibility("")
	item.SetSource(nil)
	item.SetDates(time.Time{}, time.Time{})
	b, _ := itemBody(item)
	item.SetPutCode(put)
	item.SetPath(path)
	item.SetVisibility(vis)
	item.SetSource(src)
	item.SetDates(created, modified)
	return string(b)
}

func (r *Registry) apiUpdate(w http.ResponseWriter, a *apiRequest) error {
	item, err := decodeItem(a.kind, a.in, a.body)
	if err != nil {
		return err
	}
	pc, err := a.parsePutCode()
	if err != nil {
		return err
	}
	if _, err := r.record(a); err != nil {
		return err
	}
	if err := a.checkWriteScope(); err != nil {
		return err
	}
	if item.GetPutCode() != pc {
		return errPutCodeMismatch(pc, item.GetPutCode(), a.caller.client.Name)
	}
	item.SetSource(nil)
	row, err := r.storedItem(a, pc)
	if err != nil {
		return err
	}
	saved, err := r.decodeStored(a, row)
	if err != nil {
		return err
	}
	mine := row.SourceClientID == a.caller.clientID()
	// An unchanged work is answered as it is, but only to its source
	// (WorkManagerImpl.updateWork); the other kinds have no such shortcut.
	if a.kind == orcid.KindWork && contentJSON(item) == contentJSON(saved) {
		if !mine {
			return newAPIError(9014, nil, resolve(apiMessages[9010].dev, map[string]string{"activity": "work"}))
		}
		addNormalized(saved)
		r.writeEntity(w, a.out, http.StatusOK, orcid.AsFullItem(saved))
		return nil
	}
	original := orcid.Visibility(row.Visibility)
	if err := r.validateItem(item, a.writeCheck(false, original)); err != nil {
		return err
	}
	// On update ORCID checks the review's group before the duplicate
	// check, and makes an issn: group only later (PeerReviewManagerImpl.updatePeerReview).
	if p, ok := item.(*orcid.PeerReview); ok {
		if err := r.checkReviewGroup(a.ctx(), p); err != nil {
			return err
		}
	}
	existing, err := r.sameSourceItems(a, a.kind)
	if err != nil {
		return err
	}
	if err := duplicateOf(item, existing, a.caller.client.Name); err != nil {
		return err
	}
	if !mine {
		return errWrongSource()
	}
	if err := checkContributorRoles(item); err != nil {
		return err
	}
	if err := r.registryChecksOnUpdate(a.ctx(), item); err != nil {
		return err
	}
	now := r.now()
	item.SetPath(a.kind.ItemPath(a.orcid, pc))
	item.SetVisibility(original)
	item.SetDates(row.CreatedAt, now)
	stored, err := r.itemSource(a, a.orcid, row.SourceClientID, true)
	if err != nil {
		return err
	}
	item.SetSource(stored)
	body, err := itemBody(item)
	if err != nil {
		return err
	}
	item.SetSource(saved.GetSource())
	row.Body, row.ModifiedAt = body, now
	if err := r.store.UpdateItem(a.ctx(), row); err != nil {
		if errors.Is(err, ErrNotFound) {
			return errNotFound()
		}
		return err
	}
	addNormalized(item)
	setDisplayIndex(item, row.DisplayIndex)
	r.writeEntity(w, a.out, http.StatusOK, orcid.AsFullItem(item))
	return nil
}

func (r *Registry) apiDelete(w http.ResponseWriter, a *apiRequest) error {
	pc, err := a.parsePutCode()
	if err != nil {
		return err
	}
	if _, err := r.record(a); err != nil {
		return err
	}
	if err := a.checkWriteScope(); err != nil {
		return err
	}
	row, err := r.storedItem(a, pc)
	if err != nil {
		return err
	}
	if row.SourceClientID != a.caller.clientID() {
		return errWrongSource()
	}
	if err := r.store.DeleteItem(a.ctx(), a.orcid, string(a.kind), pc); err != nil {
		if errors.Is(err, ErrNotFound) {
			return errNotFound()
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
