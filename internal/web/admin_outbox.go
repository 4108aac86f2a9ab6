package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/store"
)

// adminOutboxLimit is how many messages the outbox page lists, newest first.
const adminOutboxLimit = 200

type adminOutboxRow struct {
	store.Email
	TenantName string
}

type adminOutboxData struct {
	Emails  []adminOutboxRow
	Site    bool
	Search  string
	State   store.EmailState
	States  []store.EmailState
	Tenant  int64 // 0: every tenant the administrator sees
	Tenants []store.Tenant
	Limited bool // the list stopped at adminOutboxLimit: there are older ones
	// Pages, newest first: the next starts before the last message listed
	// (keyset on the id, so that messages queued meanwhile never make a
	// page skip or repeat one). FirstURL and NextURL keep the filters.
	Paged             bool
	FirstURL, NextURL string
}

// adminOutboxURL is the outbox with its filters, from before the message
// before (0: the newest).
func adminOutboxURL(search string, state store.EmailState, tenant, before int64) string {
	v := url.Values{}
	if search != "" {
		v.Set("q", search)
	}
	if state != "" {
		v.Set("state", string(state))
	}
	if tenant != 0 {
		v.Set("tenant", strconv.FormatInt(tenant, 10))
	}
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	if len(v) == 0 {
		return "/admin/outbox"
	}
	return "/admin/outbox?" + v.Encode()
}

// adminOutbox lists what orcidlink sent or will send: the whole outbox for
// a site administrator, their tenants' messages for a manager; searched by
// recipient or subject, filtered by state and tenant.
func (s *Server) adminOutbox(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	ctx := r.Context()
	ts, err := s.store.TenantsOfUser(ctx, a.ID)
	if err != nil {
		s.adminFail(w, r, a, "list tenants", err)
		return
	}
	names := map[int64]string{}
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	query := r.URL.Query()
	d := adminOutboxData{Site: a.Role == store.RoleSiteAdmin, Search: strings.TrimSpace(query.Get("q")),
		State: store.EmailState(query.Get("state")), Tenants: ts,
		States: []store.EmailState{store.EmailWaiting, store.EmailFailed, store.EmailSent}}
	if d.State != "" && !d.State.Valid() {
		s.adminBadRequest(w, r, a, "There is no such state to filter messages by.")
		return
	}
	// One more than a page: whether it comes back says if there is a next.
	q := store.EmailQuery{Search: d.Search, State: d.State, Limit: adminOutboxLimit + 1}
	if raw := query.Get("before"); raw != "" {
		before, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || before < 1 {
			s.adminBadRequest(w, r, a, "This page link is not valid any more.")
			return
		}
		q.BeforeID, d.Paged = before, true
	}
	if raw := query.Get("tenant"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if _, mine := names[id]; err != nil || !mine {
			// Another tenant's id shows nothing rather than saying it exists.
			s.adminBadRequest(w, r, a, "There is no such tenant to filter messages by.")
			return
		}
		d.Tenant = id
		q.TenantIDs = []int64{id}
	} else if !d.Site {
		// A manager sees their tenants' messages, never site-wide ones.
		q.TenantIDs = make([]int64, 0, len(ts))
		for _, t := range ts {
			q.TenantIDs = append(q.TenantIDs, t.ID)
		}
	}
	emails, err := s.store.SearchEmails(ctx, q)
	if err != nil {
		s.adminFail(w, r, a, "list the outbox", err)
		return
	}
	if d.Limited = len(emails) > adminOutboxLimit; d.Limited {
		emails = emails[:adminOutboxLimit]
		d.NextURL = adminOutboxURL(d.Search, d.State, d.Tenant, emails[len(emails)-1].ID)
	}
	d.FirstURL = adminOutboxURL(d.Search, d.State, d.Tenant, 0)
	for _, e := range emails {
		d.Emails = append(d.Emails, adminOutboxRow{Email: e, TenantName: names[e.TenantID]})
	}
	s.render(w, r, http.StatusOK, "admin_outbox", s.adminPage(r, a, "Outbox", d))
}

// adminVisibleEmail reads a message the administrator may see: a manager sees
// only their tenants' messages, never site-wide ones.
func (s *Server) adminVisibleEmail(r *http.Request, a *store.AdminUser) (store.Email, error) {
	id, ok := adminPathID(r, "eid")
	if !ok {
		return store.Email{}, store.ErrNotFound
	}
	e, err := s.store.Email(r.Context(), id)
	if err != nil || a.Role == store.RoleSiteAdmin {
		return e, err
	}
	if e.TenantID == 0 {
		return store.Email{}, errNotAllowed
	}
	ok, err = s.store.UserCanSeeTenant(r.Context(), a.ID, e.TenantID)
	if err != nil {
		return store.Email{}, err
	}
	if !ok {
		return store.Email{}, errNotAllowed
	}
	return e, nil
}

type adminEmailData struct {
	Email      store.Email
	TenantName string
	PreviewURL string
}

func (s *Server) adminEmail(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	e, err := s.adminVisibleEmail(r, a)
	if adminIsNotFound(err) {
		s.adminNotFound(w, r, a)
		return
	}
	if err != nil {
		s.adminFail(w, r, a, "load the message", err)
		return
	}
	d := adminEmailData{Email: e, PreviewURL: r.URL.Path + "/preview"}
	if e.TenantID != 0 {
		t, err := s.store.Tenant(r.Context(), e.TenantID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.adminFail(w, r, a, "load the message's tenant", err)
			return
		}
		d.TenantName = t.Name
	}
	s.render(w, r, http.StatusOK, "admin_email", s.adminPage(r, a, e.Subject, d))
}

// adminEmailPreview serves a message's HTML on its own, for the sandboxed
// iframe of the message page. The HTML is ours (rendered from a tenant's
// template), but it embeds names people typed, so it is treated as
// untrusted: the CSP sandbox gives it an opaque origin with no scripts,
// forms or navigation, it may load nothing but inline styles and data:
// images, and only our own pages may frame it.
func (s *Server) adminEmailPreview(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	e, err := s.adminVisibleEmail(r, a)
	if adminIsNotFound(err) {
		s.adminNotFound(w, r, a)
		return
	}
	if err != nil {
		s.adminFail(w, r, a, "load the message", err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	body := e.HTMLBody
	if body == "" {
		body = "<p>This message has no HTML part.</p>"
	}
	_, _ = w.Write([]byte(body))
}
