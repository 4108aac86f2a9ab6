package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The researcher's ORCID inbox (orcid.org/inbox): the permission
// notifications member clients sent (notifications.go). As on orcid.org the
// researcher can follow a request's link, which marks it read and actioned
// (NotificationManagerImpl.setActionedAndReadDate) and goes to the
// client's authorization URL, or archive it. Once read, the client can no
// longer archive it through the API (9009).

func (r *Registry) registerInboxRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /inbox", r.handleInbox)
	mux.HandleFunc("POST /inbox/{id}/action", r.handleInboxAction)
	mux.HandleFunc("POST /inbox/{id}/archive", r.handleInboxArchive)
}

type inboxPage struct {
	pageCommon
	FormToken     string
	Notifications []inboxEntry
}

type inboxEntry struct {
	PutCode    int64
	ClientID   string
	ClientName string
	Subject    string
	Intro      string
	Created    time.Time
	Read       bool
	Items      []inboxItem
}

type inboxItem struct{ Type, Name, ID string }

func (r *Registry) handleInbox(w http.ResponseWriter, req *http.Request) {
	sess, res, ok := r.currentSession(req)
	if !ok {
		http.Redirect(w, req, r.BaseURL()+"/signin?return_to=%2Finbox", http.StatusFound)
		return
	}
	ns, err := r.store.Notifications(req.Context(), res.ORCID, "")
	if err != nil {
		r.serverError(w, req, fmt.Errorf("inbox: %w", err))
		return
	}
	p := inboxPage{pageCommon: r.localized(req, "Inbox", ""), FormToken: r.formToken(sess.ID, "inbox", "")}
	names := map[string]string{}
	for _, n := range ns {
		if n.ArchivedAt != nil {
			continue
		}
		name, seen := names[n.ClientID]
		if !seen {
			c, err := r.store.Client(req.Context(), n.ClientID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				r.serverError(w, req, err)
				return
			}
			name, names[n.ClientID] = c.Name, c.Name
		}
		e := inboxEntry{PutCode: n.PutCode, ClientID: n.ClientID, ClientName: name, Created: n.CreatedAt, Read: n.ReadAt != nil}
		if n.Body.Subject != nil {
			e.Subject = *n.Body.Subject
		}
		if n.Body.Intro != nil {
			e.Intro = *n.Body.Intro
		}
		for _, it := range n.Body.Items {
			ii := inboxItem{}
			if it.ItemType != nil {
				ii.Type = *it.ItemType
			}
			if it.ItemName != nil {
				ii.Name = *it.ItemName
			}
			if x := it.ExternalID; x != nil && x.Value != "" {
				ii.ID = x.Type + ": " + x.Value
			}
			e.Items = append(e.Items, ii)
		}
		p.Notifications = append(p.Notifications, e)
	}
	r.render(w, req, http.StatusOK, "inbox", p)
}

// inboxNotification reads the form and the notification it names.
func (r *Registry) inboxNotification(w http.ResponseWriter, req *http.Request) (storedNotification, bool) {
	_, res, ok := r.ownerForm(w, req, "inbox", "/inbox")
	if !ok {
		return storedNotification{}, false
	}
	id, err := strconv.ParseInt(req.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, req)
		return storedNotification{}, false
	}
	n, err := r.store.Notification(req.Context(), res.ORCID, id)
	if errors.Is(err, ErrNotFound) {
		http.NotFound(w, req)
		return n, false
	}
	if err != nil {
		r.serverError(w, req, err)
		return n, false
	}
	return n, true
}

func (r *Registry) handleInboxAction(w http.ResponseWriter, req *http.Request) {
	n, ok := r.inboxNotification(w, req)
	if !ok {
		return
	}
	now := r.now()
	for _, col := range []string{"actioned_at", "read_at"} {
		if err := r.store.MarkNotification(req.Context(), n.ORCID, n.PutCode, col, now); err != nil {
			r.serverError(w, req, err)
			return
		}
	}
	// Only web addresses: a client's javascript: or data: URI is not
	// followed.
	if u, err := url.Parse(n.Body.AuthorizationURL.URI); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		http.Error(w, "400 Bad Request: this request has no web address to follow", http.StatusBadRequest)
		return
	}
	http.Redirect(w, req, n.Body.AuthorizationURL.URI, http.StatusSeeOther)
}

func (r *Registry) handleInboxArchive(w http.ResponseWriter, req *http.Request) {
	n, ok := r.inboxNotification(w, req)
	if !ok {
		return
	}
	if err := r.store.MarkNotification(req.Context(), n.ORCID, n.PutCode, "archived_at", r.now()); err != nil {
		r.serverError(w, req, err)
		return
	}
	http.Redirect(w, req, r.BaseURL()+"/inbox", http.StatusSeeOther)
}
