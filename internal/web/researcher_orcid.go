package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Signing in to the researcher's page with ORCID itself, through the
// tenant's credential: the iD ORCID authenticates is the identity, and it
// must be connected to a person of that tenant. The round trip uses the
// one registered redirect URI (connect.CallbackPath); its state, "me."
// and a random value, is kept in this browser's session with the tenant,
// the nonce and an expiry, and is spent by the first callback that
// presents it.

// sessPageState holds "<tenant> <state> <nonce> <expires unix>".
const sessPageState = "researcher.orcid_state"

// pageStatePrefix marks the states of page sign-ins, so that the shared
// callback hands them here.
const pageStatePrefix = "me."

// researcherTenantSignIn is GET /t/{slug}/me: the ways into the page for
// the tenant's researchers.
func (s *Server) researcherTenantSignIn(w http.ResponseWriter, r *http.Request) {
	t, err := s.store.TenantBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound, "error.not_found_what", "me.signed_out_next", nil)
		return
	}
	s.researcherSignInPage(w, r, t, s.requestLang(r, &t, nil), researcherSignInData{})
}

// researcherORCIDStart is POST /t/{slug}/me/orcid: off to ORCID.
func (s *Server) researcherORCIDStart(w http.ResponseWriter, r *http.Request) {
	t, err := s.store.TenantBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound, "error.not_found_what", "me.signed_out_next", nil)
		return
	}
	lang := offeredLang(r.PostFormValue("lang"), t)
	if lang == "" {
		lang = s.requestLang(r, &t, nil)
	}
	state, nonce := randomValue(), randomValue()
	u, err := s.connect.PageSignInURL(r.Context(), t.ID, pageStatePrefix+state, nonce, lang)
	if err != nil {
		s.connectError(w, r, err, &t, lang)
		return
	}
	s.sessions.Put(r.Context(), sessPageState, fmt.Sprintf("%d %s %s %d", t.ID, state, nonce,
		s.now().Add(connect.PageStateTTL).Unix()))
	s.sessions.Put(r.Context(), sessLang, lang)
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// researcherORCIDCallback handles the callback of a page sign-in, and
// reports false for any other callback (an invitation's).
func (s *Server) researcherORCIDCallback(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	got, ok := strings.CutPrefix(q.Get("state"), pageStatePrefix)
	if !ok {
		return false
	}
	ctx := r.Context()
	saved := strings.Fields(s.sessions.PopString(ctx, sessPageState))
	var tenant *store.Tenant
	lang := s.requestLang(r, nil, nil)
	bad := func() {
		s.connectError(w, r, &connect.FlowError{Kind: connect.ErrBadState}, tenant, lang)
	}
	if len(saved) != 4 {
		bad()
		return true
	}
	tid, err1 := strconv.ParseInt(saved[0], 10, 64)
	exp, err2 := strconv.ParseInt(saved[3], 10, 64)
	if err1 != nil || err2 != nil {
		bad()
		return true
	}
	if t, err := s.store.Tenant(ctx, tid); err == nil {
		tenant = &t
		if l := offeredLang(s.sessions.GetString(ctx, sessLang), t); l != "" {
			lang = l
		} else {
			lang = s.requestLang(r, &t, nil)
		}
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(saved[1])) != 1 || !s.now().Before(time.Unix(exp, 0)) || tenant == nil {
		bad()
		return true
	}
	if e := q.Get("error"); e != "" {
		// Denied, or ORCID refused: nothing happened; they may try again.
		s.researcherSignInPage(w, r, *tenant, lang, researcherSignInData{Denied: true})
		return true
	}
	pid, err := s.connect.PageSignIn(ctx, tid, q.Get("code"), saved[2])
	if errors.Is(err, connect.ErrNotConnected) {
		s.researcherSignInPage(w, r, *tenant, lang, researcherSignInData{NotConnected: true})
		return true
	}
	if err == nil {
		err = s.researcherSignedIn(ctx, researcherKey{tid, pid})
	}
	if err != nil {
		s.connectError(w, r, err, tenant, lang)
		return true
	}
	http.Redirect(w, r, connect.PagePath+"?lang="+url.QueryEscape(lang), http.StatusSeeOther)
	return true
}
