package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// A page of their own (issue 17): /me shows a researcher, per tenant
// they signed in for, what was written to their record, what waits and
// why, and lets them choose what may be added, approve or refuse what
// waits, and disconnect. Whose page it is comes only from the session:
// signing in for a tenant's person takes their (unexpired, uncancelled)
// invitation link, or a one-time link emailed to the address the tenant
// holds for them. Forms are protected from cross-site posts like every
// other (Handler's CrossOriginProtection); the session token is renewed at
// each sign-in (no fixation).

// sessResearcher holds the people signed in for, as "tenant:person"
// pairs separated by spaces.
const sessResearcher = "researcher.people"

// researcherRemoveWait bounds how long a disconnection waits for the
// removals it asked for before revoking the token.
const researcherRemoveWait = 20 * time.Second

// researcherQueue is what the page needs of the queue (jobs.Queue, given
// as Config.Items): queueing an item the researcher lets go, and taking
// items off the record.
type researcherQueue interface {
	Enqueue(ctx context.Context, tx *store.Tx, itemID int64) error
	Retract(ctx context.Context, tenantID, personID int64, kind orcid.ItemKind, key string) (store.Item, error)
}

func (s *Server) researcherQueue() researcherQueue {
	q, _ := s.cfg.Items.(researcherQueue)
	return q
}

func (s *Server) registerResearcherRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /i/{token}/me", s.researcherFromInvitation)
	mux.HandleFunc("POST /i/{token}/me/link", s.researcherEmailLink)
	mux.HandleFunc("GET "+connect.PageSignInPath+"{token}", s.researcherSignInConfirm)
	mux.HandleFunc("POST "+connect.PageSignInPath+"{token}", s.researcherSignIn)
	mux.HandleFunc("GET "+connect.PagePath, s.researcherPage)
	mux.HandleFunc("POST /me/choices", s.researcherChoices)
	mux.HandleFunc("POST /me/items/{id}/{decision}", s.researcherDecide)
	mux.HandleFunc("GET /me/disconnect", s.researcherDisconnectConfirm)
	mux.HandleFunc("POST /me/disconnect", s.researcherDisconnect)
	mux.HandleFunc("POST /me/signout", s.researcherSignOut)
	mux.HandleFunc("GET /t/{slug}/me", s.researcherTenantSignIn)
	mux.HandleFunc("POST /t/{slug}/me/orcid", s.researcherORCIDStart)
}

type researcherKey struct{ TenantID, PersonID int64 }

func (s *Server) researcherPeople(ctx context.Context) []researcherKey {
	var out []researcherKey
	for _, f := range strings.Fields(s.sessions.GetString(ctx, sessResearcher)) {
		a, b, _ := strings.Cut(f, ":")
		t, err1 := strconv.ParseInt(a, 10, 64)
		p, err2 := strconv.ParseInt(b, 10, 64)
		if err1 == nil && err2 == nil {
			out = append(out, researcherKey{t, p})
		}
	}
	return out
}

// researcherSignedIn adds a tenant's person to the session, under a new
// session token.
func (s *Server) researcherSignedIn(ctx context.Context, k researcherKey) error {
	people := slices.DeleteFunc(s.researcherPeople(ctx), func(x researcherKey) bool { return x.TenantID == k.TenantID })
	people = append(people, k)
	if err := s.sessions.RenewToken(ctx); err != nil {
		return fmt.Errorf("web: renew session: %w", err)
	}
	f := make([]string, len(people))
	for i, x := range people {
		f[i] = fmt.Sprintf("%d:%d", x.TenantID, x.PersonID)
	}
	s.sessions.Put(ctx, sessResearcher, strings.Join(f, " "))
	return nil
}

// researcherFor is the person the session holds for tenantID (a form's
// "t"), or false.
func (s *Server) researcherFor(r *http.Request) (researcherKey, bool) {
	t, err := strconv.ParseInt(r.PostFormValue("t"), 10, 64)
	if err != nil {
		t, err = strconv.ParseInt(r.URL.Query().Get("t"), 10, 64)
	}
	if err != nil {
		return researcherKey{}, false
	}
	for _, k := range s.researcherPeople(r.Context()) {
		if k.TenantID == t {
			return k, true
		}
	}
	return researcherKey{}, false
}

// researcherFromInvitation is GET /i/{token}/me, from the success page and
// the invitation email: an invitation that is neither cancelled nor
// expired opens the page of its person (connected, or once connected);
// an expired one offers to email a fresh link.
func (s *Server) researcherFromInvitation(w http.ResponseWriter, r *http.Request) {
	token, v, ok := s.lookupInvitation(w, r)
	if !ok {
		return
	}
	lang := s.requestLang(r, &v.Tenant, &v.Person)
	if v.Invitation.State == store.InvitationCancelled {
		s.connectError(w, r, invitationGone(v), &v.Tenant, lang)
		return
	}
	if v.Link == nil || v.Link.State == store.LinkRemoved {
		http.Redirect(w, r, "/i/"+url.PathEscape(token), http.StatusSeeOther)
		return
	}
	if !s.now().Before(v.Invitation.ExpiresAt) {
		s.researcherSignInPage(w, r, v.Tenant, lang, researcherSignInData{Token: token})
		return
	}
	if err := s.researcherSignedIn(r.Context(), researcherKey{v.Tenant.ID, v.Person.ID}); err != nil {
		s.connectError(w, r, err, &v.Tenant, lang)
		return
	}
	http.Redirect(w, r, connect.PagePath+"?lang="+url.QueryEscape(lang), http.StatusSeeOther)
}

type researcherSignInData struct {
	Token   string // invitation token, to ask for a link
	LinkTok string // emailed link token, to spend it
	Sent    bool
	TooMany bool
	// Denied: the researcher did not sign in at ORCID; NotConnected: the
	// iD they signed in with is connected to no one of the tenant.
	Denied, NotConnected bool
}

func (s *Server) researcherSignInPage(w http.ResponseWriter, r *http.Request, t store.Tenant, lang string, d researcherSignInData) {
	s.render(w, r, http.StatusOK, "researcher_signin", page{Title: translator(lang)("me.signin_heading"), Lang: lang,
		Tenant: &t, Data: d})
}

// researcherEmailLink is POST /i/{token}/me/link: email the invitation's
// person a one-time link to their page, at the address the tenant holds.
func (s *Server) researcherEmailLink(w http.ResponseWriter, r *http.Request) {
	token, v, ok := s.lookupInvitation(w, r)
	if !ok {
		return
	}
	lang := s.requestLang(r, &v.Tenant, &v.Person)
	if v.Invitation.State == store.InvitationCancelled || v.Link == nil || v.Link.State == store.LinkRemoved {
		s.connectError(w, r, invitationGone(v), &v.Tenant, lang)
		return
	}
	d := researcherSignInData{Token: token, Sent: true}
	if err := s.connect.EmailPageLink(r.Context(), v.Tenant.ID, v.Person.ID); errors.Is(err, connect.ErrTooManyLinks) {
		d.Sent, d.TooMany = false, true
	} else if err != nil {
		s.connectError(w, r, err, &v.Tenant, lang)
		return
	}
	s.researcherSignInPage(w, r, v.Tenant, lang, d)
}

// researcherSignInConfirm is GET /me/in/{token}: a button that spends the
// emailed link. A GET does not spend it, since mail scanners open links
// before the person does.
func (s *Server) researcherSignInConfirm(w http.ResponseWriter, r *http.Request) {
	lang := s.requestLang(r, nil, nil)
	s.render(w, r, http.StatusOK, "researcher_signin", page{Title: translator(lang)("me.signin_heading"), Lang: lang,
		Data: researcherSignInData{LinkTok: r.PathValue("token")}})
}

// researcherSignIn is POST /me/in/{token}.
func (s *Server) researcherSignIn(w http.ResponseWriter, r *http.Request) {
	tid, pid, err := s.store.UseResearcherSignIn(r.Context(), r.PathValue("token"))
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusGone, "me.link_gone_what", "me.link_gone_next", nil)
		return
	}
	if err == nil {
		err = s.researcherSignedIn(r.Context(), researcherKey{tid, pid})
	}
	if err != nil {
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
		return
	}
	http.Redirect(w, r, connect.PagePath, http.StatusSeeOther)
}

func (s *Server) researcherSignOut(w http.ResponseWriter, r *http.Request) {
	s.sessions.Remove(r.Context(), sessResearcher)
	_ = s.sessions.RenewToken(r.Context())
	s.errorPage(w, r, http.StatusOK, "me.signed_out_what", "me.signed_out_next", nil)
}

// researcherItem is one item as the researcher sees it.
type researcherItem struct {
	ID       int64
	Title    string
	Group    string // message ID of its group
	State    string // message ID of where it stands
	Awaiting bool   // approve or refuse
	Withheld bool   // may be added anyway
}

type researcherChoice struct {
	Group  store.ChoiceGroup
	Label  string // message ID
	Choice store.Choice
}

// researcherTenant is one tenant's part of the page.
type researcherTenant struct {
	Tenant    store.Tenant
	Person    store.Person
	Link      *store.Link
	Connected bool
	Written   []researcherItem
	Waiting   []researcherItem
	Choices   []researcherChoice
}

type researcherData struct {
	Tenants []researcherTenant
	Flash   string
	Options []researcherOption
}

// researcherOption is one answer to "what may be added".
type researcherOption struct {
	Value store.Choice
	Label string // message ID
}

var researcherOptions = []researcherOption{{store.ChoiceAuto, "me.choice_auto"}, {store.ChoiceAsk, "me.choice_ask"},
	{store.ChoiceNever, "me.choice_never"}}

var groupLabels = map[store.ChoiceGroup]string{
	store.GroupWorks: "me.group_works", store.GroupPeerReviews: "me.group_peer_reviews",
	store.GroupAffiliations: "me.group_affiliations", store.GroupFunding: "me.group_funding",
	store.GroupPerson: "me.group_person",
}

// researcherStateText is where an item stands, in the researcher's words
// (a message ID); "" for what the page does not show (taken off).
func researcherStateText(it store.Item) string {
	switch it.State {
	case store.ItemSynced:
		return "me.state_synced"
	case store.ItemPending:
		switch it.StateReason {
		case store.HeldAwaitingResearcher:
			return "me.state_awaiting"
		case store.HeldWithheld:
			return "me.state_withheld"
		case store.HeldRefused:
			return "me.state_refused"
		}
		return "me.state_pending"
	case store.ItemQueued, store.ItemInFlight, store.ItemFailedRetryable:
		return "me.state_sending"
	case store.ItemFailedPermanent:
		return "me.state_failed"
	case store.ItemDeletedByResearcher:
		return "me.state_deleted"
	case store.ItemRetracting:
		return "me.state_removing"
	}
	return ""
}

func (s *Server) researcherTenantData(ctx context.Context, k researcherKey) (researcherTenant, error) {
	var d researcherTenant
	var err error
	if d.Tenant, err = s.store.Tenant(ctx, k.TenantID); err != nil {
		return d, err
	}
	if d.Person, err = s.store.Person(ctx, k.TenantID, k.PersonID); err != nil {
		return d, err
	}
	if l, err := s.store.Link(ctx, k.TenantID, k.PersonID); err == nil {
		d.Link = &l
		d.Connected = l.State == store.LinkConnected
	} else if !errors.Is(err, store.ErrNotFound) {
		return d, err
	}
	choices, err := s.store.ResearcherChoices(ctx, k.TenantID, k.PersonID)
	if err != nil {
		return d, err
	}
	for _, g := range store.ChoiceGroups() {
		d.Choices = append(d.Choices, researcherChoice{Group: g, Label: groupLabels[g], Choice: choices.Of(g)})
	}
	var after int64
	for {
		items, err := s.store.ListItems(ctx, k.TenantID, store.ItemQuery{PersonID: k.PersonID, AfterID: after, Limit: 1000})
		if err != nil {
			return d, err
		}
		for _, it := range items {
			state := researcherStateText(it)
			if state == "" {
				continue
			}
			v := researcherItem{ID: it.ID, Title: it.Key, Group: groupLabels[store.GroupOf(it.Kind)], State: state,
				Awaiting: state == "me.state_awaiting", Withheld: state == "me.state_withheld" || state == "me.state_refused"}
			if x, err := it.Decode(); err == nil && x.DisplayTitle() != "" {
				v.Title = x.DisplayTitle()
			}
			if it.State == store.ItemSynced {
				d.Written = append(d.Written, v)
			} else {
				d.Waiting = append(d.Waiting, v)
			}
		}
		if len(items) < 1000 {
			break
		}
		after = items[len(items)-1].ID
	}
	return d, nil
}

// researcherPage is GET /me.
func (s *Server) researcherPage(w http.ResponseWriter, r *http.Request) {
	s.researcherRender(w, r, "")
}

func (s *Server) researcherRender(w http.ResponseWriter, r *http.Request, flash string) {
	people := s.researcherPeople(r.Context())
	if len(people) == 0 {
		s.errorPage(w, r, http.StatusUnauthorized, "me.signed_out_what", "me.signed_out_next", nil)
		return
	}
	d := researcherData{Options: researcherOptions}
	for _, k := range people {
		td, err := s.researcherTenantData(r.Context(), k)
		if errors.Is(err, store.ErrNotFound) {
			continue // the person (or tenant) was deleted since
		}
		if err != nil {
			s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
			return
		}
		d.Tenants = append(d.Tenants, td)
	}
	if len(d.Tenants) == 0 {
		s.errorPage(w, r, http.StatusUnauthorized, "me.signed_out_what", "me.signed_out_next", nil)
		return
	}
	first := d.Tenants[0]
	lang := s.requestLang(r, &first.Tenant, &first.Person)
	if l := offeredLang(r.PostFormValue("lang"), first.Tenant); l != "" {
		lang = l
	}
	t := translator(lang)
	if flash != "" {
		d.Flash = t(flash, "Tenant", first.Tenant.Name)
	}
	p := page{Title: t("me.page_title"), Lang: lang, Data: d}
	if len(d.Tenants) == 1 {
		p.Tenant = &first.Tenant
	}
	s.render(w, r, http.StatusOK, "researcher_page", p)
}

// researcherChoices is POST /me/choices: one tenant's choices, applied to
// the items at once (store.SetResearcherChoice).
func (s *Server) researcherChoices(w http.ResponseWriter, r *http.Request) {
	k, ok := s.researcherFor(r)
	if !ok {
		s.errorPage(w, r, http.StatusUnauthorized, "me.signed_out_what", "me.signed_out_next", nil)
		return
	}
	q := s.researcherQueue()
	err := s.store.InTx(r.Context(), func(tx *store.Tx) error {
		for _, g := range store.ChoiceGroups() {
			c := store.Choice(r.PostFormValue("choice_" + string(g)))
			if c == "" {
				continue
			}
			ids, err := tx.SetResearcherChoice(r.Context(), k.TenantID, k.PersonID, g, c)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if q == nil {
					return errors.New("web: no queue to send items with")
				}
				if err := q.Enqueue(r.Context(), tx, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
		return
	}
	s.researcherRender(w, r, "me.choices_saved")
}

// researcherDecide is POST /me/items/{id}/approve or /refuse.
func (s *Server) researcherDecide(w http.ResponseWriter, r *http.Request) {
	k, ok := s.researcherFor(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	decision := r.PathValue("decision")
	if !ok || err != nil || (decision != "approve" && decision != "refuse") {
		s.errorPage(w, r, http.StatusNotFound, "me.signed_out_what", "me.signed_out_next", nil)
		return
	}
	approve := decision == "approve"
	q := s.researcherQueue()
	err = s.store.InTx(r.Context(), func(tx *store.Tx) error {
		queued, err := tx.DecideItem(r.Context(), k.TenantID, k.PersonID, id, approve)
		if err != nil || !queued {
			return err
		}
		if q == nil {
			return errors.New("web: no queue to send items with")
		}
		return q.Enqueue(r.Context(), tx, id)
	})
	flash := "me.refused"
	if approve {
		flash = "me.approved"
	}
	switch {
	case errors.Is(err, store.ErrNotAwaiting):
		flash = ""
	case errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, "me.signed_out_what", "me.signed_out_next", nil)
		return
	case err != nil:
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
		return
	}
	s.researcherRender(w, r, flash)
}

type researcherDisconnectData struct {
	Tenant store.Tenant
	Link   *store.Link
	Done   bool
	connect.Removal
	Incomplete bool
}

// researcherDisconnectConfirm is GET /me/disconnect?t=: what disconnecting
// does, with the choice to remove what the tenant added.
func (s *Server) researcherDisconnectConfirm(w http.ResponseWriter, r *http.Request) {
	k, ok := s.researcherFor(r)
	if !ok {
		s.errorPage(w, r, http.StatusUnauthorized, "me.signed_out_what", "me.signed_out_next", nil)
		return
	}
	td, err := s.researcherTenantData(r.Context(), k)
	if err != nil {
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
		return
	}
	lang := s.requestLang(r, &td.Tenant, &td.Person)
	if !td.Connected {
		s.connectError(w, r, &connect.FlowError{Kind: connect.ErrNotConnected, TenantID: k.TenantID, PersonID: k.PersonID},
			&td.Tenant, lang)
		return
	}
	s.render(w, r, http.StatusOK, "researcher_disconnect", page{Title: translator(lang)("disconnect.page_title"), Lang: lang,
		Tenant: &td.Tenant, Data: researcherDisconnectData{Tenant: td.Tenant, Link: td.Link}})
}

// researcherDisconnect is POST /me/disconnect: remove what the tenant
// added when asked (through the queue, before the token is revoked), then
// disconnect.
func (s *Server) researcherDisconnect(w http.ResponseWriter, r *http.Request) {
	k, ok := s.researcherFor(r)
	if !ok {
		s.errorPage(w, r, http.StatusUnauthorized, "me.signed_out_what", "me.signed_out_next", nil)
		return
	}
	t, err := s.store.Tenant(r.Context(), k.TenantID)
	if err != nil {
		s.connectError(w, r, err, nil, s.requestLang(r, nil, nil))
		return
	}
	p, _ := s.store.Person(r.Context(), k.TenantID, k.PersonID)
	lang := s.requestLang(r, &t, &p)
	// A nil researcherQueue converts to a nil Retracter.
	removal, err := s.connect.DisconnectRemoving(r.Context(), k.TenantID, k.PersonID, r.PostFormValue("remove") == "yes",
		s.researcherQueue(), researcherRemoveWait)
	if err != nil && !errors.Is(err, connect.ErrRevokeIncomplete) {
		s.connectError(w, r, err, &t, lang)
		return
	}
	s.render(w, r, http.StatusOK, "researcher_disconnect", page{Title: translator(lang)("disconnected.page_title"), Lang: lang,
		Tenant: &t, Data: researcherDisconnectData{Tenant: t, Done: true, Removal: removal, Incomplete: err != nil}})
}
