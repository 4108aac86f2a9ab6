package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// adminWebhookForm is an endpoint as typed into the form.
type adminWebhookForm struct {
	URL         string
	Description string
	EventTypes  []string
	Active      bool
	Errors      adminFieldErrors
}

func (f adminWebhookForm) Has(typ string) bool { return slices.Contains(f.EventTypes, typ) }

type adminWebhooksData struct {
	Tenant     store.Tenant
	Endpoints  []store.WebhookEndpoint
	Form       adminWebhookForm
	EventTypes []string
}

type adminWebhookData struct {
	Tenant     store.Tenant
	Endpoint   store.WebhookEndpoint
	Form       adminWebhookForm
	EventTypes []string
	Deliveries []store.Delivery
	// Secret is shown once, after the endpoint was created or its secret
	// rotated; "" otherwise.
	Secret string
}

func adminWebhooksPath(tenantID int64) string { return adminTenantPath(tenantID) + "/webhooks" }

func adminWebhookPath(tenantID, id int64) string {
	return adminWebhooksPath(tenantID) + "/" + strconv.FormatInt(id, 10)
}

// adminWebhookFormFrom reads the endpoint form. Its rules are
// webhooks.CheckEndpoint's, the REST API's too: the service refuses what
// breaks them, field by field (adminWebhookRefused).
func adminWebhookFormFrom(r *http.Request) adminWebhookForm {
	f := adminWebhookForm{URL: postValue(r, "url"), Description: postValue(r, "description"),
		Active: r.PostFormValue("active") == "on", Errors: adminFieldErrors{}}
	// The boxes offer the event types there are; anything else posted is
	// no choice of the form's.
	for _, t := range r.PostForm["event_types"] {
		if webhooks.KnownType(t) && !slices.Contains(f.EventTypes, t) {
			f.EventTypes = append(f.EventTypes, t)
		}
	}
	return f
}

// adminWebhookRefused puts the service's refusal beside the form's fields;
// it reports whether err was one.
func adminWebhookRefused(f *adminWebhookForm, err error) bool {
	if !errors.Is(err, store.ErrInvalid) {
		return false
	}
	adminStoreInvalid(f.Errors, err, "url", func(field string) string {
		if strings.HasPrefix(field, "event_types/") {
			return "event_types" // one list of boxes
		}
		return field
	})
	return true
}

func (f adminWebhookForm) input() webhooks.EndpointInput {
	return webhooks.EndpointInput{URL: f.URL, Description: f.Description, EventTypes: f.EventTypes, Active: f.Active}
}

// adminWebhooks lists the tenant's endpoints with a form to add one.
func (s *Server) adminWebhooks(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	s.renderWebhooks(w, r, a, t, http.StatusOK, adminWebhookForm{Active: true, EventTypes: webhooks.EventTypes()})
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, status int, f adminWebhookForm) {
	list, err := s.cfg.Webhooks.Endpoints(r.Context(), t.ID)
	if err != nil {
		s.adminFail(w, r, a, "list the webhook endpoints", err)
		return
	}
	s.render(w, r, status, "admin_webhooks", s.adminPage(r, a, "Webhooks of "+t.Name,
		adminWebhooksData{Tenant: t, Endpoints: list, Form: f, EventTypes: webhooks.EventTypes()}))
}

// adminWebhookCreate adds an endpoint and shows its secret, this once: the
// page is rendered, not redirected to, so the secret never sits in the
// session.
func (s *Server) adminWebhookCreate(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if err := r.ParseForm(); err != nil {
		s.adminBadRequest(w, r, a, "The form could not be read.")
		return
	}
	f := adminWebhookFormFrom(r)
	ctx := withAdminAudit(r, a, t.ID, 0, "webhook.created", nil)
	e, err := s.cfg.Webhooks.CreateEndpoint(ctx, t.ID, f.input())
	if adminWebhookRefused(&f, err) {
		s.renderWebhooks(w, r, a, t, http.StatusBadRequest, f)
		return
	}
	if err != nil {
		s.adminFail(w, r, a, "add the webhook endpoint", err)
		return
	}
	s.adminAuditDone(ctx, map[string]any{"endpoint": e.ID, "url": e.URL, "events": e.EventTypes})
	s.renderWebhook(w, r, a, t, e, http.StatusCreated, e.Secret, nil)
}

// adminWebhookRoute loads the endpoint {wid} of the tenant; another
// tenant's is 404.
func (s *Server) adminWebhookRoute(h func(http.ResponseWriter, *http.Request, *store.AdminUser, store.Tenant, store.WebhookEndpoint)) http.HandlerFunc {
	return s.adminTenantRoute(func(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
		id, ok := adminPathID(r, "wid")
		if !ok {
			s.adminNotFound(w, r, a)
			return
		}
		e, err := s.cfg.Webhooks.Endpoint(r.Context(), t.ID, id)
		if adminIsNotFound(err) {
			s.adminNotFound(w, r, a)
			return
		}
		if err != nil {
			s.adminFail(w, r, a, "load the webhook endpoint", err)
			return
		}
		h(w, r, a, t, e)
	})
}

func (s *Server) renderWebhook(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant,
	e store.WebhookEndpoint, status int, secret string, form *adminWebhookForm) {
	ds, err := s.cfg.Webhooks.Deliveries(r.Context(), t.ID, store.DeliveryQuery{EndpointID: e.ID, Limit: 100})
	if err != nil {
		s.adminFail(w, r, a, "list the deliveries", err)
		return
	}
	f := adminWebhookForm{URL: e.URL, Description: e.Description, EventTypes: e.EventTypes, Active: e.Active}
	if form != nil {
		f = *form
	}
	e.Secret = ""
	s.render(w, r, status, "admin_webhook", s.adminPage(r, a, "Webhook "+e.URL,
		adminWebhookData{Tenant: t, Endpoint: e, Form: f, EventTypes: webhooks.EventTypes(), Deliveries: ds, Secret: secret}))
}

// adminWebhook shows an endpoint, its settings and its latest deliveries.
func (s *Server) adminWebhook(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, e store.WebhookEndpoint) {
	s.renderWebhook(w, r, a, t, e, http.StatusOK, "", nil)
}

// adminWebhookUpdate changes an endpoint; unchecking "active" disables it.
func (s *Server) adminWebhookUpdate(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, e store.WebhookEndpoint) {
	if err := r.ParseForm(); err != nil {
		s.adminBadRequest(w, r, a, "The form could not be read.")
		return
	}
	f := adminWebhookFormFrom(r)
	ctx := withAdminAudit(r, a, t.ID, 0, "webhook.updated", map[string]any{"endpoint": e.ID})
	upd, err := s.cfg.Webhooks.UpdateEndpoint(ctx, t.ID, e.ID, f.input())
	if adminWebhookRefused(&f, err) {
		s.renderWebhook(w, r, a, t, e, http.StatusBadRequest, "", &f)
		return
	}
	if err != nil {
		s.adminFail(w, r, a, "save the webhook endpoint", err)
		return
	}
	s.adminAuditDone(ctx, map[string]any{"url": upd.URL, "events": upd.EventTypes, "active": upd.Active})
	s.adminRedirect(w, r, adminWebhookPath(t.ID, e.ID), "Webhook endpoint saved.")
}

// adminWebhookRotate gives the endpoint a new secret, shown this once.
func (s *Server) adminWebhookRotate(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, e store.WebhookEndpoint) {
	ctx := withAdminAudit(r, a, t.ID, 0, "webhook.secret_rotated", map[string]any{"endpoint": e.ID})
	rot, err := s.cfg.Webhooks.RotateSecret(ctx, t.ID, e.ID)
	if err != nil {
		s.adminFail(w, r, a, "rotate the webhook secret", err)
		return
	}
	s.adminAuditDone(ctx, nil)
	s.renderWebhook(w, r, a, t, rot, http.StatusOK, rot.Secret, nil)
}

// adminWebhookDelete deletes the endpoint and its deliveries.
func (s *Server) adminWebhookDelete(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, e store.WebhookEndpoint) {
	ctx := withAdminAudit(r, a, t.ID, 0, "webhook.deleted", map[string]any{"endpoint": e.ID, "url": e.URL})
	if err := s.cfg.Webhooks.DeleteEndpoint(ctx, t.ID, e.ID); err != nil {
		s.adminFail(w, r, a, "delete the webhook endpoint", err)
		return
	}
	s.adminAuditDone(ctx, nil)
	s.adminRedirect(w, r, adminWebhooksPath(t.ID), "Webhook endpoint deleted.")
}

// adminWebhookRedeliver sends a delivery of the endpoint again now.
func (s *Server) adminWebhookRedeliver(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, e store.WebhookEndpoint) {
	id, ok := adminPathID(r, "did")
	if !ok {
		s.adminNotFound(w, r, a)
		return
	}
	// The delivery must be this endpoint's, not only this tenant's.
	ds, err := s.cfg.Webhooks.Deliveries(r.Context(), t.ID, store.DeliveryQuery{EndpointID: e.ID, BeforeID: id + 1, Limit: 1})
	if err != nil {
		s.adminFail(w, r, a, "load the delivery", err)
		return
	}
	if len(ds) == 0 || ds[0].ID != id {
		s.adminNotFound(w, r, a)
		return
	}
	ctx := withAdminAudit(r, a, t.ID, ds[0].PersonID, "webhook.redelivered", map[string]any{"endpoint": e.ID, "delivery": id,
		"event": ds[0].EventUID})
	d, err := s.cfg.Webhooks.Redeliver(ctx, t.ID, id)
	if err != nil {
		s.adminFail(w, r, a, "redeliver", err)
		return
	}
	s.adminAuditDone(ctx, map[string]any{"event": d.EventUID, "new_delivery": d.ID})
	s.adminRedirect(w, r, adminWebhookPath(t.ID, e.ID), "Event "+d.EventUID+" will be delivered again now.")
}
