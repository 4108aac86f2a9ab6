package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

type trustedOrg struct {
	ClientID    string
	Name        string
	Website     string
	Permissions []string
	Granted     time.Time
}

type accountPage struct {
	pageCommon
	Researcher Researcher
	RecordURL  string
	Orgs       []trustedOrg
	FormToken  string
	Revoked    string
	// The settings form (myorcid.go): its errors by field, whether it was
	// just saved, and the visibility choices.
	Errors     map[string]string
	Saved      bool
	Visibility []string
	// Email verification and two-factor sign-in (security.go,
	// twofactor.go): the notice of a sent verification email or of 2FA
	// switched off, the backup codes left, and the error of the disable
	// form.
	VerificationSent bool
	TwoFactorOff     bool
	BackupCodesLeft  int
	TwoFactorError   string
}

func (r *Registry) handleAccount(w http.ResponseWriter, req *http.Request) {
	r.renderAccount(w, req, http.StatusOK, nil)
}

func (r *Registry) renderAccount(w http.ResponseWriter, req *http.Request, status int, errs map[string]string) {
	r.renderAccountWith(w, req, status, errs, "")
}

// renderAccountWith is renderAccount with an error of the form that
// switches two-factor sign-in off (an English message key).
func (r *Registry) renderAccountWith(w http.ResponseWriter, req *http.Request, status int, errs map[string]string, twoFactorErr string) {
	ctx := req.Context()
	sess, res, ok := r.currentSession(req)
	if !ok {
		http.Redirect(w, req, r.BaseURL()+"/signin?return_to=%2Faccount", http.StatusFound)
		return
	}
	toks, err := r.store.TokensFor(ctx, res.ORCID, "")
	if err != nil {
		r.serverError(w, req, fmt.Errorf("account tokens: %w", err))
		return
	}
	now := r.now()
	byClient := map[string]*trustedOrg{}
	var orgs []*trustedOrg
	scopes := map[string]Scopes{}
	for _, t := range toks {
		if t.RevokedAt != nil || !now.Before(t.ExpiresAt) {
			continue
		}
		o := byClient[t.ClientID]
		if o == nil {
			c, err := r.store.Client(ctx, t.ClientID)
			if err != nil {
				r.serverError(w, req, err)
				return
			}
			o = &trustedOrg{ClientID: c.ID, Name: c.Name, Website: c.Website, Granted: t.CreatedAt}
			byClient[t.ClientID] = o
			orgs = append(orgs, o)
		}
		scopes[t.ClientID] = ParseScopes(scopes[t.ClientID].String() + " " + t.Scopes.String())
	}
	p := accountPage{
		pageCommon: r.localized(req, "Account settings", ""), Researcher: res, RecordURL: r.IDURI(res.ORCID),
		FormToken: r.formToken(sess.ID, "account", ""), Revoked: req.URL.Query().Get("revoked"),
		Errors: errs, Saved: req.URL.Query().Get("saved") != "", Visibility: orcid.Visibilities,
		VerificationSent: req.URL.Query().Get("verification") == "sent", TwoFactorOff: req.URL.Query().Get("2fa") == "disabled",
	}
	if twoFactorErr != "" {
		p.TwoFactorError = p.T(twoFactorErr)
	}
	if res.Using2FA {
		if p.BackupCodesLeft, err = r.store.unusedBackupCodes(ctx, res.ORCID); err != nil {
			r.serverError(w, req, err)
			return
		}
	}
	for _, o := range orgs {
		o.Permissions = permissions(scopes[o.ClientID])
		p.Orgs = append(p.Orgs, *o)
	}
	r.render(w, req, status, "account", p)
}

// handleAccountRevoke removes a trusted organization: every token the
// client holds for the researcher is disabled, as a user revocation.
func (r *Registry) handleAccountRevoke(w http.ResponseWriter, req *http.Request) {
	if _, ok := readForm(w, req); !ok {
		return
	}
	sess, res, ok := r.currentSession(req)
	if !ok {
		http.Redirect(w, req, r.BaseURL()+"/signin?return_to=%2Faccount", http.StatusSeeOther)
		return
	}
	if !r.checkFormToken(sess.ID, "account", "", req.PostForm.Get("form_token")) {
		http.Error(w, "403 Forbidden: this form is stale; reload the account page and try again", http.StatusForbidden)
		return
	}
	clientID := req.PostForm.Get("client_id")
	if err := r.store.RevokeClientFor(req.Context(), res.ORCID, clientID, RevokedByUser, r.now()); err != nil {
		r.serverError(w, req, fmt.Errorf("revoke trusted organization: %w", err))
		return
	}
	http.Redirect(w, req, r.BaseURL()+"/account?revoked="+url.QueryEscape(clientID), http.StatusSeeOther)
}
