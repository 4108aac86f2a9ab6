package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Two-factor sign-in, as ORCID's (orcid-web TwoFactorAuthenticationController,
// orcid-core TwoFactorAuthenticationManagerImpl and BackupCodeManagerImpl;
// orcid-angular two-factor-setup and the sign-in's two-factor form):
//
//   - /account/2fa shows a new secret and its otpauth URI (generating a
//     secret does not switch anything on: the researcher may abandon
//     setup, getQRCode); a code from the app switches 2FA on and shows the
//     fourteen backup codes once (register.json, enable2FA), and the outbox
//     gets ORCID's notice.
//   - Signing in then takes a second step: a code from the app, or one of
//     the backup codes, each usable once (validateTwoFactorAuthForm).
//   - Switching it off asks for the password and a code (disable.json).
//
// The id_token's amr is then "mfa" (OpenIDConnectTokenEnhancer).

func (r *Registry) registerTwoFactorRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /account/2fa", r.handleTwoFactorSetup)
	mux.HandleFunc("POST /account/2fa/enable", r.handleTwoFactorEnable)
	mux.HandleFunc("POST /account/2fa/disable", r.handleTwoFactorDisable)
	mux.HandleFunc("POST /signin/2fa", r.handleSigninSecondStep)
}

// pendingSigninLifetime is how long the second step of a sign-in stays
// open after the password was accepted.
const pendingSigninLifetime = 10 * time.Minute

type twoFactorPage struct {
	pageCommon
	Researcher  Researcher
	Secret      string
	URI         string
	FormToken   string
	Error       string
	BackupCodes []string // shown once, right after enabling
}

// handleTwoFactorSetup shows a fresh secret. ORCID makes a new one each
// time the setup page asks (getQRCode), so a reload replaces it.
func (r *Registry) handleTwoFactorSetup(w http.ResponseWriter, req *http.Request) {
	sess, res, ok := r.currentSession(req)
	if !ok {
		http.Redirect(w, req, r.BaseURL()+"/signin?return_to=%2Faccount%2F2fa", http.StatusFound)
		return
	}
	if res.Using2FA {
		// ORCID sends a researcher already using 2FA back to the account page.
		http.Redirect(w, req, r.BaseURL()+"/account", http.StatusFound)
		return
	}
	secret := newTOTPSecret()
	if err := r.store.updateSecurity(req.Context(), res.ORCID, `totp_secret = ?`, secret); err != nil {
		r.serverError(w, req, err)
		return
	}
	r.renderTwoFactor(w, req, http.StatusOK, sess, res, secret, "")
}

func (r *Registry) renderTwoFactor(w http.ResponseWriter, req *http.Request, status int, sess Session, res Researcher, secret, errMsg string) {
	p := twoFactorPage{pageCommon: r.localized(req, "Two-factor authentication", ""), Researcher: res,
		Secret: secret, URI: otpauthURI(res.Email, secret), FormToken: r.formToken(sess.ID, "2fa", "")}
	if errMsg != "" {
		p.Error = p.T(errMsg)
	}
	r.render(w, req, status, "twofactor", p)
}

// handleTwoFactorEnable checks a code against the secret being set up and
// switches 2FA on.
func (r *Registry) handleTwoFactorEnable(w http.ResponseWriter, req *http.Request) {
	sess, res, ok := r.ownerForm(w, req, "2fa", "/account/2fa")
	if !ok {
		return
	}
	ctx := req.Context()
	if res.Using2FA {
		http.Redirect(w, req, r.BaseURL()+"/account", http.StatusSeeOther)
		return
	}
	sec, err := r.store.security(ctx, res.ORCID)
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	if sec.TOTPSecret == "" {
		http.Redirect(w, req, r.BaseURL()+"/account/2fa", http.StatusSeeOther)
		return
	}
	if !verifyTOTP(sec.TOTPSecret, req.PostForm.Get("code"), r.now()) {
		r.renderTwoFactor(w, req, http.StatusBadRequest, sess, res, sec.TOTPSecret, "Invalid verification code")
		return
	}
	codes := newBackupCodes()
	if err := r.store.enable2FA(ctx, res.ORCID, sec.TOTPSecret, codes, unix(r.now())); err != nil {
		r.serverError(w, req, fmt.Errorf("enable 2FA: %w", err))
		return
	}
	if err := r.notify2FA(ctx, res, true); err != nil {
		r.serverError(w, req, err)
		return
	}
	res.Using2FA = true
	p := twoFactorPage{pageCommon: r.localized(req, "Two-factor authentication", ""), Researcher: res, BackupCodes: codes}
	r.render(w, req, http.StatusOK, "twofactor", p)
}

// handleTwoFactorDisable switches 2FA off, given the password and a code or
// a backup code, as ORCID's disable.json asks.
func (r *Registry) handleTwoFactorDisable(w http.ResponseWriter, req *http.Request) {
	_, res, ok := r.ownerForm(w, req, "account", "/account")
	if !ok {
		return
	}
	ctx := req.Context()
	if !res.Using2FA {
		http.Redirect(w, req, r.BaseURL()+"/account", http.StatusSeeOther)
		return
	}
	fail := func(msg string) {
		r.renderAccountWith(w, req, http.StatusBadRequest, nil, msg)
	}
	if !checkPassword(res.PasswordHash, req.PostForm.Get("password")) {
		fail("Incorrect password")
		return
	}
	if msg, err := r.checkSecondFactor(ctx, res, req.PostForm.Get("code"), req.PostForm.Get("recovery_code")); err != nil {
		r.serverError(w, req, err)
		return
	} else if msg != "" {
		fail(msg)
		return
	}
	if err := r.store.disable2FA(ctx, res.ORCID); err != nil {
		r.serverError(w, req, fmt.Errorf("disable 2FA: %w", err))
		return
	}
	if err := r.notify2FA(ctx, res, false); err != nil {
		r.serverError(w, req, err)
		return
	}
	http.Redirect(w, req, r.BaseURL()+"/account?2fa=disabled", http.StatusSeeOther)
}

// checkSecondFactor checks a code from the app or, when given, a backup
// code (which is then used up), and returns ORCID's message when neither
// is right ("" when one is).
func (r *Registry) checkSecondFactor(ctx context.Context, res Researcher, code, recovery string) (string, error) {
	if strings.TrimSpace(recovery) != "" {
		ok, err := r.store.useBackupCode(ctx, res.ORCID, recovery, unix(r.now()))
		if err != nil || ok {
			return "", err
		}
		return "Invalid recovery code", nil
	}
	sec, err := r.store.security(ctx, res.ORCID)
	if err != nil {
		return "", err
	}
	if !verifyTOTP(sec.TOTPSecret, code, r.now()) {
		return "Invalid verification code", nil
	}
	return "", nil
}

// notify2FA puts ORCID's notice of the change in the outbox (the texts of
// email_2fa_enabled / email_2fa_disabled).
func (r *Registry) notify2FA(ctx context.Context, res Researcher, enabled bool) error {
	subject := "[ORCID] Two-factor authentication has been enabled on your ORCID account"
	text := "Two-factor authentication has been enabled on your ORCID account. You will be asked for a two-factor authentication code each time you sign in."
	if !enabled {
		subject = "[ORCID] Two-factor authentication disabled on your account"
		text = "Two-factor authentication has been disabled on your ORCID account. This means we will no longer ask for your two-factor authentication code when you sign into ORCID."
	}
	body := fmt.Sprintf("Dear %s,\n\n%s\n\nKind regards,\nThe ORCID team (offline sandbox)\n", res.DisplayName(), text)
	if err := r.store.AddEmail(ctx, Email{To: res.Email, Subject: subject, Body: body, CreatedAt: r.now()}); err != nil {
		return fmt.Errorf("2FA notice: %w", err)
	}
	return nil
}

// ---- the sign-in's second step ----

type signinSecondStepPage struct {
	pageCommon
	Pending  string // the signed pending sign-in
	OAuth    string
	ReturnTo string
	Error    string
	Recovery bool // the error is about a recovery code
}

// pendingSignin names a researcher whose password was accepted until a
// time, signed so that the second step cannot be reached without it.
func (r *Registry) pendingSignin(orcid string) string {
	exp := strconv.FormatInt(r.now().Add(pendingSigninLifetime).Unix(), 10)
	return orcid + "." + exp + "." + r.formToken("", "signin-2fa", orcid+"."+exp)
}

func (r *Registry) checkPendingSignin(tok string) (string, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || r.now().Unix() > exp {
		return "", false
	}
	return parts[0], r.checkFormToken("", "signin-2fa", parts[0]+"."+parts[1], parts[2])
}

// renderSecondStep shows the second step of a sign-in.
func (r *Registry) renderSecondStep(w http.ResponseWriter, req *http.Request, status int, orcid string, oauth, returnTo, errMsg string, recovery bool) {
	lang := ""
	if q := oauthFromForm(oauth); q != nil {
		lang = q.Get("lang")
	}
	p := signinSecondStepPage{pageCommon: r.localized(req, "Two-factor authentication", lang),
		Pending: r.pendingSignin(orcid), OAuth: oauth, ReturnTo: safeReturnTo(returnTo), Recovery: recovery}
	if errMsg != "" {
		p.Error = p.T(errMsg)
	}
	r.render(w, req, status, "signin2fa", p)
}

// handleSigninSecondStep checks the code of the second step and signs the
// researcher in.
func (r *Registry) handleSigninSecondStep(w http.ResponseWriter, req *http.Request) {
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		http.Error(w, "400 Bad Request: the form could not be read", http.StatusBadRequest)
		return
	}
	f := req.PostForm
	ctx := req.Context()
	id, ok := r.checkPendingSignin(f.Get("pending"))
	if !ok {
		// Expired or forged: start again from the password.
		http.Redirect(w, req, r.BaseURL()+"/signin", http.StatusSeeOther)
		return
	}
	res, err := r.store.Researcher(ctx, id)
	if errors.Is(err, ErrNotFound) {
		http.Redirect(w, req, r.BaseURL()+"/signin", http.StatusSeeOther)
		return
	}
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	if res.Using2FA {
		msg, err := r.checkSecondFactor(ctx, res, f.Get("code"), f.Get("recovery_code"))
		if err != nil {
			r.serverError(w, req, err)
			return
		}
		if msg != "" {
			r.renderSecondStep(w, req, http.StatusUnauthorized, id, f.Get("oauth"), f.Get("return_to"), msg, strings.TrimSpace(f.Get("recovery_code")) != "")
			return
		}
	}
	if err := r.startSession(w, req, res.ORCID); err != nil {
		r.serverError(w, req, err)
		return
	}
	http.Redirect(w, req, r.continueURL(oauthFromForm(f.Get("oauth")), f.Get("return_to")), http.StatusSeeOther)
}
