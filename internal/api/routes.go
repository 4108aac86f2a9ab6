package api

import (
	"net/http"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// Route is one operation of the API: the whole table is routeTable, and
// both the router and the OpenAPI document are made from it.
//
// To add a resource: write its handlers (func(*call) (reply, error)) in a
// file of its own, add its routes to routeTable with an Operation naming
// the request and answer schemas, and add those schemas under
// components.schemas in openapi.json. The OpenAPI test then requires each
// new operation to be exercised and to answer as documented.
type Route struct {
	Method string // GET, POST, PUT, PATCH, DELETE
	Path   string // under /api/v1, with {name} wildcards
	Op     Operation
	handle func(c *call) (reply, error)
	public bool // no API key needed (the OpenAPI document)
	// upload: the body is a file (Operation.Uploads), streamed to the
	// handler as call.upload under MaxUpload rather than read under
	// MaxBody.
	upload bool
}

// Operation documents a route.
type Operation struct {
	ID      string // operationId, unique
	Summary string
	Tag     string
	// Query are the query parameters; path parameters come from Path
	// (see pathParams).
	Query []Param
	// Body is the schema (in components.schemas) of the JSON request
	// body; "" for none.
	Body string
	// OptionalBody: the body may be left out.
	OptionalBody bool
	// Uploads are the media types of a request body that is a file,
	// each with its schema (for upload routes; Body is then "").
	Uploads map[string]string
	// Files are the media types of success answers that are files (CSV,
	// say), each with its schema; they are documented on every status
	// of Answers, besides application/json where Answers names a schema.
	Files map[string]string
	// Answers maps each success status to the schema of its body (""
	// for no body).
	Answers map[int]string
	// Problems are the problem statuses this operation may answer beyond
	// those every operation of its shape can (see standardProblems).
	Problems []int
}

// Param is a query parameter.
type Param struct {
	Name, Type, Description string // Type: "string" or "integer"
	Enum                    []string
	Required                bool
}

var (
	limitParam  = Param{Name: "limit", Type: "integer", Description: "Page size (default 50, at most 500)."}
	cursorParam = Param{Name: "cursor", Type: "string", Description: "The next_cursor of the previous page."}
)

// routeTable is every route of the API.
func (s *Server) routeTable() []Route {
	rs := []Route{
		{Method: "GET", Path: "/openapi.json", public: true, handle: s.openAPI,
			Op: Operation{ID: "getOpenAPI", Summary: "This API's OpenAPI 3.1 document", Tag: "meta", Answers: map[int]string{200: "OpenAPIDocument"}}},

		{Method: "GET", Path: "/tenant", handle: s.getTenant,
			Op: Operation{ID: "getTenant", Summary: "Read the key's tenant: its organisation and review model", Tag: "tenant",
				Answers: map[int]string{200: "Tenant"}}},
		{Method: "PATCH", Path: "/tenant", handle: s.patchTenant,
			Op: Operation{ID: "updateTenant", Summary: "Change the tenant's organisation or review model", Tag: "tenant",
				Body: "TenantPatch", Answers: map[int]string{200: "Tenant"}}},

		{Method: "POST", Path: "/people", handle: s.createPerson,
			Op: Operation{ID: "createPerson", Summary: "Create a person", Tag: "people", Body: "PersonInput",
				Answers: map[int]string{201: "Person"}, Problems: []int{409}}},
		{Method: "GET", Path: "/people", handle: s.listPeople,
			Op: Operation{ID: "listPeople", Summary: "List people, filtered, a page at a time", Tag: "people",
				Query: []Param{
					{Name: "status", Type: "string", Description: "Only people in this state.",
						Enum: []string{"none", "invited", "denied", "connected", "revoked", "removed"}},
					{Name: "q", Type: "string", Description: "Words that must all appear in the name, email or reference."},
					{Name: "email", Type: "string", Description: "Exactly this email address (ignoring case)."},
					{Name: "external_ref", Type: "string", Description: "Exactly this reference of yours."},
					limitParam, cursorParam},
				Answers: map[int]string{200: "PersonList"}}},
		{Method: "GET", Path: "/people/{id}", handle: s.getPerson,
			Op: Operation{ID: "getPerson", Summary: "Read a person", Tag: "people", Answers: map[int]string{200: "Person"}}},
		{Method: "PATCH", Path: "/people/{id}", handle: s.patchPerson,
			Op: Operation{ID: "updatePerson", Summary: "Change some of a person's fields", Tag: "people", Body: "PersonPatch",
				Answers: map[int]string{200: "Person"}, Problems: []int{409}}},
		{Method: "DELETE", Path: "/people/{id}", handle: s.deletePerson,
			Op: Operation{ID: "deletePerson", Summary: "Delete a person (disconnecting them from ORCID first)", Tag: "people",
				Answers: map[int]string{204: ""}}},

		{Method: "POST", Path: "/people/{id}/invitations", handle: s.createInvitation,
			Op: Operation{ID: "createInvitation", Summary: "Invite a person to connect their ORCID iD", Tag: "invitations",
				Body: "InvitationInput", OptionalBody: true, Answers: map[int]string{201: "Invitation"}, Problems: []int{409}}},
		{Method: "POST", Path: "/people/{id}/invitations/resend", handle: s.resendInvitation,
			Op: Operation{ID: "resendInvitation", Summary: "Email a fresh invitation link (the previous one stops working)",
				Tag: "invitations", Answers: map[int]string{201: "Invitation"}, Problems: []int{409}}},
		{Method: "GET", Path: "/people/{id}/invitations", handle: s.listInvitations,
			Op: Operation{ID: "listInvitations", Summary: "A person's invitations, newest (the current one) first",
				Tag: "invitations", Answers: map[int]string{200: "InvitationList"}}},

		{Method: "POST", Path: "/people/{id}/connect-links", handle: s.createConnectLink,
			Op: Operation{ID: "createConnectLink", Summary: "A link that connects the person's iD and comes back to your page with a signed result",
				Tag: "connect-links", Body: "ConnectLinkInput", Answers: map[int]string{201: "ConnectLink"}, Problems: []int{409}}},
		{Method: "POST", Path: "/connect-links", handle: s.createConnectLinkByEmail,
			Op: Operation{ID: "createConnectLinkByEmail", Summary: "A connect link for the person with this email, created if new",
				Tag: "connect-links", Body: "ConnectLinkByEmailInput", Answers: map[int]string{201: "ConnectLink"}, Problems: []int{409}}},
		{Method: "POST", Path: "/connect-results/verify", handle: s.verifyConnectResult,
			Op: Operation{ID: "verifyConnectResult", Summary: "Verify a signed result that came back to your page, and use it up",
				Tag: "connect-links", Body: "ConnectResultInput", Answers: map[int]string{200: "ConnectResult"}}},
		{Method: "GET", Path: "/connect-keys", public: true, handle: s.connectKeys,
			Op: Operation{ID: "getConnectKeys", Summary: "The public keys connect results are signed with (JSON Web Key Set)",
				Tag: "connect-links", Answers: map[int]string{200: "JSONWebKeySet"}}},
		{Method: "POST", Path: "/connections/import", handle: s.importConnections,
			Op: Operation{ID: "importConnections", Summary: "Bring iDs and tokens your ORCID client was given elsewhere: each verified with ORCID, then stored",
				Tag: "orcid", Body: "ConnectionsImportInput", Answers: map[int]string{200: "ConnectionsImport"}}},
		{Method: "PUT", Path: "/people/{id}/orcid-hint", handle: s.putORCIDHint,
			Op: Operation{ID: "putORCIDHint", Summary: "Record an iD an old system collected without ORCID's sign-in: shown as unconfirmed, never used as authenticated",
				Tag: "orcid", Body: "ORCIDHintInput", Answers: map[int]string{200: "ORCIDHint"}}},
		{Method: "GET", Path: "/people/{id}/orcid-hint", handle: s.getORCIDHint,
			Op: Operation{ID: "getORCIDHint", Summary: "The person's unconfirmed iD on file, and whether they connected another",
				Tag: "orcid", Answers: map[int]string{200: "ORCIDHint"}}},
		{Method: "DELETE", Path: "/people/{id}/orcid-hint", handle: s.deleteORCIDHint,
			Op: Operation{ID: "deleteORCIDHint", Summary: "Forget the person's unconfirmed iD on file", Tag: "orcid",
				Answers: map[int]string{204: ""}}},

		{Method: "GET", Path: "/people/{id}/orcid", handle: s.getLink,
			Op: Operation{ID: "getORCIDLink", Summary: "The person's link to ORCID: iD, permissions, state (never tokens)",
				Tag: "orcid", Answers: map[int]string{200: "ORCIDLink"}}},
		{Method: "DELETE", Path: "/people/{id}/orcid", handle: s.deleteLink,
			Op: Operation{ID: "disconnectORCID", Summary: "Disconnect the person: revoke our tokens at ORCID and forget the iD",
				Tag: "orcid", Answers: map[int]string{200: "ORCIDLink"}, Problems: []int{409}}},

		{Method: "GET", Path: "/people/{id}/record", handle: s.getRecord,
			Op: Operation{ID: "getRecord", Summary: "The person's ORCID record as last imported", Tag: "records",
				Answers: map[int]string{200: "Record"}}},
		{Method: "POST", Path: "/people/{id}/record", handle: s.importRecord,
			Op: Operation{ID: "importRecord", Summary: "Ask for the person's ORCID record to be imported again", Tag: "records",
				Answers: map[int]string{202: "ImportQueued"}, Problems: []int{409}}},

		{Method: "GET", Path: "/articles", handle: s.listArticles,
			Op: Operation{ID: "listArticles", Summary: "List articles, newest first", Tag: "articles",
				Query: []Param{limitParam}, Answers: map[int]string{200: "ArticleList"}, Problems: []int{404}}},
		{Method: "POST", Path: "/articles", handle: s.createArticle,
			Op: Operation{ID: "createArticle", Summary: "Create an article with its contributors", Tag: "articles",
				Body: "ArticleInput", Answers: map[int]string{201: "Article"}, Problems: []int{404, 409}}},
		{Method: "GET", Path: "/articles/{key}", handle: s.getArticle,
			Op: Operation{ID: "getArticle", Summary: "Read an article, its contributors' copies and its reviews", Tag: "articles",
				Answers: map[int]string{200: "Article"}}},
		{Method: "PUT", Path: "/articles/{key}", handle: s.putArticle,
			Op: Operation{ID: "putArticle", Summary: "Create or update an article (a published one follows on every record)",
				Tag: "articles", Body: "ArticleInput", Answers: map[int]string{200: "Article", 201: "Article"}}},
		{Method: "POST", Path: "/articles/{key}/publish", handle: s.publishArticle,
			Op: Operation{ID: "publishArticle", Summary: "Publish: every contributor's ORCID record gets the work", Tag: "articles",
				Answers: map[int]string{200: "Article"}}},
		{Method: "POST", Path: "/articles/{key}/unpublish", handle: s.unpublishArticle,
			Op: Operation{ID: "unpublishArticle", Summary: "Unpublish: the work leaves every record", Tag: "articles",
				Answers: map[int]string{200: "Article"}}},
		{Method: "GET", Path: "/articles/{key}/contributors.jats.xml", handle: s.articleJATS,
			Op: Operation{ID: "getArticleContributorsJATS", Tag: "articles",
				Summary: "The contributors as a JATS 1.3 <contrib-group>, authenticated iDs marked authenticated=\"true\"",
				Answers: map[int]string{200: ""}, Files: map[string]string{"application/xml": "JATSContribGroup"},
				Problems: []int{422}}},
		{Method: "GET", Path: "/articles/{key}/contributors.crossref.xml", handle: s.articleCrossref,
			Op: Operation{ID: "getArticleContributorsCrossref", Tag: "articles",
				Summary: "The contributors as Crossref 5.3.1 <contributors>, authenticated iDs marked authenticated=\"true\"",
				Answers: map[int]string{200: ""}, Files: map[string]string{"application/xml": "CrossrefContributors"},
				Problems: []int{422}}},
		{Method: "POST", Path: "/articles/{key}/reviews", handle: s.completeReview,
			Op: Operation{ID: "completeReview", Summary: "Record a completed review; the reviewer's record gets a peer review",
				Tag: "articles", Body: "ReviewInput", Answers: map[int]string{201: "Item"}}},

		{Method: "GET", Path: "/editors", handle: s.listEditors,
			Op: Operation{ID: "listEditors", Summary: "The editorial board, members serving first", Tag: "editors",
				Answers: map[int]string{200: "EditorList"}}},
		{Method: "POST", Path: "/editors", handle: s.createEditor,
			Op: Operation{ID: "createEditor", Summary: "Add a member to the editorial board; their record gets a service affiliation",
				Tag: "editors", Body: "EditorInput", Answers: map[int]string{201: "Editor"}}},
		{Method: "GET", Path: "/editors/{editor_id}", handle: s.getEditor,
			Op: Operation{ID: "getEditor", Summary: "Read a member of the editorial board", Tag: "editors",
				Answers: map[int]string{200: "Editor"}}},
		{Method: "PATCH", Path: "/editors/{editor_id}", handle: s.patchEditor,
			Op: Operation{ID: "updateEditor", Summary: "Change a member's role, or end their membership (end_on): the affiliation follows",
				Tag: "editors", Body: "EditorInput", Answers: map[int]string{200: "Editor"}}},

		{Method: "GET", Path: "/calls", handle: s.listCalls,
			Op: Operation{ID: "listCalls", Summary: "The log of calls to ORCID, newest first (secrets redacted)", Tag: "calls",
				Query: []Param{{Name: "person_id", Type: "integer", Description: "Only calls about this person."},
					{Name: "limit", Type: "integer", Description: "Page size (default 100, at most 1000)."}, cursorParam},
				Answers: map[int]string{200: "CallList"}, Problems: []int{404}}},

		{Method: "POST", Path: "/webhooks", handle: s.createWebhook,
			Op: Operation{ID: "createWebhook", Summary: "Subscribe an endpoint of yours to events; the answer shows its signing secret, this once",
				Tag: "webhooks", Body: "WebhookInput", Answers: map[int]string{201: "WebhookEndpointWithSecret"}}},
		{Method: "GET", Path: "/webhooks", handle: s.listWebhooks,
			Op: Operation{ID: "listWebhooks", Summary: "The tenant's webhook endpoints", Tag: "webhooks",
				Answers: map[int]string{200: "WebhookEndpointList"}}},
		{Method: "GET", Path: "/webhooks/{endpoint_id}", handle: s.getWebhook,
			Op: Operation{ID: "getWebhook", Summary: "Read a webhook endpoint (never its secret)", Tag: "webhooks",
				Answers: map[int]string{200: "WebhookEndpoint"}}},
		{Method: "PATCH", Path: "/webhooks/{endpoint_id}", handle: s.patchWebhook,
			Op: Operation{ID: "updateWebhook", Summary: "Change an endpoint's URL, events, description or whether it is active",
				Tag: "webhooks", Body: "WebhookPatch", Answers: map[int]string{200: "WebhookEndpoint"}}},
		{Method: "DELETE", Path: "/webhooks/{endpoint_id}", handle: s.deleteWebhook,
			Op: Operation{ID: "deleteWebhook", Summary: "Delete an endpoint and its deliveries", Tag: "webhooks",
				Answers: map[int]string{204: ""}}},
		{Method: "POST", Path: "/webhooks/{endpoint_id}/secret", handle: s.rotateWebhookSecret,
			Op: Operation{ID: "rotateWebhookSecret", Summary: "Give the endpoint a new signing secret, shown this once; the old one stops at once",
				Tag: "webhooks", Answers: map[int]string{200: "WebhookEndpointWithSecret"}}},
		{Method: "GET", Path: "/webhooks/{endpoint_id}/deliveries", handle: s.listDeliveries,
			Op: Operation{ID: "listWebhookDeliveries", Summary: "The endpoint's deliveries with their last attempt, newest first",
				Tag: "webhooks", Query: []Param{{Name: "state", Type: "string", Description: "Only deliveries in this state.",
					Enum: []string{"pending", "delivered", "failed"}}, limitParam, cursorParam},
				Answers: map[int]string{200: "WebhookDeliveryList"}}},
		{Method: "POST", Path: "/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver", handle: s.redeliver,
			Op: Operation{ID: "redeliverWebhook", Summary: "Send a delivery's event again now", Tag: "webhooks",
				Answers: map[int]string{202: "WebhookDelivery"}}},
		{Method: "GET", Path: "/events", handle: s.listEvents,
			Op: Operation{ID: "listEvents", Summary: "The tenant's events, newest first, as the envelopes receivers get", Tag: "webhooks",
				Query: []Param{{Name: "type", Type: "string", Description: "Only events of this type.", Enum: webhooks.EventTypes()},
					{Name: "person_id", Type: "integer", Description: "Only events about this person."}, limitParam, cursorParam},
				Answers: map[int]string{200: "EventList"}, Problems: []int{404}}},

		{Method: "POST", Path: "/batches", handle: s.uploadBatch, upload: true,
			Op: Operation{ID: "uploadBatch", Summary: "Upload a batch file; it is validated as it streams in", Tag: "batches",
				Query: []Param{{Name: "kind", Type: "string", Description: "What the file holds.", Enum: batchKinds(), Required: true},
					{Name: "filename", Type: "string", Description: "The file's name, for the report and lists."}},
				Uploads: map[string]string{"text/csv": "CSVFile", "application/json": "BatchFileJSON", "application/x-ndjson": "NDJSONFile"},
				Answers: map[int]string{201: "Batch"}}},
		{Method: "GET", Path: "/batches", handle: s.listBatches,
			Op: Operation{ID: "listBatches", Summary: "The tenant's batch files, newest first", Tag: "batches",
				Query: []Param{limitParam}, Answers: map[int]string{200: "BatchList"}, Problems: []int{404}}},
		{Method: "GET", Path: "/batches/{batch_id}", handle: s.getBatch,
			Op: Operation{ID: "getBatch", Summary: "A batch file's state, counts and import progress", Tag: "batches",
				Answers: map[int]string{200: "Batch"}}},
		{Method: "GET", Path: "/batches/{batch_id}/problems", handle: s.batchProblems,
			Op: Operation{ID: "getBatchProblems", Summary: "The validation report: counts by problem and the first problems (JSON), or every problem (CSV)",
				Tag: "batches", Query: []Param{{Name: "format", Type: "string", Description: "json (default) or csv.", Enum: []string{"json", "csv"}},
					{Name: "limit", Type: "integer", Description: "How many problems the JSON report lists (default 200, at most 10000); all are counted."}},
				Answers: map[int]string{200: "BatchReport"}, Files: map[string]string{"text/csv": "CSVFile"}}},
		{Method: "POST", Path: "/batches/{batch_id}/import", handle: s.importBatch,
			Op: Operation{ID: "importBatch", Summary: "Import a checked batch file (one with problems only with only_valid)", Tag: "batches",
				Body: "BatchImportInput", OptionalBody: true, Answers: map[int]string{202: "Batch"}}},
		{Method: "GET", Path: "/batches/{batch_id}/result", handle: s.batchResult,
			Op: Operation{ID: "getBatchResult", Summary: "The result file: per row, the person's and the item's state and put-code, now",
				Tag: "batches", Answers: map[int]string{200: ""}, Files: map[string]string{"text/csv": "CSVFile"}}},
		{Method: "GET", Path: "/batch-templates/{kind}", handle: s.batchTemplate,
			Op: Operation{ID: "getBatchTemplate", Summary: "A template to fill in: the kind's columns and an example row", Tag: "batches",
				Query:   []Param{{Name: "format", Type: "string", Description: "csv (default) or json.", Enum: []string{"csv", "json"}}},
				Answers: map[int]string{200: "BatchTemplate"}, Files: map[string]string{"text/csv": "CSVFile"}}},
	}
	for _, kind := range orcid.Kinds() {
		rs = append(rs, s.itemRoutes(kind)...)
	}
	return rs
}

// itemRoutes are the routes of one item kind, e.g. /people/{id}/works.
func (s *Server) itemRoutes(kind orcid.ItemKind) []Route {
	section := sectionOf(kind)
	name := operationName(section)
	base := "/people/{id}/" + section
	h := itemHandlers{s: s, kind: kind}
	return []Route{
		{Method: "POST", Path: base, handle: h.create,
			Op: Operation{ID: "create" + name, Summary: "Add a " + string(kind) + " to the person's ORCID record", Tag: "items",
				Body: "ItemInput", Answers: map[int]string{201: "Item"}, Problems: []int{409}}},
		{Method: "GET", Path: base, handle: h.list,
			Op: Operation{ID: "list" + name, Summary: "The person's " + section + " written by this tenant", Tag: "items",
				Query: []Param{limitParam, cursorParam}, Answers: map[int]string{200: "ItemList"}}},
		{Method: "GET", Path: base + "/{key}", handle: h.get,
			Op: Operation{ID: "get" + name, Summary: "Read a " + string(kind) + ": state, put-code, ORCID's message", Tag: "items",
				Answers: map[int]string{200: "Item"}}},
		{Method: "PUT", Path: base + "/{key}", handle: h.put,
			Op: Operation{ID: "put" + name, Summary: "Create or update a " + string(kind), Tag: "items",
				Body: "ItemPutInput", Answers: map[int]string{200: "Item", 201: "Item"}}},
		{Method: "DELETE", Path: base + "/{key}", handle: h.retract,
			Op: Operation{ID: "retract" + name, Summary: "Retract a " + string(kind) + " from the person's record", Tag: "items",
				Answers: map[int]string{200: "Item"}}},
	}
}

// standardProblems are the problem statuses every operation of a shape
// may answer: authentication, rate limit and our own failures; a missing
// resource named in the path; an unreadable or invalid body or query; an
// Idempotency-Key reused or still in use.
func standardProblems(rt Route) []int {
	if rt.public {
		return []int{http.StatusInternalServerError}
	}
	out := []int{401, 429, 500}
	if len(pathParams(rt.Path)) > 0 {
		out = append(out, 404)
	}
	if rt.Method == "POST" || rt.Method == "PUT" || rt.Method == "PATCH" {
		out = append(out, 413)
	}
	if rt.Op.Body != "" || len(rt.Op.Uploads) > 0 {
		out = append(out, 400, 415, 422)
	}
	if len(rt.Op.Query) > 0 {
		out = append(out, 422)
	}
	if rt.Method == "POST" {
		out = append(out, 409, 422)
	}
	return out
}
