package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"

	"github.com/orcidlink/orcidlink/internal/store"
)

// adminPage is the page every admin template receives: the administrator
// (so the layout shows the navigation) and the flash message left by the
// redirect that led here. page.Tenant stays nil on purpose: it is for the
// researcher's branding and support footer, not for the admin's view of a
// tenant, which travels in Data.
func (s *Server) adminPage(r *http.Request, a *store.AdminUser, title string, data any) page {
	return page{Title: title, Admin: a, Flash: s.sessions.PopString(r.Context(), sessFlash), Data: data}
}

// adminRedirect answers a successful POST with a redirect (so that reloading
// does not send the form again) and a message for the next page.
func (s *Server) adminRedirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		s.sessions.Put(r.Context(), sessFlash, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) adminNotFound(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	s.render(w, r, http.StatusNotFound, "error", page{Title: "Page not found", Admin: a,
		Problem: &problem{What: "There is no such page, or it is not one you may see.",
			Next: "Check the address, or go back to the dashboard."}})
}

// adminFail logs an unexpected error with what was being done and shows a
// page without any detail: the log has the error, the page never does.
func (s *Server) adminFail(w http.ResponseWriter, r *http.Request, a *store.AdminUser, doing string, err error) {
	var admin int64
	if a != nil {
		admin = a.ID
	}
	s.log.ErrorContext(r.Context(), "admin UI: "+doing, "admin", admin, "path", r.URL.Path, "err", err)
	s.render(w, r, http.StatusInternalServerError, "error", page{Title: "Something went wrong", Admin: a,
		Problem: &problem{What: "Something went wrong on our side while trying to " + doing + ".",
			Next: "Please try again in a moment. If it keeps happening, the server log says more."}})
}

// adminBadRequest is for requests no form of ours sends (a mangled URL, a
// value outside a list): a short page, no detail.
func (s *Server) adminBadRequest(w http.ResponseWriter, r *http.Request, a *store.AdminUser, what string) {
	s.render(w, r, http.StatusBadRequest, "error", page{Title: "That request was not understood", Admin: a,
		Problem: &problem{What: what, Next: "Go back, reload the page and try again."}})
}

// adminFieldErrors maps a form field's name to what is wrong with it; templates
// show each next to its field (and link it with aria-describedby).
type adminFieldErrors map[string]string

func (e adminFieldErrors) add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

func (e adminFieldErrors) any() bool { return len(e) > 0 }

// adminCheckEmail reports what is wrong with an email address typed into a
// form, or "" when it is fine. A display name ("Ana <ana@example.org>")
// is refused: we store the bare address.
func adminCheckEmail(v string, required bool) string {
	if v == "" {
		if required {
			return "Enter an email address."
		}
		return ""
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		return "Enter an email address like name@example.org."
	}
	return ""
}

// adminCheckURL reports what is wrong with an http(s) URL typed into a form.
func adminCheckURL(v string, required bool) string {
	if v == "" {
		if required {
			return "Enter a URL."
		}
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "Enter a full web address starting with https://."
	}
	return ""
}

// adminIsNotFound is true for the store's not-found and our permission
// refusals: both are answered with 404.
func adminIsNotFound(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, errNotAllowed)
}

// postValue reads a trimmed form value.
func postValue(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }

// adminPlural is "1 person", "2 people" for the few nouns the UI counts.
func adminPlural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// adminAuditIn appends an event done by the administrator in tx, the
// transaction that makes the change it records: the two are kept or lost
// together, so a client that goes away mid-request (cancelling the
// request's context) cannot leave a change with no record of it.
func adminAuditIn(ctx context.Context, tx *store.Tx, a *store.AdminUser, tenantID, personID int64, action string, detail map[string]any) error {
	_, err := tx.AppendAudit(ctx, store.AuditEvent{TenantID: tenantID, PersonID: personID,
		Actor: store.ActorAdmin(a.ID), Action: action, Detail: auditDetail(detail)})
	return err
}

// withAdminAudit attaches an event done by the administrator to the
// request's context, for a change made by a service that runs its own
// transactions (the queue, the journal workflow, batch files, webhooks):
// given that context, the store writes the event in the first transaction
// of the change that commits (store.WithAudit), so that the two are kept
// or lost together, as adminAuditIn does for changes made through the
// store directly. After the service succeeds, call adminAuditDone.
func withAdminAudit(r *http.Request, a *store.AdminUser, tenantID, personID int64, action string, detail map[string]any) context.Context {
	return store.WithAudit(r.Context(), store.AuditEvent{TenantID: tenantID, PersonID: personID,
		Actor: store.ActorAdmin(a.ID), Action: action, Detail: auditDetail(detail)})
}

// adminAuditDone adds to the event withAdminAudit attached what only the
// change's result tells (detail, nil for nothing: a new id, a count), and
// writes the event if no transaction carried it. The change has happened
// and its event with it, so a failure here is logged, not shown.
func (s *Server) adminAuditDone(ctx context.Context, detail map[string]any) {
	if _, err := s.store.FlushAudit(ctx, auditDetail(detail)); err != nil {
		s.log.ErrorContext(ctx, "complete audit event", "err", err)
	}
}

// auditDetail encodes an audit detail; nil stays nil (the store writes {}).
func auditDetail(detail map[string]any) json.RawMessage {
	if detail == nil {
		return nil
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return nil // only plain values go in; cannot happen
	}
	return b
}
