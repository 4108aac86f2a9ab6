package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// The group-id-record API: peer-review groups, which every peer review names
// in review-group-id. It follows ORCID-Source at v3.0.43:
// MemberV3ApiServiceImplV3_0 (routes), MemberV3ApiServiceDelegatorImpl
// (scopes, the issn: shortcut), v3 GroupIdRecordManagerImpl and
// GroupIdRecordManagerReadOnlyImpl (rules), GroupIdRecordDaoImpl (lookups),
// and orcid-model's group-id-3.0 (shape). Only two-legged tokens of member
// clients carry its scopes, so three-legged tokens get 403 9038.

// Group-id-record scopes (orcid-model ScopePathType: GROUP_ID_RECORD_UPDATE
// includes GROUP_ID_RECORD_READ and nothing else).
const (
	ScopeGroupIDRecordRead   = "/group-id-record/read"
	ScopeGroupIDRecordUpdate = "/group-id-record/update"
)

const (
	nsGroupID = "http://www.orcid.org/ns/group-id"
	nsCommon  = "http://www.orcid.org/ns/common"
)

// groupTypes is the type enumeration of group-id-3.0.xsd.
var groupTypes = []string{"publisher", "institution", "journal", "conference", "newspaper", "newsletter", "magazine", "peer-review service"}

// groupIDPattern is the common:group-id pattern of the XSD, which is also
// what ActivityValidator.validateGroupIdRecord matches (its Java string has
// "&amp;" for "&", which admits only characters the class has anyway).
const groupIDPatternText = `(ringgold:|issn:|orcid-generated:|fundref:|publons:)([0-9a-zA-Z\^._~:/?#\[\]@!$&'()*+,;=-]){2,}`

var groupIDPattern = regexp.MustCompile(`^` + groupIDPatternText + `$`)

// issnInGroup is IssnValidator's pattern: an ISSN with its hyphen (or en
// dash), not glued to other digits. issnNormalizer is ISSNNormalizer's,
// where the hyphen is optional.
var (
	issnInGroup    = regexp.MustCompile(`(?:^|[^\d])(\d{4} ?[-–] ?\d{3}[\dXx])(?:$|[^-\d])`)
	issnNormalizer = regexp.MustCompile(`(?:^|[^\d])(\d{4} ?[-–]? ?\d{3}[\dXx])(?:$|[^-\d])`)
)

// groupIDRecordDoc is group-id:group-id-record on the wire. XML carries what
// JAXB marshals (dates and source, in GroupIdRecord's propOrder); JSON only
// name, group-id, description, type and put-code, because the model marks
// the rest @JsonIgnore, and it writes absent values as null.
type groupIDRecordDoc struct {
	XMLName      xml.Name         `xml:"http://www.orcid.org/ns/group-id group-id-record" json:"-"`
	LastModified *orcid.Timestamp `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"-"`
	Created      *orcid.Timestamp `xml:"http://www.orcid.org/ns/common created-date,omitempty" json:"-"`
	Name         *string          `xml:"http://www.orcid.org/ns/group-id name,omitempty" json:"name"`
	GroupID      *string          `xml:"http://www.orcid.org/ns/group-id group-id,omitempty" json:"group-id"`
	Description  *string          `xml:"http://www.orcid.org/ns/group-id description,omitempty" json:"description"`
	Type         *string          `xml:"http://www.orcid.org/ns/group-id type,omitempty" json:"type"`
	Source       *orcid.Source    `xml:"http://www.orcid.org/ns/common source,omitempty" json:"-"`
	PutCode      *int64           `xml:"put-code,attr,omitempty" json:"put-code"`
}

// groupIDRecordsDoc is a page of groups. ORCID's JAXB class is named
// GroupIdRecords but its root element is group-id:group-id (the XSD's
// "group-id-records" is never what the API sends), and "total" is the
// number of groups on the page, not in the registry
// (GroupIdRecordManagerReadOnlyImpl.getGroupIdRecords).
type groupIDRecordsDoc struct {
	XMLName      xml.Name           `xml:"http://www.orcid.org/ns/group-id group-id" json:"-"`
	LastModified *orcid.Timestamp   `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date"`
	Total        int                `xml:"http://www.orcid.org/ns/group-id total" json:"total"`
	Page         int                `xml:"http://www.orcid.org/ns/group-id page" json:"page"`
	PageSize     int                `xml:"http://www.orcid.org/ns/group-id page-size" json:"page-size"`
	Records      []groupIDRecordDoc `xml:"http://www.orcid.org/ns/group-id group-id-record" json:"group-id-record"`
}

func strPtr(s string) *string { return &s }

// groupDoc renders a stored group for the caller.
func (r *Registry) groupDoc(ctx context.Context, mt mediaType, g GroupIDRecord) (groupIDRecordDoc, error) {
	pc := g.PutCode
	d := groupIDRecordDoc{
		LastModified: orcid.NewTimestamp(g.ModifiedAt), Created: orcid.NewTimestamp(g.CreatedAt),
		Name: strPtr(g.Name), GroupID: strPtr(g.GroupID), Type: strPtr(g.Type), PutCode: &pc,
	}
	if g.Description != "" {
		d.Description = strPtr(g.Description)
	}
	// Groups the registry made itself have no client behind them offline
	// (ORCID names its ISSN loader client), so they carry no source.
	if g.SourceClientID != "" {
		c, err := r.store.Client(ctx, g.SourceClientID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return d, err
		}
		d.Source = &orcid.Source{SourceClientID: r.clientIdentifier(mt, g.SourceClientID), SourceName: orcid.NewText(c.Name)}
	}
	return d, nil
}

func (r *Registry) writeGroup(w http.ResponseWriter, a *apiRequest, status int, g GroupIDRecord) error {
	d, err := r.groupDoc(a.ctx(), a.out, g)
	if err != nil {
		return err
	}
	r.writeEntity(w, a.out, status, d)
	return nil
}

// errGroupNotFound is GroupIdRecordNotFoundException: 400, not 404.
func errGroupNotFound() *apiError { return newAPIError(9026, nil, "") }

// errGroupExists is DuplicatedGroupIdRecordException.
func errGroupExists() *apiError { return newAPIError(9025, nil, "") }

// checkGroupScope is OrcidSecurityManager.checkScopes for the group scopes.
func (a *apiRequest) checkGroupScope(scope string) error {
	if !a.caller.has(scope) {
		return errNoScope()
	}
	return nil
}

// parseGroupPutCode is MemberApiServiceImplHelper.getPutCode.
func (a *apiRequest) parseGroupPutCode() (int64, error) {
	pc, err := strconv.ParseInt(a.putCode, 10, 64)
	if err != nil {
		return 0, errPutCodeFormat(a.caller.client.Name)
	}
	return pc, nil
}

// decodeGroup reads a group-id-record body the way ORCID does: Jackson or
// JAXB, then group-id-3.0.xsd (JSON errors 9047, XML errors 9012).
func decodeGroup(mt mediaType, body []byte) (*groupIDRecordDoc, error) {
	d := &groupIDRecordDoc{}
	var fault *bodyFault
	if mt.json {
		fault = decodeGroupJSON(body, d)
	} else {
		fault = decodeGroupXML(body, d)
	}
	if fault == nil {
		fault = checkGroupSchema(d)
	}
	if fault != nil {
		return nil, fault.asError(mt, false)
	}
	return d, nil
}

const groupClass = "org.orcid.jaxb.model.v3.release.groupid.GroupIdRecord"

// groupJSONKeys are the properties Jackson maps; the @JsonIgnore'd ones are
// ignorable, so a client may send back what it read.
var groupJSONKeys = []string{"name", "group-id", "description", "type", "put-code", "source", "last-modified-date", "created-date"}

func decodeGroupJSON(body []byte, d *groupIDRecordDoc) *bodyFault {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return &bodyFault{kind: faultMapping, msg: "Couldn't read object, data seems to be empty or invalid"}
	}
	var in any
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		return &bodyFault{kind: faultSyntax, msg: jsonSyntaxMessage(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &bodyFault{kind: faultSyntax, msg: "Unexpected content after the end of the JSON value"}
	}
	m, ok := in.(map[string]any)
	if !ok {
		return &bodyFault{kind: faultMapping, msg: fmt.Sprintf("Cannot deserialize value of type %s from %s", groupClass, jsonKind(in))}
	}
	for k := range m {
		if !oneOfUnsorted(groupJSONKeys, k) {
			return &bodyFault{kind: faultMapping, msg: fmt.Sprintf("Unrecognized field \"%s\" (class %s), not marked as ignorable", k, groupClass)}
		}
	}
	if err := json.Unmarshal(trimmed, d); err != nil {
		return &bodyFault{kind: faultMapping, msg: err.Error()}
	}
	return nil
}

func oneOfUnsorted(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// groupElements is the XSD's sequence, in order.
var groupElements = []string{"name", "group-id", "description", "type"}

func decodeGroupXML(body []byte, d *groupIDRecordDoc) *bodyFault {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return &bodyFault{kind: faultSyntax, msg: "Premature end of file."}
	}
	tree, err := parseXMLTree(trimmed)
	if err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return &bodyFault{kind: faultSyntax, msg: fmt.Sprintf("lineNumber: %d; %s", se.Line, se.Msg)}
		}
		return &bodyFault{kind: faultSyntax, msg: err.Error()}
	}
	if tree.name != (xml.Name{Space: nsGroupID, Local: "group-id-record"}) {
		return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-elt.1.a: Cannot find the declaration of element '%s'.", prefixed(tree.name))}
	}
	// The XSD's sequence: each element once, in order. Dates and a
	// common:source, which JAXB writes on output, are not in the schema.
	next := 0
	for _, c := range tree.children {
		i := -1
		if c.name.Space == nsGroupID {
			i = indexOf(groupElements, c.name.Local)
		}
		if i != next {
			return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-complex-type.2.4.a: Invalid content was found starting with element '%s'.%s",
				prefixed(c.name), expected(next))}
		}
		next = i + 1
	}
	if err := xml.Unmarshal(trimmed, d); err != nil {
		return &bodyFault{kind: faultSchema, msg: "cvc-datatype-valid: " + err.Error()}
	}
	return nil
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

func expected(next int) string {
	if next >= len(groupElements) {
		return " No child element is expected at this point."
	}
	return fmt.Sprintf(" One of '{\"%s\":%s}' is expected.", nsGroupID, groupElements[next])
}

// checkGroupSchema checks the values against group-id-3.0.xsd (with its
// common-2.1 types) in document order, as Xerces reports the first error.
func checkGroupSchema(d *groupIDRecordDoc) *bodyFault {
	values := []*string{d.Name, d.GroupID, d.Description, d.Type}
	for i, v := range values {
		el := "group-id:" + groupElements[i]
		if v == nil {
			return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-complex-type.2.4.b: The content of element 'group-id:group-id-record' is not complete.%s", expected(i))}
		}
		switch groupElements[i] {
		case "type":
			if !oneOfUnsorted(groupTypes, *v) {
				return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-enumeration-valid: Value '%s' is not facet-valid with respect to enumeration '[%s]'. It must be a value from the enumeration.", *v, strings.Join(groupTypes, ", "))}
			}
		default:
			if strings.TrimSpace(*v) == "" {
				return &bodyFault{kind: faultSchema, msg: fmt.Sprintf(`cvc-pattern-valid: Value '%s' is not facet-valid with respect to pattern '[\s\S]*[^\s\n\r]+[\s\S]*' for type 'non-empty-string'. (%s)`, *v, el)}
			}
			if n := utf8.RuneCountInString(*v); n > 1000 {
				return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-maxLength-valid: Value '%s' with length = '%d' is not facet-valid with respect to maxLength '1000' for type 'string-1000'.", *v, n)}
			}
			if groupElements[i] == "group-id" && !groupIDPattern.MatchString(*v) {
				return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-pattern-valid: Value '%s' is not facet-valid with respect to pattern '%s' for type 'group-id'.", *v, groupIDPatternText)}
			}
		}
	}
	return nil
}

// stripControl is the delegator's name.replaceAll("\\p{C}", ""): invisible
// control and format characters are dropped from a group's name.
func stripControl(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.C, r) {
			return -1
		}
		return r
	}, s)
}

// validateGroupIDRecord is ActivityValidator.validateGroupIdRecord.
func validateGroupIDRecord(d *groupIDRecordDoc, create bool, clientName string) error {
	if create && d.PutCode != nil {
		return errPutCodeOnCreate(clientName)
	}
	if !groupIDPattern.MatchString(*d.GroupID) {
		return errValidation("Invalid group-id: '" + *d.GroupID + "'")
	}
	return nil
}

// isIssnGroup is IssnGroupIdPatternMatcher.isIssnGroupType: deliberately
// loose, anything that starts with "issn:".
func isIssnGroup(groupID string) bool { return strings.HasPrefix(groupID, "issn:") }

// normaliseIssnGroup is ISSNNormalizer applied to a whole group id: the
// first ISSN-looking run, hyphenated, X upper-cased; "" when there is none.
func normaliseIssnGroup(groupID string) string {
	m := issnNormalizer.FindStringSubmatch(groupID)
	if m == nil {
		return ""
	}
	n := strings.NewReplacer(" ", "", "-", "", "–", "", "x", "X").Replace(m[1])
	return n[:4] + "-" + n[4:]
}

// createIssnGroup is GroupIdRecordManagerImpl.createOrcidSourceIssnGroupIdRecord:
// the ISSN must look like one (IssnValidator) and be known to the ISSN
// portal, else 400 9053. Offline the portal is replaced by the check digit:
// an ISSN with a valid one counts as known, unless the registry is strict,
// where only issn: groups already registered (seeded) exist. The group is
// stored with the group id as given, type journal, no description, the
// registry as source; ORCID names it after the portal's main title, which
// the registry does not have, so it is named "ISSN " and the ISSN.
func (r *Registry) createIssnGroup(ctx context.Context, groupID, issn string) (GroupIDRecord, error) {
	m := issnInGroup.FindStringSubmatch(issn)
	if m == nil || r.cfg.Strict {
		return GroupIDRecord{}, newAPIError(9053, nil, "")
	}
	canon, err := orcid.ParseISSN(m[1])
	if err != nil {
		return GroupIDRecord{}, newAPIError(9053, nil, "")
	}
	now := r.now()
	g := GroupIDRecord{GroupID: groupID, Name: "ISSN " + canon, Type: "journal", CreatedAt: now, ModifiedAt: now}
	if g.PutCode, err = r.store.CreateGroup(ctx, g); err != nil {
		return GroupIDRecord{}, err
	}
	return g, nil
}

func (r *Registry) groupExists(ctx context.Context, groupID string) (bool, error) {
	_, err := r.store.GroupByGroupID(ctx, groupID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// apiGroupList is GET /group-id-record: ?group-id= wins over ?name=, and
// without either a page of groups (page-size 100 and page 1 by default).
func (r *Registry) apiGroupList(w http.ResponseWriter, a *apiRequest) error {
	if err := a.checkGroupScope(ScopeGroupIDRecordRead); err != nil {
		return err
	}
	q := a.req.URL.Query()
	switch {
	case q.Has("group-id"):
		return r.apiGroupFind(w, a, q.Get("group-id"))
	case q.Has("name"):
		g, err := r.store.GroupByName(a.ctx(), q.Get("name"))
		if errors.Is(err, ErrNotFound) {
			// ORCID answers an empty group-id-record, not an error.
			r.writeEntity(w, a.out, http.StatusOK, groupIDRecordDoc{})
			return nil
		}
		if err != nil {
			return err
		}
		return r.writeGroup(w, a, http.StatusOK, g)
	}
	page, size := 1, 100
	for _, p := range []struct {
		name string
		v    *int
	}{{"page-size", &size}, {"page", &page}} {
		if !q.Has(p.name) {
			continue
		}
		n, err := strconv.ParseInt(q.Get(p.name), 10, 32)
		if err != nil {
			// convertToInteger: a bare OrcidValidationException.
			return newAPIError(9020, nil, "")
		}
		*p.v = int(n)
	}
	// JPA refuses a negative first result or maximum: an
	// IllegalArgumentException, which ORCID maps to 9006.
	offset := size * (page - 1)
	if size < 0 || offset < 0 {
		return newAPIError(9006, nil, fmt.Sprintf("page-size %d and page %d give no valid range", size, page))
	}
	gs, err := r.store.Groups(a.ctx(), size, offset)
	if err != nil {
		return err
	}
	out := groupIDRecordsDoc{Total: len(gs), Page: page, PageSize: size, Records: []groupIDRecordDoc{}}
	for _, g := range gs {
		d, err := r.groupDoc(a.ctx(), a.out, g)
		if err != nil {
			return err
		}
		if out.LastModified == nil || g.ModifiedAt.After(out.LastModified.Time) {
			out.LastModified = orcid.NewTimestamp(g.ModifiedAt)
		}
		out.Records = append(out.Records, d)
	}
	r.writeEntity(w, a.out, http.StatusOK, out)
	return nil
}

// apiGroupFind is findGroupIdRecordByGroupId: an unknown issn: group is
// created on the spot (or refused with 9053), any other unknown group is an
// empty group-id-record with 200.
func (r *Registry) apiGroupFind(w http.ResponseWriter, a *apiRequest, groupID string) error {
	g, err := r.store.GroupByGroupID(a.ctx(), groupID)
	if err == nil {
		return r.writeGroup(w, a, http.StatusOK, g)
	}
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	if isIssnGroup(groupID) {
		g, err := r.createIssnGroup(a.ctx(), groupID, strings.TrimPrefix(groupID, "issn:"))
		if err != nil {
			return err
		}
		return r.writeGroup(w, a, http.StatusOK, g)
	}
	r.writeEntity(w, a.out, http.StatusOK, groupIDRecordDoc{})
	return nil
}

func (r *Registry) apiGroupRead(w http.ResponseWriter, a *apiRequest) error {
	pc, err := a.parseGroupPutCode()
	if err != nil {
		return err
	}
	if err := a.checkGroupScope(ScopeGroupIDRecordRead); err != nil {
		return err
	}
	g, err := r.store.Group(a.ctx(), pc)
	if errors.Is(err, ErrNotFound) {
		return errGroupNotFound()
	}
	if err != nil {
		return err
	}
	return r.writeGroup(w, a, http.StatusOK, g)
}

// apiGroupCreate is createGroupIdRecord. An issn: group that does not exist
// yet is created by the registry itself (and refused with 9053 if the ISSN
// is unknown), and the answer is 409 9025 all the same: ORCID's delegator
// throws DuplicatedGroupIdRecordException right after creating it.
func (r *Registry) apiGroupCreate(w http.ResponseWriter, a *apiRequest) error {
	d, err := decodeGroup(a.in, a.body)
	if err != nil {
		return err
	}
	if err := a.checkGroupScope(ScopeGroupIDRecordUpdate); err != nil {
		return err
	}
	exists, err := r.groupExists(a.ctx(), *d.GroupID)
	if err != nil {
		return err
	}
	if !exists && isIssnGroup(*d.GroupID) {
		if _, err := r.createIssnGroup(a.ctx(), *d.GroupID, strings.TrimPrefix(*d.GroupID, "issn:")); err != nil {
			return err
		}
		return errGroupExists()
	}
	if err := validateGroupIDRecord(d, true, a.caller.client.Name); err != nil {
		return err
	}
	now := r.now()
	g := GroupIDRecord{GroupID: *d.GroupID, Name: stripControl(*d.Name), Description: *d.Description, Type: *d.Type,
		SourceClientID: a.caller.clientID(), CreatedAt: now, ModifiedAt: now}
	g.PutCode, err = r.store.CreateGroup(a.ctx(), g)
	if errors.Is(err, ErrConflict) {
		return errGroupExists()
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/group-id-record/%d", r.MemberAPIURL(), g.PutCode))
	w.WriteHeader(http.StatusCreated)
	return nil
}

// apiGroupUpdate is updateGroupIdRecord: put-codes must agree (9019), the
// group must exist (9026), the group id stay valid and unique (9025), and
// only the group's source may change it (9010).
func (r *Registry) apiGroupUpdate(w http.ResponseWriter, a *apiRequest) error {
	d, err := decodeGroup(a.in, a.body)
	if err != nil {
		return err
	}
	pc, err := a.parseGroupPutCode()
	if err != nil {
		return err
	}
	if err := a.checkGroupScope(ScopeGroupIDRecordUpdate); err != nil {
		return err
	}
	var body int64
	if d.PutCode != nil {
		body = *d.PutCode
	}
	if d.PutCode == nil || body != pc {
		return errPutCodeMismatch(pc, body, a.caller.client.Name)
	}
	g, err := r.store.Group(a.ctx(), pc)
	if errors.Is(err, ErrNotFound) {
		return errGroupNotFound()
	}
	if err != nil {
		return err
	}
	if err := validateGroupIDRecord(d, false, a.caller.client.Name); err != nil {
		return err
	}
	if other, err := r.store.GroupByGroupID(a.ctx(), *d.GroupID); err == nil && other.PutCode != pc {
		return errGroupExists()
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if g.SourceClientID != a.caller.clientID() {
		return errWrongSource()
	}
	g.GroupID, g.Name, g.Description, g.Type = *d.GroupID, stripControl(*d.Name), *d.Description, *d.Type
	g.ModifiedAt = r.now()
	if err := r.store.UpdateGroup(a.ctx(), g); errors.Is(err, ErrConflict) {
		return errGroupExists()
	} else if err != nil {
		return err
	}
	return r.writeGroup(w, a, http.StatusOK, g)
}

// apiGroupDelete is deleteGroupIdRecord: a group some peer review still
// names cannot go (409 9040), whoever wrote that review.
func (r *Registry) apiGroupDelete(w http.ResponseWriter, a *apiRequest) error {
	pc, err := a.parseGroupPutCode()
	if err != nil {
		return err
	}
	if err := a.checkGroupScope(ScopeGroupIDRecordUpdate); err != nil {
		return err
	}
	g, err := r.store.Group(a.ctx(), pc)
	if errors.Is(err, ErrNotFound) {
		return errGroupNotFound()
	}
	if err != nil {
		return err
	}
	inUse, err := r.store.GroupInUse(a.ctx(), g.GroupID)
	if err != nil {
		return err
	}
	if inUse {
		return newAPIError(9040, nil, "Unable to delete group id because there are peer reviews associated to it")
	}
	if g.SourceClientID != a.caller.clientID() {
		return errWrongSource()
	}
	if err := r.store.DeleteGroup(a.ctx(), pc); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// msgGroupNotValid is peer_review.group_id.not_valid (messages_en.properties).
const msgGroupNotValid = "The given group id does not exist in our records"

// createIssnGroupIfNecessary is PeerReviewManagerImpl.createIssnGroupIdIfNecessary:
// an issn: review-group-id is normalised ("issn:" + ISSNNormalizer), and
// its group created on first use.
func (r *Registry) createIssnGroupIfNecessary(ctx context.Context, p *orcid.PeerReview) error {
	if !isIssnGroup(p.ReviewGroupID) {
		return nil
	}
	issn := normaliseIssnGroup(p.ReviewGroupID)
	groupID := "issn:" + issn
	exists, err := r.groupExists(ctx, groupID)
	if err != nil {
		return err
	}
	if !exists {
		if _, err := r.createIssnGroup(ctx, groupID, issn); err != nil {
			return err
		}
	}
	p.ReviewGroupID = groupID
	return nil
}

// checkReviewGroup is PeerReviewManagerImpl.validateGroupId: a peer review's
// group must exist (400 9020).
func (r *Registry) checkReviewGroup(ctx context.Context, p *orcid.PeerReview) error {
	if strings.TrimSpace(p.ReviewGroupID) == "" {
		return nil
	}
	exists, err := r.groupExists(ctx, p.ReviewGroupID)
	if err != nil {
		return err
	}
	if !exists {
		return errValidation(msgGroupNotValid)
	}
	return nil
}

// NewGroup is a group to register through the seed file or the control
// API, as ORCID preloads groups: the registry is its source, so no API
// client can change or delete it.
type NewGroup struct {
	GroupID     string `json:"group_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
}

// AddGroup registers a group unless its group id exists already, in which
// case the existing group is returned unchanged (seeding is idempotent).
// An issn: group id is stored normalised, and its ISSN must be valid.
func (r *Registry) AddGroup(ctx context.Context, in NewGroup) (GroupIDRecord, error) {
	in.GroupID, in.Name = strings.TrimSpace(in.GroupID), strings.TrimSpace(in.Name)
	in.Description, in.Type = strings.TrimSpace(in.Description), strings.TrimSpace(in.Type)
	if isIssnGroup(in.GroupID) {
		issn, err := orcid.ParseISSN(strings.TrimPrefix(in.GroupID, "issn:"))
		if err != nil {
			return GroupIDRecord{}, &FieldError{"group_id", err.Error()}
		}
		in.GroupID = "issn:" + issn
	}
	d := &groupIDRecordDoc{Name: &in.Name, GroupID: &in.GroupID, Description: &in.Description, Type: &in.Type}
	if f := checkGroupSchema(d); f != nil {
		return GroupIDRecord{}, &FieldError{"group", f.msg}
	}
	if g, err := r.store.GroupByGroupID(ctx, in.GroupID); err == nil {
		return g, nil
	} else if !errors.Is(err, ErrNotFound) {
		return GroupIDRecord{}, err
	}
	now := r.now()
	g := GroupIDRecord{GroupID: in.GroupID, Name: stripControl(in.Name), Description: in.Description, Type: in.Type, CreatedAt: now, ModifiedAt: now}
	var err error
	if g.PutCode, err = r.store.CreateGroup(ctx, g); err != nil {
		return GroupIDRecord{}, err
	}
	return g, nil
}

func (r *Registry) ctlListGroups(w http.ResponseWriter, req *http.Request) {
	gs, err := r.store.Groups(req.Context(), -1, 0)
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	if gs == nil {
		gs = []GroupIDRecord{}
	}
	writeJSON(w, http.StatusOK, gs)
}

func (r *Registry) ctlAddGroup(w http.ResponseWriter, req *http.Request) {
	var in NewGroup
	if err := decodeStrict(req, &in); err != nil {
		r.ctlFail(w, err)
		return
	}
	g, err := r.AddGroup(req.Context(), in)
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, g)
}
