package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Session keys and the cookie of the researcher's side.
const (
	// sessBinding is a random value per browser session; each OAuth state
	// is bound to it, so a state that comes back in another browser is
	// refused.
	sessBinding = "connect.binding"
	// sessLang is the language of the page that sent the person to ORCID,
	// so that the pages after the callback speak it too.
	sessLang = "connect.lang"
	// invitationCookie holds the invitation token between the connect
	// button and the callback, which does not carry it (ORCID sends only
	// code and state back). It is a cookie rather than session data so
	// that the raw token, which the store keeps only as a hash, is never
	// written to the database; this browser had it in its address bar
	// anyway.
	invitationCookie    = "orcidlink_invitation"
	invitationCookieTTL = time.Hour
)

// registerConnectRoutes serves the researcher's side: invitation, connect,
// callback, success, denial, disconnect, and the public iD snippets.
func (s *Server) registerConnectRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /i/{token}", s.invitationPage)
	mux.HandleFunc("POST /i/{token}/connect", s.startConnect)
	mux.HandleFunc("GET /i/{token}/connected", s.connectedPage)
	// Disconnecting cannot be undone from here: a page says what it does
	// and asks to confirm first.
	mux.HandleFunc("GET /i/{token}/disconnect", s.disconnectConfirm)
	mux.HandleFunc("POST /i/{token}/disconnect", s.disconnectPage)
	mux.HandleFunc("POST /i/{token}/reviews", s.reviewsPage)
	mux.HandleFunc("GET "+connect.CallbackPath, s.orcidCallback)
	mux.HandleFunc("GET /t/{slug}/people/{ref}/orcid.json", s.publicIDJSON)
	mux.HandleFunc("GET /t/{slug}/people/{ref}/orcid.html", s.publicIDHTML)
	mux.HandleFunc("GET /t/{slug}/brand.css", s.brandCSS)
}

// scopeLine is one permission and what the tenant will do with it.
type scopeLine struct{ Scope, Text string }

// connectData is what the researcher's pages show.
type connectData struct {
	Token      string // the invitation token, for the page's forms
	View       connect.View
	Scopes     []scopeLine
	Languages  []i18n.Language // the tenant's, for the language menu
	ORCIDSite  string          // the registry's site, for "trusted organizations"
	Upgrade    bool            // connected before with fewer permissions
	WasRevoked bool            // the earlier connection was revoked at ORCID
	Incomplete bool            // disconnected here, but ORCID could not revoke
	Flash      string
	// Reason says why the invitation was sent (an article, a review, a
	// wider permission), in the page's language; "" for none.
	Reason string
	// OnFile says which iD an old system had on file for the person and
	// asks them to confirm it by signing in to ORCID; "" for none. It is
	// plain text: the iD is never shown as authenticated (no link, no
	// green iD icon).
	OnFile string
	// CoarseNote explains, when the tenant asks for works or affiliations
	// but not both, that ORCID's permission covers more than it uses.
	CoarseNote string
	// AskReviews: the tenant records peer reviews, so the researcher is
	// asked whether theirs may go to their ORCID record; ReviewsConsent is
	// their answer (yes until they say no).
	AskReviews     bool
	ReviewsConsent bool
}

// reviewChoice fills in whether the page asks about peer reviews and what
// the researcher answered.
func (s *Server) reviewChoice(r *http.Request, d *connectData) error {
	v := d.View
	d.AskReviews = s.cfg.Journal != nil && v.Tenant.Settings.Publisher.Complete() &&
		slices.Contains(v.Scopes, orcid.ScopeActivitiesUpdate)
	if !d.AskReviews {
		return nil
	}
	var err error
	d.ReviewsConsent, err = s.store.ReviewConsent(r.Context(), v.Tenant.ID, v.Person.ID)
	return err
}

// scopeTexts say, per scope, what the tenant will do with it. The
// sentences are i18n keys.
var scopeTexts = map[string]string{
	orcid.ScopeOpenID:           "scope.openid",
	orcid.ScopeAuthenticate:     "scope.authenticate",
	orcid.ScopeReadLimited:      "scope.read_limited",
	orcid.ScopeActivitiesUpdate: "scope.activities_update",
	orcid.ScopePersonUpdate:     "scope.person_update",
}

// askTexts say what the tenant will do with each ask that
// /activities/update grants: the consent text follows the tenant's
// choices, not the breadth of ORCID's permission. The sentences are i18n
// keys.
var askTexts = map[store.Ask]string{
	store.AskWorks:        "ask.works",
	store.AskAffiliations: "ask.affiliations",
}

func (s *Server) connectData(token string, v connect.View, lang string) connectData {
	t := translator(lang)
	d := connectData{Token: token, View: v, Languages: tenantLanguages(v.Tenant), ORCIDSite: v.Credential.Env.SiteURL,
		Reason: connect.ReasonText(lang, v.Tenant, v.Invitation.Reason)}
	for _, sc := range v.Scopes {
		if sc == orcid.ScopeActivitiesUpdate {
			asks := v.Tenant.Settings.AskList()
			for _, a := range []store.Ask{store.AskWorks, store.AskAffiliations} {
				if slices.Contains(asks, a) {
					d.Scopes = append(d.Scopes, scopeLine{Scope: sc, Text: t(askTexts[a])})
				}
			}
			if !slices.Contains(asks, store.AskWorks) || !slices.Contains(asks, store.AskAffiliations) {
				d.CoarseNote = t("ask.coarse_note", "Tenant", v.Tenant.Name)
			}
			continue
		}
		if text, ok := scopeTexts[sc]; ok {
			d.Scopes = append(d.Scopes, scopeLine{Scope: sc, Text: t(text)})
		}
	}
	if l := v.Link; l != nil && !v.Connected {
		d.Upgrade = l.State == store.LinkConnected
		d.WasRevoked = l.State == store.LinkRevoked
	}
	if v.Hint != "" && !v.Connected {
		d.OnFile = t("reason.orcid_on_file", "ORCID", string(v.Hint))
	}
	return d
}

// connectPage renders a researcher's page in lang for the view's tenant.
func (s *Server) connectPage(w http.ResponseWriter, r *http.Request, status int, name, title, lang string, d connectData) {
	tenant := d.View.Tenant
	s.render(w, r, status, name, page{Title: translator(lang)(title), Lang: lang, Tenant: &tenant, Data: d})
}

// invitationPage is GET /i/{token}: what ORCID is, why the tenant asks,
// what each permission is for, and the button; or, for a person already
// connected, their iD.
func (s *Server) invitationPage(w http.ResponseWriter, r *http.Request) {
	token, v, ok := s.lookupInvitation(w, r)
	if !ok {
		return
	}
	// A connect link opened by someone who connected meanwhile some other
	// way (an emailed invitation, an import, another connect link) goes
	// back to the host with what the host asked for: connected, and the
	// iD. Only while the link lasts: an expired one signs nothing more
	// than "expired" (below), whoever holds it.
	if v.Connected && s.now().Before(v.Invitation.ExpiresAt) && s.hostReturn(w, r, v.Tenant.ID, v.Invitation.ID,
		connect.Outcome{Status: connect.ResultConnected, ORCID: v.Link.ORCIDURI}) {
		return
	}
	lang := s.requestLang(r, &v.Tenant, &v.Person)
	d := s.connectData(token, v, lang)
	if err := s.reviewChoice(r, &d); err != nil {
		s.connectError(w, r, err, &v.Tenant, lang)
		return
	}
	switch {
	case v.Connected && v.CanDisconnect:
		s.connectPage(w, r, http.StatusOK, "connected", "connected.page_title", lang, d)
	case !v.Usable:
		if !s.viewReturn(w, r, v, invitationGone(v)) {
			s.connectError(w, r, invitationGone(v), &v.Tenant, lang)
		}
	default:
		s.connectPage(w, r, http.StatusOK, "invitation", "invitation.page_title", lang, d)
	}
}

// invitationGone is the error for an invitation that no longer leads to
// ORCID.
func invitationGone(v connect.View) error {
	return &connect.FlowError{Kind: connect.ErrInvitationExpired, TenantID: v.Tenant.ID, PersonID: v.Person.ID,
		InvitationID: v.Invitation.ID, Err: errors.New(string(v.Invitation.State))}
}

// startConnect is POST /i/{token}/connect: a 303 to ORCID's authorize URL,
// with a state bound to this browser's session.
func (s *Server) startConnect(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	ctx := r.Context()
	binding := s.sessions.GetString(ctx, sessBinding)
	if binding == "" {
		binding = randomValue()
		s.sessions.Put(ctx, sessBinding, binding)
	}
	v, err := s.connect.Lookup(ctx, token)
	if err != nil {
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
		return
	}
	if v.Connected {
		// Connected meanwhile (another tab, another invitation): the
		// invitation's page says so, or sends a connect link's researcher
		// back to the host with the result, whatever state the invitation
		// is in now.
		http.Redirect(w, r, "/i/"+url.PathEscape(token), http.StatusSeeOther)
		return
	}
	// The page's language goes to ORCID too (Service.Start), so that its
	// screens speak what the researcher just read.
	lang := offeredLang(r.PostFormValue("lang"), v.Tenant)
	if lang == "" {
		lang = s.requestLang(r, &v.Tenant, &v.Person)
	}
	// Asked once, on the way to ORCID: the box is ticked unless they
	// untick it.
	if r.PostFormValue("reviews_asked") == "1" {
		if err := s.store.SetReviewConsent(ctx, v.Tenant.ID, v.Person.ID, r.PostFormValue("reviews") == "yes"); err != nil {
			s.connectError(w, r, err, &v.Tenant, lang)
			return
		}
	}
	authURL, err := s.connect.Start(ctx, token, binding, lang)
	if errors.Is(err, connect.ErrAlreadyConnected) {
		http.Redirect(w, r, "/i/"+url.PathEscape(token), http.StatusSeeOther)
		return
	}
	if err != nil {
		if !s.viewReturn(w, r, v, err) {
			s.connectError(w, r, err, &v.Tenant, lang)
		}
		return
	}
	s.sessions.Put(ctx, sessLang, lang)
	http.SetCookie(w, &http.Cookie{Name: invitationCookie, Value: token, Path: "/", MaxAge: int(invitationCookieTTL.Seconds()),
		HttpOnly: true, Secure: s.public.Scheme == "https", SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, authURL, http.StatusSeeOther)
}

// orcidCallback is GET /orcid/callback, where ORCID sends the researcher
// back. Success leads to the success page (a redirect, so that a reload
// does not replay the callback); a denial explains again and offers to
// try again; anything else is an error page. Nothing of the query (code,
// state) is logged; package connect logs what happened.
func (s *Server) orcidCallback(w http.ResponseWriter, r *http.Request) {
	if s.researcherORCIDCallback(w, r) { // a sign-in to the researcher's page (researcher_orcid.go)
		return
	}
	ctx := r.Context()
	token := ""
	if c, err := r.Cookie(invitationCookie); err == nil {
		token = c.Value
	}
	// The cookie has served its purpose: from here on the token is in
	// the page's links and forms, and "try again" sets it anew.
	http.SetCookie(w, &http.Cookie{Name: invitationCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.public.Scheme == "https", SameSite: http.SameSiteLaxMode})
	lang := i18n.Normalize(s.sessions.GetString(ctx, sessLang))
	res, err := s.connect.Complete(ctx, r.URL.Query(), s.sessions.GetString(ctx, sessBinding))
	if s.callbackReturn(w, r, res, err, token) { // a connect link goes back to the host's page (connect_return.go)
		return
	}
	if err == nil {
		if token != "" {
			http.Redirect(w, r, "/i/"+url.PathEscape(token)+"/connected", http.StatusSeeOther)
			return
		}
		// No cookie (it expired, or cookies are off): show success here;
		// the email's link still offers disconnection.
		v := connect.View{Tenant: res.Tenant, Person: res.Person, Invitation: res.Invitation, Link: &res.Link, Connected: true}
		if lang == "" {
			lang = s.requestLang(r, &res.Tenant, &res.Person)
		}
		s.connectPage(w, r, http.StatusOK, "connected", "connected.page_title", lang, connectData{View: v})
		return
	}

	// Which tenant to name: the one the error is about, else the one of the
	// invitation this browser started from.
	var tenant *store.Tenant
	var fe *connect.FlowError
	if errors.As(err, &fe) && fe.TenantID != 0 {
		if t, terr := s.store.Tenant(ctx, fe.TenantID); terr == nil {
			tenant = &t
		}
	}
	var view *connect.View
	if token != "" {
		if v, verr := s.connect.Lookup(ctx, token); verr == nil {
			view = &v
			if tenant == nil || tenant.ID != v.Tenant.ID {
				t := v.Tenant
				tenant = &t
			}
		}
	}
	if lang == "" {
		var p *store.Person
		if view != nil {
			p = &view.Person
		}
		lang = s.requestLang(r, tenant, p)
	}
	if errors.Is(err, connect.ErrDenied) && view != nil && fe != nil && fe.InvitationID == view.Invitation.ID {
		s.connectPage(w, r, http.StatusOK, "denied", "denied.page_title", lang, s.connectData(token, *view, lang))
		return
	}
	s.connectError(w, r, err, tenant, lang)
}

// lookupInvitation is the invitation of the request's {token}, and
// false once the page saying why there is none is written.
func (s *Server) lookupInvitation(w http.ResponseWriter, r *http.Request) (string, connect.View, bool) {
	token := r.PathValue("token")
	v, err := s.connect.Lookup(r.Context(), token)
	if err != nil {
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
		return token, v, false
	}
	return token, v, true
}

// connectedPage is GET /i/{token}/connected: the success page.
func (s *Server) connectedPage(w http.ResponseWriter, r *http.Request) {
	token, v, ok := s.lookupInvitation(w, r)
	if !ok {
		return
	}
	if v.Link == nil || v.Link.State != store.LinkConnected || !v.CanDisconnect {
		http.Redirect(w, r, "/i/"+url.PathEscape(token), http.StatusSeeOther)
		return
	}
	lang := offeredLang(s.sessions.GetString(r.Context(), sessLang), v.Tenant)
	if lang == "" {
		lang = s.requestLang(r, &v.Tenant, &v.Person)
	}
	d := s.connectData(token, v, lang)
	d.Flash = translator(lang)("connected.thanks")
	if err := s.reviewChoice(r, &d); err != nil {
		s.connectError(w, r, err, &v.Tenant, lang)
		return
	}
	s.connectPage(w, r, http.StatusOK, "connected", "connected.page_title", lang, d)
}

// reviewsPage is POST /i/{token}/reviews: a connected researcher changes
// their mind about peer reviews going to their ORCID record.
func (s *Server) reviewsPage(w http.ResponseWriter, r *http.Request) {
	token, v, ok := s.lookupInvitation(w, r)
	if !ok {
		return
	}
	lang := offeredLang(r.PostFormValue("lang"), v.Tenant)
	if lang == "" {
		lang = s.requestLang(r, &v.Tenant, &v.Person)
	}
	if v.Link == nil || v.Link.State != store.LinkConnected || !v.CanDisconnect {
		http.Redirect(w, r, "/i/"+url.PathEscape(token), http.StatusSeeOther)
		return
	}
	yes := r.PostFormValue("reviews") == "yes"
	if err := s.store.SetReviewConsent(r.Context(), v.Tenant.ID, v.Person.ID, yes); err != nil {
		s.connectError(w, r, err, &v.Tenant, lang)
		return
	}
	d := s.connectData(token, v, lang)
	if err := s.reviewChoice(r, &d); err != nil {
		s.connectError(w, r, err, &v.Tenant, lang)
		return
	}
	t := translator(lang)
	d.Flash = t("reviews.flash_off", "Tenant", v.Tenant.Name)
	if yes {
		d.Flash = t("reviews.flash_on", "Tenant", v.Tenant.Name)
	}
	s.connectPage(w, r, http.StatusOK, "connected", "connected.page_title", lang, d)
}

// disconnectConfirm is GET /i/{token}/disconnect: what disconnecting does,
// and the button that does it. A person with nothing to disconnect is
// told so, as the POST would.
func (s *Server) disconnectConfirm(w http.ResponseWriter, r *http.Request) {
	token, v, ok := s.lookupInvitation(w, r)
	if !ok {
		return
	}
	lang := s.requestLang(r, &v.Tenant, &v.Person)
	switch {
	case v.Invitation.State == store.InvitationCancelled:
		s.connectError(w, r, invitationGone(v), &v.Tenant, lang)
		return
	case !v.CanDisconnect:
		s.connectError(w, r, &connect.FlowError{Kind: connect.ErrNotConnected, TenantID: v.Tenant.ID, PersonID: v.Person.ID,
			InvitationID: v.Invitation.ID}, &v.Tenant, lang)
		return
	}
	s.connectPage(w, r, http.StatusOK, "disconnect", "disconnect.page_title", lang, s.connectData(token, v, lang))
}

// disconnectPage is POST /i/{token}/disconnect from the confirmation page
// (confirm=yes): revoke and remove, then say so. Without the confirmation
// it leads to that page.
func (s *Server) disconnectPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if r.PostFormValue("confirm") != "yes" {
		to := "/i/" + url.PathEscape(token) + "/disconnect"
		if l := i18n.Normalize(r.PostFormValue("lang")); l != "" {
			to += "?lang=" + l
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	v, err := s.connect.DisconnectByInvitation(r.Context(), token)
	lang := i18n.Normalize(r.PostFormValue("lang"))
	if v.Tenant.ID != 0 {
		lang = offeredLang(lang, v.Tenant)
	}
	if lang == "" {
		var t *store.Tenant
		var p *store.Person
		if v.Tenant.ID != 0 {
			t, p = &v.Tenant, &v.Person
		}
		lang = s.requestLang(r, t, p)
	}
	if err != nil && !errors.Is(err, connect.ErrRevokeIncomplete) {
		var t *store.Tenant
		if v.Tenant.ID != 0 {
			t = &v.Tenant
		}
		s.connectError(w, r, err, t, lang)
		return
	}
	d := s.connectData(token, v, lang)
	d.Incomplete = err != nil
	s.connectPage(w, r, http.StatusOK, "disconnected", "disconnected.page_title", lang, d)
}

// connectError turns an error of the researcher's side into a page that
// says what happened, what to do next, and (through the layout) whom at
// the tenant to ask. Every such page is 4xx, but for failures of our own.
func (s *Server) connectError(w http.ResponseWriter, r *http.Request, err error, tenant *store.Tenant, lang string) {
	t := translator(lang)
	status, title, what, next := http.StatusBadRequest, "error.page_title", "", ""
	tenantName := t("error.tenant_unknown")
	if tenant != nil {
		tenantName = tenant.Name
	}
	switch {
	case errors.Is(err, connect.ErrInvitationUnknown):
		status, title = http.StatusNotFound, "error.not_found_title"
		what = t("error.not_found_what")
		next = t("error.not_found_next", "Tenant", tenantName)
	case errors.Is(err, connect.ErrInvitationExpired):
		status, title = http.StatusGone, "error.expired_title"
		what = t("error.expired_what")
		next = t("error.expired_next", "Tenant", tenantName)
	case errors.Is(err, connect.ErrBadState):
		status, title = http.StatusBadRequest, "error.bad_state_title"
		what = t("error.bad_state_what")
		next = t("error.bad_state_next")
	case errors.Is(err, connect.ErrAlreadyLinked):
		status, title = http.StatusConflict, "error.already_linked_title"
		what = t("error.already_linked_what", "Tenant", tenantName)
		next = t("error.already_linked_next", "Tenant", tenantName)
	case errors.Is(err, connect.ErrCredentialBroken):
		// Nothing the researcher does can help, and trying again cannot
		// work: say so, and that they will hear from us (package problems
		// invites them again once the credential is repaired).
		status, title = http.StatusServiceUnavailable, "error.repairing_title"
		what = t("error.repairing_what", "Tenant", tenantName)
		next = t("error.repairing_next")
	case errors.Is(err, connect.ErrORCID):
		status, title = http.StatusBadRequest, "error.orcid_title"
		what = t("error.orcid_what")
		next = t("error.orcid_next")
		if errors.Is(err, orcid.ErrTemporary) {
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "120")
		}
	case errors.Is(err, connect.ErrNotConnected):
		status, title = http.StatusConflict, "error.not_connected_title"
		what = t("error.not_connected_what")
		next = t("error.not_connected_next")
	default:
		s.log.ErrorContext(r.Context(), "researcher page failed", "path", routePath(r), "err", err)
		status, title = http.StatusInternalServerError, "error.page_title"
		what = t("error.internal_what")
		next = t("error.retry_soon")
	}
	s.render(w, r, status, "error", page{Title: t(title), Lang: lang, Tenant: tenant, Problem: &problem{What: what, Next: next}})
}

// routePath is the request path without tokens, for log lines: the
// paths of invitations, emailed sign-in links and ORCID's webhook calls
// carry their secret.
func routePath(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	for _, prefix := range []string{"/i/", connect.PageSignInPath, jobs.RecordWebhookPath} {
		if strings.HasPrefix(r.URL.Path, prefix) {
			return prefix + "…"
		}
	}
	return r.URL.Path
}

// randomValue is 256 random bits, URL-safe.
func randomValue() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails: crypto/rand panics rather
	return base64.RawURLEncoding.EncodeToString(b)
}
