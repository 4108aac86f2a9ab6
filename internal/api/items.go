package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// sectionOf is the collection segment of a kind under /people/{id}/:
// ORCID's own section name ("works", "employments", "keywords", ...),
// "addresses" for addresses (ORCID calls both the item and the section
// "address").
func sectionOf(kind orcid.ItemKind) string {
	if kind == orcid.KindAddress {
		return "addresses"
	}
	info, _ := kind.Info()
	return info.SectionPath
}

// operationName is a section in CamelCase, for operationIds: "invited-positions"
// becomes "InvitedPositions".
func operationName(section string) string {
	var b strings.Builder
	for _, part := range strings.Split(section, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// item is an item as the API shows it: what we asked ORCID to hold and
// where it stands.
type item struct {
	Key         string          `json:"key"`
	Kind        string          `json:"kind"`
	State       string          `json:"state"`
	StateReason string          `json:"state_reason"`
	PutCode     *int64          `json:"put_code"`
	ORCIDPath   string          `json:"orcid_path"` // ORCID's path of the item, "/0000-…/work/123"
	RecordURL   string          `json:"record_url"` // the record (iD URI) holding it
	Attempts    int             `json:"attempts"`
	LastError   string          `json:"last_error"`
	Content     json.RawMessage `json:"content"` // the item as ORCID v3.0 JSON
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	SyncedAt    *time.Time      `json:"synced_at"`
}

type itemList struct {
	Items      []item `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// itemInput is the body of POST: the ORCID JSON of the item and, if you
// like, your key for it (else one is made).
type itemInput struct {
	Key  string          `json:"key"`
	Item json.RawMessage `json:"item"`
}

// itemPutInput is the body of PUT /{key}.
type itemPutInput struct {
	Item json.RawMessage `json:"item"`
}

// itemHandlers serve the routes of one kind.
type itemHandlers struct {
	s    *Server
	kind orcid.ItemKind
}

func (h itemHandlers) path(p store.Person, key string) string {
	return "/people/" + strconv.FormatInt(p.ID, 10) + "/" + sectionOf(h.kind) + "/" + url.PathEscape(key)
}

// links remembers the links items name, for their ORCID paths.
type links map[int64]store.Link

func (h itemHandlers) view(c *call, it store.Item, ls links) (item, error) {
	out := item{Key: it.Key, Kind: string(it.Kind), State: string(it.State), StateReason: it.StateReason, Attempts: it.Attempts,
		LastError: it.LastError, Content: it.Content, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, SyncedAt: timeOrNil(it.SyncedAt)}
	if it.PutCode != 0 && it.LinkID != 0 {
		pc := it.PutCode
		out.PutCode = &pc
		l, ok := ls[it.LinkID]
		if !ok {
			var err error
			l, err = h.s.st.LinkByID(c.ctx, c.tenant, it.LinkID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return item{}, err
			}
			ls[it.LinkID] = l
		}
		if l.ORCID != "" {
			out.ORCIDPath = it.Kind.ItemPath(string(l.ORCID), it.PutCode)
			out.RecordURL = l.ORCIDURI
		}
	}
	return out, nil
}

// decodeItem reads the ORCID JSON of an item of the handler's kind and
// checks it as ORCID would; problems point into the request body.
func (h itemHandlers) decodeItem(c *call, raw json.RawMessage) (orcid.Item, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, invalid("The body needs the item.", FieldError{Pointer: "/item", Detail: "is required"})
	}
	x := orcid.NewItem(h.kind)
	if err := decode(raw, "/item", x); err != nil {
		return nil, err
	}
	// Canonicalising and validating happen once, in Queue.Put, whose
	// refusal the handlers report under /item.
	if err := h.s.defaultOrganization(c, x); err != nil {
		return nil, err
	}
	return x, nil
}

func validKey(key string) bool {
	if key == "" || len(key) > 200 {
		return false
	}
	for _, r := range key {
		if r == '/' || unicode.IsControl(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// defaultOrganization gives an affiliation, funding or peer review that
// names no organisation the tenant's own (PATCH /tenant), when it has one.
func (s *Server) defaultOrganization(c *call, x orcid.Item) error {
	t, err := s.st.Tenant(c.ctx, c.tenant)
	if err != nil {
		return err
	}
	if p := t.Settings.Publisher; p.Complete() {
		orcid.FillOrganization(x, p.Organization())
	}
	return nil
}

const keyRule = "must be 1 to 200 characters without spaces or slashes"

func (h itemHandlers) create(c *call) (reply, error) {
	p, err := h.s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	var in itemInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	if in.Key == "" {
		b := make([]byte, 10)
		rand.Read(b)
		in.Key = "api-" + hex.EncodeToString(b)
	} else if !validKey(in.Key) {
		return reply{}, invalid("The key is not valid.", FieldError{Pointer: "/key", Detail: keyRule})
	}
	x, err := h.decodeItem(c, in.Item)
	if err != nil {
		return reply{}, err
	}
	if it, err := h.s.st.ItemByKey(c.ctx, c.tenant, p.ID, h.kind, in.Key); err == nil && it.State != store.ItemRetracted {
		return reply{}, withDetail(store.ErrConflict, "The person already has a "+string(h.kind)+" with this key; PUT to "+
			Prefix+h.path(p, in.Key)+" changes it.")
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return reply{}, err
	}
	it, err := h.s.cfg.Queue.Put(c.ctx, jobs.PutItem{TenantID: c.tenant, PersonID: p.ID, Key: in.Key, Item: x})
	if err != nil {
		return reply{}, &itemPointer{base: "/item", err: err}
	}
	out, err := h.view(c, it, links{})
	if err != nil {
		return reply{}, err
	}
	return created(h.path(p, in.Key), out)
}

func (h itemHandlers) put(c *call) (reply, error) {
	p, err := h.s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	key := c.r.PathValue("key")
	if !validKey(key) {
		return reply{}, withDetail(store.ErrNotFound, "There is no such item.")
	}
	var in itemPutInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	x, err := h.decodeItem(c, in.Item)
	if err != nil {
		return reply{}, err
	}
	_, err = h.s.st.ItemByKey(c.ctx, c.tenant, p.ID, h.kind, key)
	existed := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return reply{}, err
	}
	it, err := h.s.cfg.Queue.Put(c.ctx, jobs.PutItem{TenantID: c.tenant, PersonID: p.ID, Key: key, Item: x})
	if err != nil {
		return reply{}, &itemPointer{base: "/item", err: err}
	}
	out, err := h.view(c, it, links{})
	if err != nil {
		return reply{}, err
	}
	if existed {
		return ok(out)
	}
	return created(h.path(p, key), out)
}

func (h itemHandlers) get(c *call) (reply, error) {
	p, err := h.s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	it, err := h.s.st.ItemByKey(c.ctx, c.tenant, p.ID, h.kind, c.r.PathValue("key"))
	if err != nil {
		return reply{}, withDetail(err, "There is no such item.")
	}
	out, err := h.view(c, it, links{})
	if err != nil {
		return reply{}, err
	}
	return ok(out)
}

func (h itemHandlers) retract(c *call) (reply, error) {
	p, err := h.s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	it, err := h.s.cfg.Queue.Retract(c.ctx, c.tenant, p.ID, h.kind, c.r.PathValue("key"))
	if err != nil {
		return reply{}, withDetail(err, "There is no such item.")
	}
	out, err := h.view(c, it, links{})
	if err != nil {
		return reply{}, err
	}
	return ok(out)
}

// list pages through the person's items of the kind in the order they
// were first written; the cursor is the last item's position.
func (h itemHandlers) list(c *call) (reply, error) {
	p, err := h.s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	q := c.r.URL.Query()
	var errs fieldErrors
	limit := intParam(q.Get("limit"), "limit", 500, &errs)
	if limit == 0 {
		limit = 50
	}
	var after int64
	if v := q.Get("cursor"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			errs.param("cursor", "is not a cursor of this list")
		}
	}
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	out := itemList{Items: []item{}}
	ls := links{}
	// The store pages a person's items of every kind; keep those of this
	// kind until the page is full.
	for len(out.Items) < limit {
		batch, err := h.s.st.ListItems(c.ctx, c.tenant, store.ItemQuery{PersonID: p.ID, AfterID: after, Limit: 500})
		if err != nil {
			return reply{}, err
		}
		for _, it := range batch {
			after = it.ID
			if it.Kind != h.kind {
				continue
			}
			v, err := h.view(c, it, ls)
			if err != nil {
				return reply{}, err
			}
			out.Items = append(out.Items, v)
			if len(out.Items) == limit {
				out.NextCursor = strconv.FormatInt(it.ID, 10)
				break
			}
		}
		if len(batch) < 500 {
			break
		}
	}
	return reply{status: http.StatusOK, body: out}, nil
}
