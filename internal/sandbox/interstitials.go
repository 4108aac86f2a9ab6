package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// The interstitial screens ORCID shows inside the OAuth flow, between the
// researcher's decision and the redirect to the client. Each is a togglz
// feature, off unless ORCID switches it on (ORCID-Source
// orcid-core/.../togglz/Features.java: OAUTH_DOMAINS_INTERSTITIAL,
// OAUTH_AFFILIATION_INTERSTITIAL, OAUTH_BACKUP_EMAIL_INTERSTITIAL), so the
// registry keeps them off until the control API switches them on
// (PUT /_sandbox/interstitials). When they apply (orcid-angular
// src/app/authorize/pages/authorize/authorize.component.ts and
// src/app/core/login-interstitials-manager/):
//
//   - after "Authorize access" or "Deny access" (handleRedirect runs for
//     both), or instead of an immediate redirect when the consent screen is
//     skipped (isUserAlreadyAuthorized); the redirect to the client
//     follows once the researcher finishes or skips the screen;
//   - at most one per authorization, the first whose rule holds, in
//     LoginMainInterstitialsManagerService's order: backup email (the
//     record has exactly one email), email domains (a verified email's
//     domain that is not public), affiliations (a verified email domain and
//     no employment on the record);
//   - each once per researcher: it is marked seen as it is shown
//     (markViewedAndTrackShown, ProfileInterstitialFlagManager), so a
//     second authorization goes straight to the client.
//
// Not emulated: ORCID's LOGIN_* twins (shown on /my-orcid after a plain
// sign-in), the check that skips them in a pop-up window (window.opener),
// and ORCID's guess of an organisation from the email domain.

// interstitial is one of the screens, with its control-API name and
// ORCID's InterstitialType (interstitial.type.ts), which is what is
// recorded as seen.
type interstitial struct {
	Switch string
	Type   string
}

// interstitialOrder lists the screens in the order ORCID checks them.
func interstitialOrder() []interstitial {
	return []interstitial{
		{"backup_email", "BACKUP_EMAIL_INTERSTITIAL"},
		{"email_domains", "DOMAIN_INTERSTITIAL"},
		{"affiliations", "AFFILIATION_INTERSTITIAL"},
	}
}

// InterstitialSwitches is the body of GET and PUT /_sandbox/interstitials.
// ForgetSeen, on a PUT, makes every researcher see the screens again, as
// ORCID's QA flags forceXInterstitialAsNeverSeen do.
type InterstitialSwitches struct {
	EmailDomains bool `json:"email_domains"`
	Affiliations bool `json:"affiliations"`
	BackupEmail  bool `json:"backup_email"`
	ForgetSeen   bool `json:"forget_seen,omitempty"`
}

func (s InterstitialSwitches) on(name string) bool {
	switch name {
	case "email_domains":
		return s.EmailDomains
	case "affiliations":
		return s.Affiliations
	case "backup_email":
		return s.BackupEmail
	}
	return false
}

func (s *store) interstitialSwitches(ctx context.Context) (InterstitialSwitches, error) {
	var out InterstitialSwitches
	rows, err := s.db.QueryContext(ctx, `SELECT name, value FROM registry_switches WHERE name LIKE 'interstitial:%'`)
	if err != nil {
		return out, fmt.Errorf("interstitial switches: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var on bool
		if err := rows.Scan(&name, &on); err != nil {
			return out, err
		}
		switch strings.TrimPrefix(name, "interstitial:") {
		case "email_domains":
			out.EmailDomains = on
		case "affiliations":
			out.Affiliations = on
		case "backup_email":
			out.BackupEmail = on
		}
	}
	return out, rows.Err()
}

func (s *store) setInterstitialSwitches(ctx context.Context, sw InterstitialSwitches) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, it := range interstitialOrder() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO registry_switches (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, "interstitial:"+it.Switch, sw.on(it.Switch)); err != nil {
			return err
		}
	}
	if sw.ForgetSeen {
		if _, err := tx.ExecContext(ctx, `UPDATE account_security SET interstitials_seen = ''`); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (r *Registry) registerInterstitialRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /oauth/interstitial", r.handleInterstitial)
	mux.HandleFunc("GET /_sandbox/interstitials", r.ctlGetInterstitials)
	mux.HandleFunc("PUT /_sandbox/interstitials", r.ctlSetInterstitials)
	mux.HandleFunc("DELETE /_sandbox/interstitials", r.ctlResetInterstitials)
}

func (r *Registry) ctlGetInterstitials(w http.ResponseWriter, req *http.Request) {
	sw, err := r.store.interstitialSwitches(req.Context())
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sw)
}

func (r *Registry) ctlSetInterstitials(w http.ResponseWriter, req *http.Request) {
	var in InterstitialSwitches
	if err := decodeStrict(req, &in); err != nil {
		r.ctlFail(w, err)
		return
	}
	if err := r.store.setInterstitialSwitches(req.Context(), in); err != nil {
		r.ctlFail(w, err)
		return
	}
	in.ForgetSeen = false
	writeJSON(w, http.StatusOK, in)
}

func (r *Registry) ctlResetInterstitials(w http.ResponseWriter, req *http.Request) {
	if err := r.store.setInterstitialSwitches(req.Context(), InterstitialSwitches{}); err != nil {
		r.ctlFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, InterstitialSwitches{})
}

// dueInterstitial returns the screen to show a researcher now, if any.
func (r *Registry) dueInterstitial(ctx context.Context, orcidID string) (interstitial, bool, error) {
	sw, err := r.store.interstitialSwitches(ctx)
	if err != nil || sw == (InterstitialSwitches{}) {
		return interstitial{}, false, err
	}
	res, err := r.store.Researcher(ctx, orcidID)
	if err != nil {
		return interstitial{}, false, err
	}
	sec, err := r.store.security(ctx, orcidID)
	if err != nil {
		return interstitial{}, false, err
	}
	for _, it := range interstitialOrder() {
		if !sw.on(it.Switch) || slices.Contains(sec.Seen, it.Type) {
			continue
		}
		var eligible bool
		switch it.Switch {
		case "backup_email":
			// LoginBackupEmailInterstitialManagerService: exactly one
			// email, verified or not.
			eligible = sec.BackupEmail == ""
		case "email_domains":
			// LoginDomainInterstitialManagerService: email domains (ORCID
			// lists those of verified emails), none public.
			eligible = res.EmailVerified && !sec.DomainPublic
		case "affiliations":
			// LoginAffiliationInterstitialManagerService: email domains
			// and no employment.
			if res.EmailVerified {
				rows, err := r.store.Items(ctx, orcidID)
				if err != nil {
					return interstitial{}, false, err
				}
				eligible = !slices.ContainsFunc(rows, func(s StoredItem) bool { return s.Kind == string(orcid.KindEmployment) })
			}
		}
		if eligible {
			return it, true, nil
		}
	}
	return interstitial{}, false, nil
}

// leaveForClient sends the browser back to the client after the
// researcher's decision, or first shows the interstitial due, which
// carries the redirect along. target is the full redirect (code, token or
// error); it travels in the page bound to the session by a form token, so
// the screen cannot be made to redirect anywhere else.
func (r *Registry) leaveForClient(w http.ResponseWriter, req *http.Request, a authRequest, sess Session, target string) {
	ctx := req.Context()
	it, due, err := r.dueInterstitial(ctx, sess.ORCID)
	if err != nil {
		r.serverError(w, req, fmt.Errorf("interstitials: %w", err))
		return
	}
	if !due {
		http.Redirect(w, req, target, http.StatusFound)
		return
	}
	// Marked seen as it is shown, as ORCID does, so leaving the page
	// without a choice does not bring it back.
	if err := r.store.markInterstitialSeen(ctx, sess.ORCID, it.Type); err != nil {
		r.serverError(w, req, err)
		return
	}
	p, err := r.interstitialData(req, it, a.Client.Name, a.Query.Get("lang"), sess, target)
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	r.render(w, req, http.StatusOK, "interstitial", p)
}

type interstitialPage struct {
	pageCommon
	Kind          string // the control-API name: backup_email, email_domains, affiliations
	ClientName    string
	Target        string
	FormToken     string
	Email         string
	Domain        string
	Organizations []Organization
	Error         string
	Done          bool   // the researcher's choice was saved: the confirmation screen
	Added         string // what was added, for the confirmation
}

func (r *Registry) interstitialData(req *http.Request, it interstitial, clientName, lang string, sess Session, target string) (interstitialPage, error) {
	res, err := r.store.Researcher(req.Context(), sess.ORCID)
	if err != nil {
		return interstitialPage{}, err
	}
	p := interstitialPage{pageCommon: r.localized(req, interstitialTitle(it.Switch), lang), Kind: it.Switch,
		ClientName: clientName, Target: target, Email: res.Email, Domain: emailDomain(res.Email),
		FormToken: r.formToken(sess.ID, "interstitial", it.Switch+"\x00"+clientName+"\x00"+target)}
	if it.Switch == "affiliations" {
		if p.Organizations, err = r.store.Organizations(req.Context()); err != nil {
			return p, err
		}
	}
	return p, nil
}

// interstitialTitle is a screen's heading (orcid-angular's interstitial
// components; ORCID's affiliation screen, which proposes an organisation
// found from the email domain, says "Employment affiliation found").
func interstitialTitle(name string) string {
	switch name {
	case "backup_email":
		return "Add a backup email address"
	case "email_domains":
		return "Share your verified email domains"
	}
	return "Add an employment affiliation"
}

func emailDomain(email string) string {
	return strings.ToLower(email[strings.LastIndex(email, "@")+1:])
}

// handleInterstitial takes the researcher's choice on an interstitial:
// "skip" goes straight to the client ("Continue without …"); otherwise the
// choice is saved and a confirmation links on to the client, as ORCID's
// components show one after a submission.
func (r *Registry) handleInterstitial(w http.ResponseWriter, req *http.Request) {
	f, ok := readForm(w, req)
	if !ok {
		return
	}
	ctx := req.Context()
	sess, res, ok := r.currentSession(req)
	kind, clientName, target := f.Get("kind"), f.Get("client_name"), f.Get("target")
	if !ok || !r.checkFormToken(sess.ID, "interstitial", kind+"\x00"+clientName+"\x00"+target, f.Get("form_token")) {
		r.renderOAuthError(w, req, &authPageError{"oauth_error",
			"This form has expired or belongs to another sign-in. Please start again from the application."})
		return
	}
	if f.Get("action") == "skip" {
		http.Redirect(w, req, target, http.StatusSeeOther)
		return
	}
	it := interstitial{Switch: kind}
	p, err := r.interstitialData(req, it, clientName, "", sess, target)
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	fail := func(msg string) {
		p.Error = p.T(msg)
		r.render(w, req, http.StatusBadRequest, "interstitial", p)
	}
	switch kind {
	case "backup_email":
		email := strings.TrimSpace(f.Get("backup_email"))
		if !validEmail(email) {
			fail("Please enter a valid email address.")
			return
		}
		if _, err := r.store.ResearcherByEmail(ctx, email); err == nil || strings.EqualFold(email, res.Email) {
			fail("This email is already associated with an existing ORCID record.")
			return
		}
		if _, err := r.store.orcidByBackupEmail(ctx, email); err == nil {
			fail("This email is already associated with an existing ORCID record.")
			return
		}
		if err := r.store.updateSecurity(ctx, res.ORCID, `backup_email = ?, backup_email_verified = 0`, email); err != nil {
			r.serverError(w, req, err)
			return
		}
		// ORCID sends the new address a verification email.
		if err := r.sendVerification(ctx, res.DisplayName(), email); err != nil {
			r.serverError(w, req, err)
			return
		}
		p.Added = email
	case "email_domains":
		if err := r.store.updateSecurity(ctx, res.ORCID, `email_domain_public = 1`); err != nil {
			r.serverError(w, req, err)
			return
		}
		p.Added = p.Domain
	case "affiliations":
		name, err := r.addEmployment(ctx, res, f.Get("organization"), f.Get("department"), f.Get("role"))
		var fe *FieldError
		if errors.As(err, &fe) {
			fail(fe.Message)
			return
		}
		if err != nil {
			r.serverError(w, req, err)
			return
		}
		p.Added = name
	default:
		http.Redirect(w, req, target, http.StatusSeeOther)
		return
	}
	p.Done = true
	r.render(w, req, http.StatusOK, "interstitial", p)
}

// addEmployment adds the employment the affiliation screen asks for, the
// researcher being its source, as the works they add on /my-orcid are.
// org is "source identifier" of an organisation the registry knows: ORCID's
// screen offers organisations from its registry too.
func (r *Registry) addEmployment(ctx context.Context, res Researcher, org, department, role string) (string, error) {
	source, identifier, _ := strings.Cut(org, " ")
	o, err := r.store.Organization(ctx, identifier, source)
	if errors.Is(err, ErrNotFound) {
		return "", &FieldError{"organization", "Please choose an organization."}
	}
	if err != nil {
		return "", err
	}
	doc, err := json.Marshal(map[string]any{
		"department-name": nonEmpty(strings.TrimSpace(department)),
		"role-title":      nonEmpty(strings.TrimSpace(role)),
		"organization": map[string]any{
			"name":    o.Name,
			"address": map[string]any{"city": o.City, "region": nonEmpty(o.Region), "country": o.Country},
			"disambiguated-organization": map[string]string{
				"disambiguated-organization-identifier": o.Identifier, "disambiguation-source": o.Source,
			},
		},
	})
	if err != nil {
		return "", err
	}
	item := orcid.NewItem(orcid.KindEmployment)
	if err := json.Unmarshal(doc, item); err != nil {
		return "", err
	}
	if err := r.validateItem(item, writeCheck{create: true, clientName: res.DisplayName()}); err != nil {
		return "", &FieldError{"organization", asAPIError(err).developerMessage()}
	}
	if err := r.addOwnItem(ctx, res, orcid.KindEmployment, item); err != nil {
		return "", fmt.Errorf("add employment: %w", err)
	}
	return o.Name, nil
}

// nonEmpty is nil for "", so optional fields are left out of the item.
func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
