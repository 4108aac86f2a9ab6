package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// registerAPIRoutes serves the Member API at /v3.0/ and the Public API at
// /pub/v3.0/.
//
// Each API is one handler with its own small router rather than ServeMux
// patterns: ORCID answers unknown paths, wrong methods and bad media types
// with its own error document (code 9001), and checks the token before it
// even looks at the path, which a pattern mux cannot express.
func (r *Registry) registerAPIRoutes(mux *http.ServeMux) {
	mux.Handle("/v3.0/", r.apiGuard(r.apiHandler(false)))
	mux.Handle("/pub/v3.0/", r.apiGuard(r.apiHandler(true)))
}

// apiOp is what a request asks for once its path is understood.
type apiOp int

const (
	opRecord apiOp = iota
	opPerson
	opActivities
	opPersonalDetails
	opBiography
	opEmails
	opSection     // GET plural: grouped summaries or the person list
	opCreate      // POST one item
	opBulkCreate  // POST /works
	opRead        // GET one item
	opUpdate      // PUT one item
	opDelete      // DELETE one item
	opReadSummary // GET /{kind}/summary/{putCode}
	opBulkRead    // GET /works/{putCodes}
	// The group-id-record API, outside any record (api_groups.go).
	opGroupList   // GET /group-id-record (page, or ?group-id= / ?name=)
	opGroupCreate // POST /group-id-record
	opGroupRead   // GET /group-id-record/{putCode}
	opGroupUpdate // PUT /group-id-record/{putCode}
	opGroupDelete // DELETE /group-id-record/{putCode}
	// Outside the item model (api_summary.go).
	opRecordSummary // GET /{iD}/summary, Member API only
	opClient        // GET /client/{client_id}
	// Search (search.go) and permission notifications (notifications.go).
	opSearch             // GET /search
	opExpandedSearch     // GET /expanded-search
	opCSVSearch          // GET /csv-search
	opNotificationList   // GET /{iD}/notification-permission
	opNotificationCreate // POST /{iD}/notification-permission
	opNotificationRead   // GET /{iD}/notification-permission/{id}
	opNotificationDelete // DELETE /{iD}/notification-permission/{id} (archives)
)

// apiRequest is one parsed API call, handed to the operation handlers.
type apiRequest struct {
	req     *http.Request
	public  bool
	caller  *caller
	out     mediaType // negotiated response type
	in      mediaType // request body type (writes)
	orcid   string
	op      apiOp
	kind    orcid.ItemKind
	putCode string // as in the path; parsed by the handler, as ORCID does
	body    []byte
	names   map[string]string // source names looked up during the request
}

func (a *apiRequest) ctx() context.Context { return a.req.Context() }

// apiRoute is a resolved path: the operation of each method it allows.
type apiRoute struct {
	methods map[string]apiOp
	kind    orcid.ItemKind
	putCode string
	group   bool // a group-id-record path, which only the Member API has
	// memberOnly: a resource the Public API does not have (its JAX-RS
	// matching answers 404), such as /summary.
	memberOnly bool
}

// readOnlyOps are the operations both APIs offer; the Public API has no
// others, so any other method there is a 405.
var readOnlyOps = map[apiOp]bool{
	opRecord: true, opPerson: true, opActivities: true, opPersonalDetails: true,
	opBiography: true, opEmails: true, opSection: true, opRead: true,
	opReadSummary: true, opBulkRead: true, opRecordSummary: true, opClient: true,
	opSearch: true, opExpandedSearch: true, opCSVSearch: true,
}

// resolveAPIPath maps the path after the version prefix to its resource,
// following the resource templates of ORCID's MemberV3ApiServiceImplV3_0.
func resolveAPIPath(path string) (orcidID string, rt apiRoute, ok bool) {
	path = strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/")
	segs := strings.Split(path, "/")
	if len(segs) == 0 || segs[0] == "" {
		return "", rt, false
	}
	if segs[0] == "group-id-record" {
		switch len(segs) {
		case 1:
			return "", apiRoute{group: true, methods: map[string]apiOp{http.MethodGet: opGroupList, http.MethodPost: opGroupCreate}}, true
		case 2:
			return "", apiRoute{group: true, putCode: segs[1], methods: map[string]apiOp{
				http.MethodGet: opGroupRead, http.MethodPut: opGroupUpdate, http.MethodDelete: opGroupDelete}}, true
		}
		return "", rt, false
	}
	if len(segs) == 1 {
		switch segs[0] {
		case searchPath:
			return "", apiRoute{methods: map[string]apiOp{http.MethodGet: opSearch}}, true
		case expandedSearchPath:
			return "", apiRoute{methods: map[string]apiOp{http.MethodGet: opExpandedSearch}}, true
		case csvSearchPath:
			return "", apiRoute{methods: map[string]apiOp{http.MethodGet: opCSVSearch}}, true
		}
	}
	if segs[0] == "client" && len(segs) == 2 {
		// CLIENT_PATH "/client/{client_id:[^/]+}"; the id travels as putCode.
		return "", apiRoute{putCode: segs[1], methods: map[string]apiOp{http.MethodGet: opClient}}, true
	}
	orcidID = segs[0]
	get := func(op apiOp) map[string]apiOp { return map[string]apiOp{http.MethodGet: op} }
	switch len(segs) {
	case 1:
		return orcidID, apiRoute{methods: get(opRecord)}, true
	case 2:
		switch segs[1] {
		case "record":
			return orcidID, apiRoute{methods: get(opRecord)}, true
		case "person":
			return orcidID, apiRoute{methods: get(opPerson)}, true
		case "activities":
			return orcidID, apiRoute{methods: get(opActivities)}, true
		case "personal-details":
			return orcidID, apiRoute{methods: get(opPersonalDetails)}, true
		case "biography":
			return orcidID, apiRoute{methods: get(opBiography)}, true
		case "email":
			return orcidID, apiRoute{methods: get(opEmails)}, true
		case "summary":
			return orcidID, apiRoute{methods: get(opRecordSummary), memberOnly: true}, true
		case notificationPath:
			return orcidID, apiRoute{memberOnly: true, methods: map[string]apiOp{
				http.MethodGet: opNotificationList, http.MethodPost: opNotificationCreate}}, true
		}
		if k, found := orcid.KindForPath(segs[1], true); found {
			m := get(opSection)
			switch {
			case k.IsPerson():
				m[http.MethodPost] = opCreate
			case k == orcid.KindWork:
				m[http.MethodPost] = opBulkCreate
			}
			return orcidID, apiRoute{methods: m, kind: k}, true
		}
		if k, found := orcid.KindForPath(segs[1], false); found {
			return orcidID, apiRoute{methods: map[string]apiOp{http.MethodPost: opCreate}, kind: k}, true
		}
	case 3:
		if segs[1] == notificationPath {
			return orcidID, apiRoute{memberOnly: true, putCode: segs[2], methods: map[string]apiOp{
				http.MethodGet: opNotificationRead, http.MethodDelete: opNotificationDelete}}, true
		}
		if segs[1] == "works" {
			return orcidID, apiRoute{methods: get(opBulkRead), kind: orcid.KindWork, putCode: segs[2]}, true
		}
		if k, found := orcid.KindForPath(segs[1], false); found {
			return orcidID, apiRoute{kind: k, putCode: segs[2], methods: map[string]apiOp{
				http.MethodGet: opRead, http.MethodPut: opUpdate, http.MethodDelete: opDelete}}, true
		}
	case 4:
		if k, found := orcid.KindForPath(segs[1], false); found && k.IsActivity() && segs[2] == "summary" {
			return orcidID, apiRoute{methods: get(opReadSummary), kind: k, putCode: segs[3]}, true
		}
	}
	return "", rt, false
}

// maxBody bounds request bodies; a bulk of 100 large works stays far below.
const maxBody = 16 << 20

// apiHandler serves one of the two APIs. The order of the checks is ORCID's:
// Spring Security (token) first, then JAX-RS matching (path 404, method 405,
// Content-Type 415, Accept 406), then the TokenTargetFilter, then the body,
// then the resource method.
func (r *Registry) apiHandler(public bool) http.Handler {
	prefix := "/v3.0/"
	if public {
		prefix = "/pub/v3.0/"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		a := &apiRequest{req: req, public: public, out: defaultMediaType}
		defer func() {
			if p := recover(); p != nil {
				r.log.Error("sandbox API panic", "method", req.Method, "path", req.URL.Path, "panic", p, "stack", string(debug.Stack()))
				r.writeError(w, req, a.out, errInternal(fmt.Sprint(p)))
			}
		}()
		if err := r.serveAPI(w, a, strings.TrimPrefix(req.URL.Path, prefix)); err != nil {
			r.writeError(w, req, a.out, err)
		}
	})
}

func (r *Registry) serveAPI(w http.ResponseWriter, a *apiRequest, path string) error {
	req := a.req
	// Errors found before the Accept header is checked are still written
	// in the type it asks for, as ORCID's exception mapper does.
	out, acceptable := negotiate(req.Header.Get("Accept"))
	if acceptable {
		a.out = out
	}
	// Status checks come before the token check: ORCID lets them through
	// anonymously (api_summary.go).
	if name, ok := statusResource(path, a.public); ok {
		return r.apiStatus(w, a, name)
	}
	c, err := r.authenticate(req, a.public)
	if err != nil {
		return err
	}
	a.caller = c
	if a.public && strings.Trim(path, "/") == identifierTypesPath {
		return r.apiIdentifiers(w, a)
	}
	id, rt, ok := resolveAPIPath(path)
	// ORCID's Public API has no group-id-record resource at all.
	if !ok || (a.public && (rt.group || rt.memberOnly)) {
		return errJAXRS(http.StatusNotFound, "")
	}
	op, ok := rt.methods[req.Method]
	if !ok && req.Method == http.MethodHead {
		op, ok = rt.methods[http.MethodGet]
	}
	if !ok || (a.public && !readOnlyOps[op]) {
		return errJAXRS(http.StatusMethodNotAllowed, "")
	}
	a.orcid, a.op, a.kind, a.putCode = id, op, rt.kind, rt.putCode
	writes := req.Method == http.MethodPost || req.Method == http.MethodPut
	if writes {
		if a.in, ok = requestType(req); !ok {
			return errJAXRS(http.StatusUnsupportedMediaType, "")
		}
	}
	if op == opCSVSearch {
		// The one resource that produces text/csv rather than ORCID's types.
		acceptable = csvAcceptable(req.Header.Get("Accept"))
	}
	if !acceptable {
		return errJAXRS(http.StatusNotAcceptable, "")
	}
	if err := c.checkTarget(req.URL.Path); err != nil {
		return err
	}
	if writes {
		body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxBody))
		if err != nil {
			return errJAXRS(http.StatusRequestEntityTooLarge, err.Error())
		}
		a.body = body
	}
	return r.dispatch(w, a)
}

func (r *Registry) dispatch(w http.ResponseWriter, a *apiRequest) error {
	switch a.op {
	case opRecord:
		return r.apiRecord(w, a)
	case opPerson:
		return r.apiPerson(w, a)
	case opActivities:
		return r.apiActivities(w, a)
	case opPersonalDetails:
		return r.apiPersonalDetails(w, a)
	case opBiography:
		return r.apiBiography(w, a)
	case opEmails:
		return r.apiEmails(w, a)
	case opSection:
		return r.apiSection(w, a)
	case opRead, opReadSummary:
		return r.apiReadItem(w, a)
	case opBulkRead:
		return r.apiBulkRead(w, a)
	case opCreate:
		return r.apiCreate(w, a)
	case opBulkCreate:
		return r.apiBulkCreate(w, a)
	case opUpdate:
		return r.apiUpdate(w, a)
	case opDelete:
		return r.apiDelete(w, a)
	case opGroupList:
		return r.apiGroupList(w, a)
	case opGroupCreate:
		return r.apiGroupCreate(w, a)
	case opGroupRead:
		return r.apiGroupRead(w, a)
	case opGroupUpdate:
		return r.apiGroupUpdate(w, a)
	case opGroupDelete:
		return r.apiGroupDelete(w, a)
	case opRecordSummary:
		return r.apiRecordSummary(w, a)
	case opClient:
		return r.apiClient(w, a)
	case opSearch:
		return r.apiSearch(w, a)
	case opExpandedSearch:
		return r.apiExpandedSearch(w, a)
	case opCSVSearch:
		return r.apiCSVSearch(w, a)
	case opNotificationList:
		return r.apiNotificationList(w, a)
	case opNotificationCreate:
		return r.apiNotificationCreate(w, a)
	case opNotificationRead:
		return r.apiNotificationRead(w, a)
	case opNotificationDelete:
		return r.apiNotificationArchive(w, a)
	}
	return errJAXRS(http.StatusNotFound, "")
}

// parsePutCode is ORCID's getPutCode: Long.valueOf or 9034.
func (a *apiRequest) parsePutCode() (int64, error) {
	pc, err := strconv.ParseInt(a.putCode, 10, 64)
	if err != nil {
		return 0, errPutCodeFormat(a.caller.client.Name)
	}
	return pc, nil
}

// record loads the researcher the path names. ORCID's checkProfile answers
// an unknown iD, malformed or with a wrong check digit, with 404 9016, and
// a record in another state than active with that state's error
// (states.go), except on the few Public API resources that skip it.
func (r *Registry) record(a *apiRequest) (Researcher, error) {
	res, err := r.store.Researcher(a.ctx(), a.orcid)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return res, errNotFound()
		}
		return res, err
	}
	if !profileUnchecked(a) {
		if err := r.checkProfile(a, res); err != nil {
			return res, err
		}
	}
	return res, nil
}
