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

// normalizeExtID is a simplified PIDNormalizationService: DOIs compare from
// their "10." prefix, case-insensitively; other types trimmed and
// lower-cased.
func normalizeExtID(typ, value string) string {
	v := strings.ToLower(strings.TrimSpace(value))
	if typ == "doi" {
		if i := strings.Index(v, "10."); i >= 0 {
			v = v[i:]
		}
	}
	return v
}

func extIDKey(id orcid.ExternalID, normalize bool) string {
	v := id.Value
	if normalize {
		v = normalizeExtID(id.Type, id.Value)
	}
	return id.Type + "\x00" + v
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
	for _, ex := range existing {
		if ex.GetPutCode() == item.GetPutCode() && item.GetPutCode() != 0 {
			continue
		}
		if item.ItemKind().IsActivity() {
			for _, eid := range ex.GetExternalIDs() {
				for _, nid := range item.GetExternalIDs() {
					if selfPair(eid.Relationship, nid.Relationship) && extIDKey(eid, normalize) == extIDKey(nid, normalize) {
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

// insertItem stores a validated new item with the researcher's default
// visibility (ORCID ignores what a POST says) and the caller as source.
func (r *Registry) insertItem(a *apiRequest, res Researcher, item orcid.Item) error {
	now := r.now()
	vis := orcid.Visibility(res.DefaultVisibility)
	stored, err := r.itemSource(a, a.orcid, a.caller.clientID(), true)
	if err != nil {
		return err
	}
	shown, err := r.itemSource(a, a.orcid, a.caller.clientID(), false)
	if err != nil {
		return err
	}
	row := StoredItem{ORCID: a.orcid, Kind: string(item.ItemKind()), SourceClientID: a.caller.clientID(),
		Visibility: string(vis), CreatedAt: now, ModifiedAt: now}
	_, err = r.store.CreateItemFunc(a.ctx(), row, func(pc int64) ([]byte, error) {
		item.SetPutCode(pc)
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
	for _, bi := range bulk.Items {
		if bi.Work != nil {
			addNormalized(bi.Work)
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

// addNormalized sets external-id-normalized, which ORCID computes on every
// read of works and peer reviews.
func addNormalized(item orcid.Item) {
	var ids *orcid.ExternalIDs
	switch x := item.(type) {
	case *orcid.Work:
		ids = x.ExternalIDs
	case *orcid.PeerReview:
		ids = x.ReviewIdentifiers
	}
	if ids == nil {
		return
	}
	for i := range ids.ExternalID {
		id := &ids.ExternalID[i]
		if n := normalizeExtID(id.Type, id.Value); n != "" {
			id.Normalized = &orcid.TransientText{Value: n, Transient: true}
		}
	}
}

// contentJSON is an item's content without what ORCID manages itself, to
// tell whether a PUT changes anything.
func contentJSON(item orcid.Item) string {
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
		r.writeEntity(w, a.out, http.StatusOK, saved)
		return nil
	}
	original := orcid.Visibility(row.Visibility)
	if err := r.validateItem(item, a.writeCheck(false, original)); err != nil {
		return err
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
	r.writeEntity(w, a.out, http.StatusOK, item)
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
	if err := r.store.DeleteItem(a.ctx(), a.orcid, pc); err != nil {
		if errors.Is(err, ErrNotFound) {
			return errNotFound()
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
