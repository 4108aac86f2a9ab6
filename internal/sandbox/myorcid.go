package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// The researcher's side of a record: the account settings (names,
// biography, visibility preferences) and the record page at /my-orcid,
// where, as on orcid.org, the owner sees every item of the record whatever
// its source and visibility, changes the visibility of any of them,
// deletes any of them, and adds works of their own (the researcher is then
// the source: source-orcid).

func (r *Registry) registerRecordOwnerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /account/settings", r.handleAccountSettings)
	mux.HandleFunc("GET /my-orcid", r.handleMyOrcid)
	mux.HandleFunc("POST /my-orcid/items/visibility", r.handleItemVisibility)
	mux.HandleFunc("POST /my-orcid/items/delete", r.handleItemDelete)
	mux.HandleFunc("POST /my-orcid/works", r.handleAddWork)
}

// ownerForm reads a form posted by the signed-in researcher and checks
// its token (purpose names the page the form came from). ok false means a
// response was written already.
func (r *Registry) ownerForm(w http.ResponseWriter, req *http.Request, purpose, returnTo string) (Session, Researcher, bool) {
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		http.Error(w, "400 Bad Request: the form could not be read", http.StatusBadRequest)
		return Session{}, Researcher{}, false
	}
	sess, res, ok := r.currentSession(req)
	if !ok {
		http.Redirect(w, req, r.BaseURL()+"/signin?return_to="+url.QueryEscape(returnTo), http.StatusSeeOther)
		return sess, res, false
	}
	if !r.checkFormToken(sess.ID, purpose, "", req.PostForm.Get("form_token")) {
		http.Error(w, "403 Forbidden: this form is stale; reload the page and try again", http.StatusForbidden)
		return sess, res, false
	}
	return sess, res, true
}

// handleAccountSettings saves the settings form of the account page.
func (r *Registry) handleAccountSettings(w http.ResponseWriter, req *http.Request) {
	_, res, ok := r.ownerForm(w, req, "account", "/account")
	if !ok {
		return
	}
	f := req.PostForm
	ch := SettingsChange{}
	for field, dst := range map[string]**string{
		"default_visibility": &ch.DefaultVisibility, "names_visibility": &ch.NamesVisibility,
		"credit_name": &ch.CreditName, "biography": &ch.Biography,
	} {
		if v, present := f[field]; present {
			s := strings.ReplaceAll(v[0], "\r\n", "\n")
			*dst = &s
		}
	}
	if _, err := r.UpdateResearcherSettings(req.Context(), res.ORCID, ch); err != nil {
		var fe *FieldError
		if !errors.As(err, &fe) {
			r.serverError(w, req, fmt.Errorf("account settings: %w", err))
			return
		}
		r.renderAccount(w, req, http.StatusBadRequest, map[string]string{fe.Field: fe.Message})
		return
	}
	http.Redirect(w, req, r.BaseURL()+"/account?saved=1", http.StatusSeeOther)
}

// ownedItem is one item of the record as its owner sees it.
type ownedItem struct {
	Kind       string
	PutCode    int64
	Title      string
	Source     string
	Mine       bool // the researcher is the source
	Visibility string
}

type myOrcidPage struct {
	pageCommon
	Researcher Researcher
	RecordURL  string
	Items      []ownedItem
	FormToken  string
	Visibility []string
	WorkTypes  []string
	IDTypes    []string
	Errors     map[string]string
	WorkForm   addWorkForm
	Notice     string // an English message key
	Done       string // what the notice reports: visibility, deleted, added
	// EmailVerified is where a verification link led ("true" when the
	// owner just verified their email, security.go).
	EmailVerified string
}

type addWorkForm struct {
	Title, Type, IDType, IDValue string
}

func (r *Registry) handleMyOrcid(w http.ResponseWriter, req *http.Request) {
	if _, _, ok := r.currentSession(req); !ok {
		http.Redirect(w, req, r.BaseURL()+"/signin?return_to=%2Fmy-orcid", http.StatusFound)
		return
	}
	done := req.URL.Query().Get("done")
	notice := map[string]string{
		"visibility": "Visibility updated.", "deleted": "Item deleted.", "added": "Work added.",
	}[done]
	if notice == "" {
		done = ""
	}
	r.renderMyOrcid(w, req, http.StatusOK, addWorkForm{Type: "journal-article", IDType: "doi"}, nil, done, notice)
}

func (r *Registry) renderMyOrcid(w http.ResponseWriter, req *http.Request, status int, form addWorkForm, errs map[string]string, done, notice string) {
	sess, res, ok := r.currentSession(req)
	if !ok {
		http.Redirect(w, req, r.BaseURL()+"/signin?return_to=%2Fmy-orcid", http.StatusFound)
		return
	}
	rows, err := r.store.Items(req.Context(), res.ORCID)
	if err != nil {
		r.serverError(w, req, fmt.Errorf("my-orcid items: %w", err))
		return
	}
	p := myOrcidPage{
		pageCommon: r.localized(req, "My ORCID record", ""), Researcher: res, RecordURL: r.IDURI(res.ORCID),
		FormToken: r.formToken(sess.ID, "my-orcid", ""), Visibility: orcid.Visibilities, WorkTypes: orcid.WorkTypes,
		IDTypes: orcid.IdentifierTypeNames(), Errors: errs, WorkForm: form, Notice: notice, Done: done,
		EmailVerified: req.URL.Query().Get("emailVerified"),
	}
	names := map[string]string{}
	for _, row := range rows {
		if !orcid.ItemKind(row.Kind).Valid() {
			continue
		}
		src, ok := names[row.SourceClientID]
		if !ok {
			src = res.DisplayName()
			if row.SourceClientID != "" {
				c, err := r.store.Client(req.Context(), row.SourceClientID)
				if err != nil && !errors.Is(err, ErrNotFound) {
					r.serverError(w, req, err)
					return
				}
				src = c.Name
			}
			names[row.SourceClientID] = src
		}
		p.Items = append(p.Items, ownedItem{Kind: row.Kind, PutCode: row.PutCode, Title: itemTitle(row.Body),
			Source: src, Mine: row.SourceClientID == "", Visibility: row.Visibility})
	}
	r.render(w, req, status, "myorcid", p)
}

// ownerItem finds the item a form names by kind and put-code: put-codes
// only identify an item together with its kind.
func (r *Registry) ownerItem(req *http.Request, res Researcher) (StoredItem, error) {
	kind := orcid.ItemKind(req.PostForm.Get("kind"))
	pc, err := strconv.ParseInt(req.PostForm.Get("put_code"), 10, 64)
	if err != nil || !kind.Valid() {
		return StoredItem{}, ErrNotFound
	}
	row, err := r.store.Item(req.Context(), res.ORCID, string(kind), pc)
	if err != nil {
		return row, err
	}
	if row.Kind != string(kind) {
		return row, ErrNotFound
	}
	return row, nil
}

// handleItemVisibility changes the visibility of any item of the record,
// whoever its source: ORCID lets the owner hide what clients wrote. The
// stored body follows the row so both always agree.
func (r *Registry) handleItemVisibility(w http.ResponseWriter, req *http.Request) {
	_, res, ok := r.ownerForm(w, req, "my-orcid", "/my-orcid")
	if !ok {
		return
	}
	vis := orcid.Visibility(req.PostForm.Get("visibility"))
	if vis != orcid.VisibilityPublic && vis != orcid.VisibilityLimited && vis != orcid.VisibilityPrivate {
		http.Error(w, "400 Bad Request: visibility must be public, limited or private", http.StatusBadRequest)
		return
	}
	row, err := r.ownerItem(req, res)
	if errors.Is(err, ErrNotFound) {
		http.Error(w, "404 Not Found: no such item on your record", http.StatusNotFound)
		return
	}
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	item := orcid.NewItem(orcid.ItemKind(row.Kind))
	if err := json.Unmarshal(row.Body, item); err != nil {
		r.serverError(w, req, fmt.Errorf("stored item %d: %w", row.PutCode, err))
		return
	}
	now := r.now()
	item.SetVisibility(vis)
	item.SetDates(row.CreatedAt, now)
	body, err := itemBody(item)
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	row.Visibility, row.Body, row.ModifiedAt = string(vis), body, now
	if err := r.store.UpdateItem(req.Context(), row); err != nil {
		r.serverError(w, req, fmt.Errorf("item visibility: %w", err))
		return
	}
	http.Redirect(w, req, r.BaseURL()+"/my-orcid?done=visibility", http.StatusSeeOther)
}

// handleItemDelete deletes any item of the record. A client that later
// PUTs or DELETEs it gets 404 9016, as on ORCID.
func (r *Registry) handleItemDelete(w http.ResponseWriter, req *http.Request) {
	_, res, ok := r.ownerForm(w, req, "my-orcid", "/my-orcid")
	if !ok {
		return
	}
	row, err := r.ownerItem(req, res)
	if errors.Is(err, ErrNotFound) {
		http.Error(w, "404 Not Found: no such item on your record", http.StatusNotFound)
		return
	}
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	if err := r.store.DeleteItem(req.Context(), res.ORCID, row.Kind, row.PutCode); err != nil && !errors.Is(err, ErrNotFound) {
		r.serverError(w, req, fmt.Errorf("delete item: %w", err))
		return
	}
	http.Redirect(w, req, r.BaseURL()+"/my-orcid?done=deleted", http.StatusSeeOther)
}

// handleAddWork adds a work the researcher enters: title, type and one
// self identifier, validated as the API validates a work. It gets the
// researcher's default visibility (setIncomingWorkPrivacy for the UI) and
// the researcher as source; ORCID allows the user duplicates, so none is
// looked for.
func (r *Registry) handleAddWork(w http.ResponseWriter, req *http.Request) {
	_, res, ok := r.ownerForm(w, req, "my-orcid", "/my-orcid")
	if !ok {
		return
	}
	f := req.PostForm
	form := addWorkForm{Title: strings.TrimSpace(f.Get("title")), Type: f.Get("type"),
		IDType: f.Get("id_type"), IDValue: strings.TrimSpace(f.Get("id_value"))}
	fail := func(field, msg string) {
		r.renderMyOrcid(w, req, http.StatusBadRequest, form, map[string]string{field: msg}, "", "")
	}
	switch {
	case !res.EmailVerified:
		// ORCID's record page asks for a verified email before the
		// researcher adds anything (orcid-angular panel.component openModal
		// and VerificationEmailModalService; names and emails excepted).
		// Clients still write through the API.
		fail("email", "You need to verify your email address before you can add information to your ORCID record.")
		return
	case form.Title == "":
		fail("title", "A title is required.")
		return
	case form.IDValue == "":
		fail("id_value", "An identifier is required.")
		return
	}
	if _, known := orcid.IdentifierType(form.IDType); !known {
		fail("id_type", "Choose an identifier type from the list.")
		return
	}
	doc, err := json.Marshal(map[string]any{
		"title": map[string]any{"title": map[string]string{"value": form.Title}},
		"type":  form.Type,
		"external-ids": map[string]any{"external-id": []map[string]string{{
			"external-id-type": form.IDType, "external-id-value": form.IDValue, "external-id-relationship": orcid.RelationshipSelf,
		}}},
	})
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	work := &orcid.Work{}
	if err := json.Unmarshal(doc, work); err != nil {
		r.serverError(w, req, err)
		return
	}
	if err := r.validateItem(work, writeCheck{create: true, clientName: res.DisplayName()}); err != nil {
		fail("work", asAPIError(err).developerMessage())
		return
	}
	if err := r.addOwnItem(req.Context(), res, orcid.KindWork, work); err != nil {
		r.serverError(w, req, fmt.Errorf("add work: %w", err))
		return
	}
	http.Redirect(w, req, r.BaseURL()+"/my-orcid?done=added", http.StatusSeeOther)
}

// addOwnItem stores an item the researcher enters: the researcher is its
// source (source-orcid), it takes the default visibility, and its display
// index is 0, what ORCID gives items the researcher enters.
func (r *Registry) addOwnItem(ctx context.Context, res Researcher, kind orcid.ItemKind, item orcid.Item) error {
	now := r.now()
	vis := orcid.Visibility(res.DefaultVisibility)
	src := &orcid.Source{SourceOrcid: r.orcidIdentifier(mediaType{json: true}, res.ORCID), SourceName: orcid.NewText(res.DisplayName())}
	row := StoredItem{ORCID: res.ORCID, Kind: string(kind), Visibility: string(vis), DisplayIndex: 0,
		CreatedAt: now, ModifiedAt: now}
	_, err := r.store.CreateItemFunc(ctx, row, func(pc int64) ([]byte, error) {
		item.SetPutCode(pc)
		setDisplayIndex(item, 0)
		item.SetPath(kind.ItemPath(res.ORCID, pc))
		item.SetVisibility(vis)
		item.SetDates(now, now)
		item.SetSource(src)
		return itemBody(item)
	})
	return err
}
