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
	Languages  []string // the tenant's, for the language switch
	ORCIDSite  string   // the registry's site, for "trusted organizations"
	Upgrade    bool     // connected before with fewer permissions
	WasRevoked bool     // the earlier connection was revoked at ORCID
	Incomplete bool     // disconnected here, but ORCID could not revoke
	Flash      string
	// Reason says why the invitation was sent (an article, a review, a
	// wider permission), in the page's language; "" for none.
	Reason string
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
	orcid.ScopeOpenID:           "Receive your ORCID iD and your public name from ORCID, as proof that you signed in.",
	orcid.ScopeAuthenticate:     "Know your ORCID iD for certain: ORCID confirms it, so nobody has to type it.",
	orcid.ScopeReadLimited:      "Read the information in your ORCID record that you share with trusted organizations.",
	orcid.ScopeActivitiesUpdate: "Add your works, peer reviews, affiliations and funding to your ORCID record, and keep them up to date.",
	orcid.ScopePersonUpdate:     "Add and update biographical information in your ORCID record, such as other identifiers and websites.",
}

// askTexts say what the tenant will do with each ask that
// /activities/update grants: the consent text follows the tenant's
// choices, not the breadth of ORCID's permission. The sentences are i18n
// keys.
var askTexts = map[store.Ask]string{
	store.AskWorks:        "Add your works and peer reviews to your ORCID record, and keep them up to date.",
	store.AskAffiliations: "Add your affiliations (employment, education, memberships) to your ORCID record, and keep them up to date.",
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
				d.CoarseNote = t("ORCID grants this as one permission, which also covers other sections of your record; %s uses it only for what is listed here.", v.Tenant.Name)
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
	token := r.PathValue("token")
	v, err := s.connect.Lookup(r.Context(), token)
	if err != nil {
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
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
		s.connectPage(w, r, http.StatusOK, "connected", "Your ORCID iD is connected", lang, d)
	case !v.Usable:
		s.connectError(w, r, invitationGone(v), &v.Tenant, lang)
	default:
		s.connectPage(w, r, http.StatusOK, "invitation", "Connect your ORCID iD", lang, d)
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
	lang := normLang(r.PostFormValue("lang"))
	v, err := s.connect.Lookup(ctx, token)
	if err != nil {
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
		return
	}
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
		s.connectError(w, r, err, &v.Tenant, lang)
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
	ctx := r.Context()
	token := ""
	if c, err := r.Cookie(invitationCookie); err == nil {
		token = c.Value
	}
	// The cookie has served its purpose: from here on the token is in
	// the page's links and forms, and "try again" sets it anew.
	http.SetCookie(w, &http.Cookie{Name: invitationCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.public.Scheme == "https", SameSite: http.SameSiteLaxMode})
	lang := normLang(s.sessions.GetString(ctx, sessLang))
	res, err := s.connect.Complete(ctx, r.URL.Query(), s.sessions.GetString(ctx, sessBinding))
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
		s.connectPage(w, r, http.StatusOK, "connected", "Your ORCID iD is connected", lang, connectData{View: v})
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
		s.connectPage(w, r, http.StatusOK, "denied", "You did not connect your ORCID iD", lang, s.connectData(token, *view, lang))
		return
	}
	s.connectError(w, r, err, tenant, lang)
}

// connectedPage is GET /i/{token}/connected: the success page.
func (s *Server) connectedPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	v, err := s.connect.Lookup(r.Context(), token)
	if err != nil {
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
		return
	}
	if v.Link == nil || v.Link.State != store.LinkConnected || !v.CanDisconnect {
		http.Redirect(w, r, "/i/"+url.PathEscape(token), http.StatusSeeOther)
		return
	}
	lang := normLang(s.sessions.GetString(r.Context(), sessLang))
	if lang == "" {
		lang = s.requestLang(r, &v.Tenant, &v.Person)
	}
	d := s.connectData(token, v, lang)
	d.Flash = translator(lang)("Thank you: your ORCID iD is now connected.")
	if err := s.reviewChoice(r, &d); err != nil {
		s.connectError(w, r, err, &v.Tenant, lang)
		return
	}
	s.connectPage(w, r, http.StatusOK, "connected", "Your ORCID iD is connected", lang, d)
}

// reviewsPage is POST /i/{token}/reviews: a connected researcher changes
// their mind about peer reviews going to their ORCID record.
func (s *Server) reviewsPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	v, err := s.connect.Lookup(r.Context(), token)
	if err != nil {
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
		return
	}
	lang := normLang(r.PostFormValue("lang"))
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
	d.Flash = t("From now on, %s will not add your peer reviews to your ORCID record.", v.Tenant.Name)
	if yes {
		d.Flash = t("From now on, %s will add your peer reviews to your ORCID record.", v.Tenant.Name)
	}
	s.connectPage(w, r, http.StatusOK, "connected", "Your ORCID iD is connected", lang, d)
}

// disconnectConfirm is GET /i/{token}/disconnect: what disconnecting does,
// and the button that does it. A person with nothing to disconnect is
// told so, as the POST would.
func (s *Server) disconnectConfirm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	v, err := s.connect.Lookup(r.Context(), token)
	if err != nil {
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
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
	s.connectPage(w, r, http.StatusOK, "disconnect", "Disconnect your ORCID iD?", lang, s.connectData(token, v, lang))
}

// disconnectPage is POST /i/{token}/disconnect from the confirmation page
// (confirm=yes): revoke and remove, then say so. Without the confirmation
// it leads to that page.
func (s *Server) disconnectPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if r.PostFormValue("confirm") != "yes" {
		to := "/i/" + url.PathEscape(token) + "/disconnect"
		if l := normLang(r.PostFormValue("lang")); l != "" {
			to += "?lang=" + l
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	v, err := s.connect.DisconnectByInvitation(r.Context(), token)
	lang := normLang(r.PostFormValue("lang"))
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
	s.connectPage(w, r, http.StatusOK, "disconnected", "Your ORCID iD was disconnected", lang, d)
}

// connectError turns an error of the researcher's side into a page that
// says what happened, what to do next, and (through the layout) whom at
// the tenant to ask. Every such page is 4xx, but for failures of our own.
func (s *Server) connectError(w http.ResponseWriter, r *http.Request, err error, tenant *store.Tenant, lang string) {
	t := translator(lang)
	status, title, what, next := http.StatusBadRequest, "Something went wrong", "", ""
	tenantName := t("the organization that invited you")
	if tenant != nil {
		tenantName = tenant.Name
	}
	switch {
	case errors.Is(err, connect.ErrInvitationUnknown):
		status, title = http.StatusNotFound, "Invitation not found"
		what = t("We could not find this invitation.")
		next = t("Check that you opened the whole link from the email. If it still does not work, ask %s for a new invitation.", tenantName)
	case errors.Is(err, connect.ErrInvitationExpired):
		status, title = http.StatusGone, "This invitation is no longer valid"
		what = t("This invitation has expired, or a newer one replaced it.")
		next = t("Use the link in the most recent email from %s, or ask them for a new invitation.", tenantName)
	case errors.Is(err, connect.ErrBadState):
		status, title = http.StatusBadRequest, "The connection could not be completed"
		what = t("We could not complete the connection with ORCID: the request was not valid, had already been used, or took too long. Nothing was saved.")
		next = t("Open the link in your invitation email again and start over, in the same browser from start to finish.")
	case errors.Is(err, connect.ErrAlreadyLinked):
		status, title = http.StatusConflict, "This ORCID iD is already connected"
		what = t("The ORCID iD you signed in with is already connected to another person at %s. Nothing was saved.", tenantName)
		next = t("If you have another ORCID record that is yours alone, start again and sign in with that one. Otherwise, contact %s so that they can sort it out.", tenantName)
	case errors.Is(err, connect.ErrCredentialBroken):
		// Nothing the researcher does can help, and trying again cannot
		// work: say so, and that they will hear from us (package problems
		// invites them again once the credential is repaired).
		status, title = http.StatusServiceUnavailable, "The connection to ORCID is being repaired"
		what = t("%s's connection to ORCID is being repaired, so your ORCID iD cannot be connected just now. Nothing was saved.", tenantName)
		next = t("You do not need to do anything: we will email you as soon as it works again.")
	case errors.Is(err, connect.ErrORCID):
		status, title = http.StatusBadRequest, "ORCID did not complete the connection"
		what = t("ORCID did not complete the connection, so nothing was saved.")
		next = t("Please try again in a few minutes from the link in your invitation email.")
		if errors.Is(err, orcid.ErrTemporary) {
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "120")
		}
	case errors.Is(err, connect.ErrNotConnected):
		status, title = http.StatusConflict, "No ORCID iD to disconnect"
		what = t("There is no connected ORCID iD to disconnect.")
		next = t("Nothing needs to be done. To connect your iD, open the link in your invitation email.")
	default:
		s.log.ErrorContext(r.Context(), "researcher page failed", "path", routePath(r), "err", err)
		status, title = http.StatusInternalServerError, "Something went wrong"
		what = t("Something went wrong on our side, and nothing was saved.")
		next = t("Please try again in a moment.")
	}
	s.render(w, r, status, "error", page{Title: t(title), Lang: lang, Tenant: tenant, Problem: &problem{What: what, Next: next}})
}

// routePath is the request path without tokens, for log lines.
func routePath(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	if strings.HasPrefix(r.URL.Path, "/i/") {
		return "/i/…"
	}
	return r.URL.Path
}

// randomValue is 256 random bits, URL-safe.
func randomValue() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails: crypto/rand panics rather
	return base64.RawURLEncoding.EncodeToString(b)
}
