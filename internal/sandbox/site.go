package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

//go:embed templates
var templateFS embed.FS

// pages are the parsed page templates, each with the shared layout.
var pages = parsePages()

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"date":     func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"datetime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err) // the pattern is constant
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		// Templates are compiled into the binary: a broken one is a
		// programming error that every test run would catch.
		out[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return out
}

// registerSiteRoutes serves the registry's pages: sign-in, registration,
// account, record pages, developer tools and the outbox.
func (r *Registry) registerSiteRoutes(mux *http.ServeMux) {
	// The two wildcard-like patterns carry no method so that they never
	// conflict with method-specific patterns other files register.
	mux.HandleFunc("/{$}", r.handleHome)
	mux.HandleFunc("/{orcid}", r.handleRecord)
	mux.HandleFunc("GET /static/sandbox.css", r.handleCSS)
	mux.HandleFunc("GET /signin", r.handleSigninPage)
	mux.HandleFunc("POST /signin", r.handleSignin)
	mux.HandleFunc("GET /register", r.handleRegisterPage)
	mux.HandleFunc("POST /register", r.handleRegister)
	mux.HandleFunc("GET /signout", r.handleSignoutPage)
	mux.HandleFunc("POST /signout", r.handleSignout)
	mux.HandleFunc("GET /account", r.handleAccount)
	mux.HandleFunc("POST /account/revoke", r.handleAccountRevoke)
	mux.HandleFunc("GET /developer-tools", r.handleDevTools)
	mux.HandleFunc("POST /developer-tools/clients", r.handleDevToolsClient)
	mux.HandleFunc("POST /developer-tools/researchers", r.handleDevToolsResearcher)
	mux.HandleFunc("GET /outbox", r.handleOutbox)
	r.registerRecordOwnerRoutes(mux)
	r.registerAccountSecurityRoutes(mux)
}

// ---- rendering ----

// pageCommon is what the layout needs on every page.
type pageCommon struct {
	Title        string
	Lang         string // the language of the page, for <html lang> and .T
	Base         string // path prefix of BaseURL, "" at the root
	BaseURL      string
	User         *userView
	SignoutToken string

	i18n      *catalog
	langParam bool // a lang parameter chose Lang: render sets the locale cookie
}

type userView struct {
	ORCID string
	Name  string
}

// common fills the layout data of a page written in English only (the
// developer tools, the outbox, the record pages). The registry's own pages
// that ORCID shows in the user's language use localized.
func (r *Registry) common(req *http.Request, title, _ string) pageCommon {
	return r.pageCommon(req, title, "en", false)
}

// localized fills the layout data of a translated page: sign-in,
// registration, consent, the OAuth error page, sign-out and the account
// page. lang is the lang parameter of the authorize request the page
// carries ("" for none); pageLang (i18n.go) falls back to the request's own
// parameter and ORCID's locale cookie. The title is given in English.
func (r *Registry) localized(req *http.Request, title, lang string) pageCommon {
	l, fromParam := r.pageLang(req, lang)
	return r.pageCommon(req, title, l, fromParam)
}

func (r *Registry) pageCommon(req *http.Request, title, lang string, langParam bool) pageCommon {
	pc := pageCommon{Lang: lang, Base: r.base.Path, BaseURL: r.BaseURL(), i18n: r.i18n, langParam: langParam}
	pc.Title = pc.T(title)
	if sess, user, ok := r.currentSession(req); ok {
		pc.User = &userView{ORCID: user.ORCID, Name: user.DisplayName()}
		pc.SignoutToken = r.formToken(sess.ID, "signout", "")
	}
	return pc
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (r *Registry) render(w http.ResponseWriter, req *http.Request, status int, name string, data any) {
	t, ok := pages[name]
	if !ok {
		r.serverError(w, req, fmt.Errorf("no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		r.serverError(w, req, fmt.Errorf("render %s: %w", name, err))
		return
	}
	if l, ok := data.(localized); ok && l.langFromParam() != "" {
		r.setLocaleCookie(w, l.langFromParam())
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The consent screen must not be framed (clickjacking); the pages
	// need nothing but their own stylesheet.
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (r *Registry) serverError(w http.ResponseWriter, req *http.Request, err error) {
	r.log.ErrorContext(req.Context(), "sandbox site", "path", req.URL.Path, "err", err)
	http.Error(w, "500 Internal Server Error: the sandbox hit an error; see its log.", http.StatusInternalServerError)
}

type errorPage struct {
	pageCommon
	Code        string
	Description string
}

// renderOAuthError shows ORCID's OAuth error page (400), or a 500 for
// errors that are not the request's fault.
func (r *Registry) renderOAuthError(w http.ResponseWriter, req *http.Request, err error) {
	var oe *authPageError
	if !errors.As(err, &oe) {
		r.serverError(w, req, err)
		return
	}
	r.render(w, req, http.StatusBadRequest, "error", errorPage{
		pageCommon: r.localized(req, "Authorization error", req.URL.Query().Get("lang")),
		Code:       oe.Code, Description: oe.Description,
	})
}

func (r *Registry) handleCSS(w http.ResponseWriter, req *http.Request) {
	b, err := templateFS.ReadFile("templates/sandbox.css")
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(b)
}

// ---- browser sessions ----

const sessionCookie = "orcid_sandbox_session"

func (r *Registry) cookiePath() string {
	if r.base.Path == "" {
		return "/"
	}
	return r.base.Path
}

// currentSession returns the signed-in researcher of the request, if any.
func (r *Registry) currentSession(req *http.Request) (Session, Researcher, bool) {
	c, err := req.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return Session{}, Researcher{}, false
	}
	sess, err := r.store.Session(req.Context(), c.Value, r.now())
	if err != nil {
		return Session{}, Researcher{}, false
	}
	res, err := r.store.Researcher(req.Context(), sess.ORCID)
	if err != nil {
		return Session{}, Researcher{}, false
	}
	return sess, res, true
}

// startSession signs a researcher in: a new server-side session row (any
// previous one of this browser is deleted, against session fixation) and
// a cookie naming it.
func (r *Registry) startSession(w http.ResponseWriter, req *http.Request, orcid string) error {
	if c, err := req.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := r.store.DeleteSession(req.Context(), c.Value); err != nil {
			return fmt.Errorf("end previous session: %w", err)
		}
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("session id: %w", err)
	}
	now := r.now()
	sess := Session{ID: base64.RawURLEncoding.EncodeToString(b[:]), ORCID: orcid, AuthTime: now, ExpiresAt: now.Add(sessionLifetime)}
	if err := r.store.CreateSession(req.Context(), sess); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: sess.ID, Path: r.cookiePath(),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.base.Scheme == "https",
	})
	return nil
}

func (r *Registry) endSession(w http.ResponseWriter, req *http.Request) error {
	if c, err := req.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := r.store.DeleteSession(req.Context(), c.Value); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: r.cookiePath(), MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.base.Scheme == "https",
	})
	return nil
}

// formToken binds a form to one browser session, one purpose and (for the
// consent form) the exact request shown, so a form from another sign-in or
// for another request is refused. CrossOriginProtection already stops
// cross-site posts; this stops stale and swapped forms.
func (r *Registry) formToken(sessionID, purpose, payload string) string {
	mac := hmac.New(sha256.New, r.formKey())
	for _, s := range []string{sessionID, purpose, payload} {
		mac.Write([]byte(s))
		mac.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (r *Registry) checkFormToken(sessionID, purpose, payload, got string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(r.formToken(sessionID, purpose, payload)))
}

// formKey derives the form-token key from the registry's persistent
// signing key, so forms survive a restart and no second secret is stored.
func (r *Registry) formKey() []byte {
	h := sha256.New()
	h.Write([]byte("orcidlink sandbox form tokens\x00"))
	h.Write(r.keys.priv.D.Bytes())
	return h.Sum(nil)
}

// ---- continuation after sign-in or registration ----

// oauthFromForm reads the authorize request a sign-in or registration form
// carries. Only recognised parameters survive, and the continuation is
// always /oauth/authorize on this registry, which validates everything
// again: the field cannot be turned into an open redirect.
func oauthFromForm(raw string) url.Values {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil
	}
	q = filterOAuthQuery(q)
	if q.Get("client_id") == "" {
		return nil
	}
	return q
}

// safeReturnTo accepts only a path on this site ("/account"), never a URL
// or a scheme-relative "//host" that a browser would leave the site for.
func safeReturnTo(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return u.RequestURI()
}

// continueURL is where a researcher goes once signed in: back to the
// authorize request (without prompt=login, which has now been honoured),
// else the requested page, else the account page.
func (r *Registry) continueURL(oauth url.Values, returnTo string) string {
	if oauth != nil {
		q := url.Values{}
		for k, v := range oauth {
			q[k] = slices.Clone(v)
		}
		if p := q.Get("prompt"); p != "" {
			q.Set("prompt", strings.Join(slices.DeleteFunc(strings.Fields(p), func(s string) bool { return s == "login" }), " "))
			if q.Get("prompt") == "" {
				q.Del("prompt")
			}
		}
		return r.BaseURL() + "/oauth/authorize?" + q.Encode()
	}
	if p := safeReturnTo(returnTo); p != "" {
		return r.BaseURL() + p
	}
	return r.BaseURL() + "/account"
}

// mustSignInAgain reports whether an authorize request wants a fresh
// sign-in from someone already signed in: prompt=login, or a max_age older
// than the sign-in (both honoured with openid only, as ORCID does). The
// sign-in page then shows its form instead of sending the browser back to
// /oauth/authorize, which would send it here again.
func (r *Registry) mustSignInAgain(q url.Values, sess Session) bool {
	if !slices.Contains(strings.Fields(q.Get("scope")), ScopeOpenID) {
		return false
	}
	if slices.Contains(strings.Fields(q.Get("prompt")), "login") {
		return true
	}
	maxAge, err := strconv.ParseInt(strings.TrimSpace(q.Get("max_age")), 10, 64)
	return err == nil && r.now().Sub(sess.AuthTime) > time.Duration(maxAge)*time.Second
}

// ---- sign-in ----

type signinPage struct {
	pageCommon
	Username    string
	Error       string
	OAuth       string
	ReturnTo    string
	RegisterURL string
	ClientName  string
	// RefusedState is the state of a record that may not sign in, which
	// the page names so scripts and tests can tell it from a bad password.
	RefusedState string
	// Verified reports where a verification link led (security.go):
	// "true", "false" or "invalid".
	Verified string
}

func (r *Registry) signinData(req *http.Request, oauth url.Values, returnTo string) signinPage {
	lang := oauth.Get("lang")
	p := signinPage{pageCommon: r.localized(req, "Sign in", lang), ReturnTo: safeReturnTo(returnTo)}
	p.OAuth, p.ClientName, p.RegisterURL = r.otherPage(req, oauth, p.ReturnTo, "/register")
	return p
}

// otherPage is what the sign-in and registration pages share: the pending
// authorize request (encoded for the form), the name of the client asking,
// and the link to the other page carrying the same request along.
func (r *Registry) otherPage(req *http.Request, oauth url.Values, returnTo, path string) (encoded, clientName, link string) {
	carry := url.Values{}
	if oauth != nil {
		encoded, carry = oauth.Encode(), oauth
		if c, err := r.store.Client(req.Context(), oauth.Get("client_id")); err == nil {
			clientName = c.Name
		}
	} else if returnTo != "" {
		carry.Set("return_to", returnTo)
	}
	link = r.base.Path + path
	if len(carry) > 0 {
		link += "?" + carry.Encode()
	}
	return encoded, clientName, link
}

func (r *Registry) handleSigninPage(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	oauth := oauthFromForm(q.Encode())
	if sess, _, ok := r.currentSession(req); ok && !r.mustSignInAgain(oauth, sess) {
		http.Redirect(w, req, r.continueURL(oauth, q.Get("return_to")), http.StatusFound)
		return
	}
	p := r.signinData(req, oauth, q.Get("return_to"))
	if oauth != nil {
		p.Username = r.prefillUsername(req.Context(), oauth)
	}
	switch {
	case q.Get("invalidVerifyUrl") == "true":
		p.Verified = "invalid"
	case q.Get("emailVerified") != "":
		p.Verified = q.Get("emailVerified")
	}
	r.render(w, req, http.StatusOK, "signin", p)
}

func (r *Registry) handleSignin(w http.ResponseWriter, req *http.Request) {
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		http.Error(w, "400 Bad Request: the form could not be read", http.StatusBadRequest)
		return
	}
	f := req.PostForm
	oauth := oauthFromForm(f.Get("oauth"))
	res, err := r.Authenticate(req.Context(), f.Get("username"), f.Get("password"))
	if err != nil {
		p := r.signinData(req, oauth, f.Get("return_to"))
		p.Username = f.Get("username")
		p.Error = p.T("Incorrect email, ORCID iD or password. Please try again.")
		if sr := (*SignInRefused)(nil); errors.As(err, &sr) {
			p.Error, p.RefusedState = sr.Message, string(sr.State)
		}
		r.render(w, req, http.StatusUnauthorized, "signin", p)
		return
	}
	if res.Using2FA {
		// The password is right; ORCID's sign-in now asks for the code
		// (verificationCodeRequired) before signing in (twofactor.go).
		r.renderSecondStep(w, req, http.StatusOK, res.ORCID, f.Get("oauth"), f.Get("return_to"), "", false)
		return
	}
	if err := r.startSession(w, req, res.ORCID); err != nil {
		r.serverError(w, req, err)
		return
	}
	http.Redirect(w, req, r.continueURL(oauth, f.Get("return_to")), http.StatusSeeOther)
}

// ---- registration ----

type registerPage struct {
	pageCommon
	GivenNames  string
	FamilyNames string
	Email       string
	Errors      map[string]string
	OAuth       string
	ReturnTo    string
	SigninURL   string
	ClientName  string
	// DefaultVisibility is the choice of visibility for new items
	// ("" shows public, ORCID's usual choice).
	DefaultVisibility string
}

func (r *Registry) registerData(req *http.Request, oauth url.Values, returnTo string) registerPage {
	p := registerPage{pageCommon: r.localized(req, "Register", oauth.Get("lang")), ReturnTo: safeReturnTo(returnTo), Errors: map[string]string{}}
	p.OAuth, p.ClientName, p.SigninURL = r.otherPage(req, oauth, p.ReturnTo, "/signin")
	return p
}

func (r *Registry) handleRegisterPage(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	oauth := oauthFromForm(q.Encode())
	if _, _, ok := r.currentSession(req); ok {
		http.Redirect(w, req, r.continueURL(oauth, q.Get("return_to")), http.StatusFound)
		return
	}
	p := r.registerData(req, oauth, q.Get("return_to"))
	// given_names, family_names and email pre-fill the form whether they
	// come with an authorize request or on their own.
	p.GivenNames, p.FamilyNames, p.Email = q.Get("given_names"), q.Get("family_names"), q.Get("email")
	r.render(w, req, http.StatusOK, "register", p)
}

func (r *Registry) handleRegister(w http.ResponseWriter, req *http.Request) {
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		http.Error(w, "400 Bad Request: the form could not be read", http.StatusBadRequest)
		return
	}
	f := req.PostForm
	oauth := oauthFromForm(f.Get("oauth"))
	res, err := r.CreateResearcher(req.Context(), NewResearcher{
		GivenNames: f.Get("given_names"), FamilyNames: f.Get("family_names"),
		Email: f.Get("email"), Password: f.Get("password"), DefaultVisibility: f.Get("default_visibility"),
		// A new account's email waits for the link of the welcome message.
		EmailVerified: new(false),
	})
	if err != nil {
		var fe *FieldError
		if !errors.As(err, &fe) {
			r.serverError(w, req, fmt.Errorf("register: %w", err))
			return
		}
		p := r.registerData(req, oauth, f.Get("return_to"))
		p.GivenNames, p.FamilyNames, p.Email = f.Get("given_names"), f.Get("family_names"), f.Get("email")
		p.DefaultVisibility = f.Get("default_visibility")
		p.Errors[fe.Field] = fe.Message
		r.render(w, req, http.StatusBadRequest, "register", p)
		return
	}
	if err := r.sendWelcome(req.Context(), res); err != nil {
		r.serverError(w, req, err)
		return
	}
	if err := r.startSession(w, req, res.ORCID); err != nil {
		r.serverError(w, req, err)
		return
	}
	http.Redirect(w, req, r.continueURL(oauth, f.Get("return_to")), http.StatusSeeOther)
}

// sendWelcome puts ORCID's welcome and verification message in the outbox;
// nothing leaves the machine.
func (r *Registry) sendWelcome(ctx context.Context, res Researcher) error {
	body := fmt.Sprintf(`Dear %s,

Thank you for registering for an ORCID iD.

Your ORCID iD: %s
Your ORCID record: %s

Please verify your email address by following this link:
%s

Kind regards,
The ORCID team (offline sandbox)
`, res.DisplayName(), res.ORCID, r.IDURI(res.ORCID), r.verifyLink(res.Email))
	if err := r.store.AddEmail(ctx, Email{To: res.Email, Subject: "[ORCID] Welcome to ORCID - verify your email address", Body: body, CreatedAt: r.now()}); err != nil {
		return fmt.Errorf("welcome email: %w", err)
	}
	return nil
}

// ---- sign-out ----

func (r *Registry) handleSignoutPage(w http.ResponseWriter, req *http.Request) {
	if _, _, ok := r.currentSession(req); !ok {
		http.Redirect(w, req, r.BaseURL()+"/signin", http.StatusFound)
		return
	}
	r.render(w, req, http.StatusOK, "signout", struct{ pageCommon }{r.localized(req, "Sign out", "")})
}

func (r *Registry) handleSignout(w http.ResponseWriter, req *http.Request) {
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		http.Error(w, "400 Bad Request: the form could not be read", http.StatusBadRequest)
		return
	}
	if sess, _, ok := r.currentSession(req); ok && !r.checkFormToken(sess.ID, "signout", "", req.PostForm.Get("form_token")) {
		http.Error(w, "403 Forbidden: this sign-out form is stale; reload the page and try again", http.StatusForbidden)
		return
	}
	if err := r.endSession(w, req); err != nil {
		r.serverError(w, req, err)
		return
	}
	http.Redirect(w, req, r.BaseURL()+"/signin", http.StatusSeeOther)
}

// ---- consent ----

type consentPage struct {
	pageCommon
	Client      Client
	Permissions []string
	OAuth       string
	FormToken   string
	SignoutURL  string
}

// permissionOrder lists the scopes as ORCID's consent screen does: the iD
// first, then reading, then writing.
var permissionOrder = []string{
	ScopeOpenID, ScopeAuthenticate, ScopeReadLimited, ScopeActivitiesLimited, ScopePersonLimited,
	ScopeReadPublic, ScopeActivitiesUpdate, ScopePersonUpdate, ScopeWebhook,
}

// permissions lists what the scopes allow in plain words, once each
// (openid and /authenticate read the same).
func permissions(s Scopes) []string {
	sorted := slices.Clone(s)
	rank := func(x string) int {
		if i := slices.Index(permissionOrder, x); i >= 0 {
			return i
		}
		return len(permissionOrder)
	}
	slices.SortStableFunc(sorted, func(a, b string) int { return rank(a) - rank(b) })
	var out []string
	for _, sc := range sorted {
		if d := Describe(sc); !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

func (r *Registry) renderConsent(w http.ResponseWriter, req *http.Request, a authRequest, sess Session) {
	raw := a.Query.Encode()
	r.render(w, req, http.StatusOK, "authorize", consentPage{
		pageCommon:  r.localized(req, "Authorize access", a.Query.Get("lang")),
		Client:      a.Client,
		Permissions: permissions(a.Scopes),
		OAuth:       raw,
		FormToken:   r.formToken(sess.ID, "consent", raw),
	})
}

// ---- account: trusted organizations ----

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
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		http.Error(w, "400 Bad Request: the form could not be read", http.StatusBadRequest)
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

// ---- developer tools ----

type devToolsPage struct {
	pageCommon
	Clients       []Client
	Created       *Client
	NewResearcher *researcherJSON
	ClientForm    NewClient
	RedirectText  string
	ClientErrors  map[string]string
	ResearcherIn  NewResearcher
	ResearcherErr map[string]string
}

func (r *Registry) devToolsData(req *http.Request) (devToolsPage, error) {
	cs, err := r.store.Clients(req.Context())
	if err != nil {
		return devToolsPage{}, fmt.Errorf("list clients: %w", err)
	}
	return devToolsPage{
		pageCommon: r.common(req, "Developer tools", ""), Clients: cs,
		ClientForm: NewClient{Type: "member"}, ClientErrors: map[string]string{}, ResearcherErr: map[string]string{},
	}, nil
}

func (r *Registry) handleDevTools(w http.ResponseWriter, req *http.Request) {
	p, err := r.devToolsData(req)
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	r.render(w, req, http.StatusOK, "devtools", p)
}

func (r *Registry) handleDevToolsClient(w http.ResponseWriter, req *http.Request) {
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		http.Error(w, "400 Bad Request: the form could not be read", http.StatusBadRequest)
		return
	}
	f := req.PostForm
	in := NewClient{
		Name: f.Get("name"), Description: f.Get("description"), Website: strings.TrimSpace(f.Get("website")),
		Type: f.Get("type"), Premium: f.Get("premium") != "",
	}
	for _, line := range strings.Split(f.Get("redirect_uris"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.RedirectURIs = append(in.RedirectURIs, line)
		}
	}
	c, cerr := r.CreateClient(req.Context(), in, false)
	p, err := r.devToolsData(req)
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	status := http.StatusOK
	if cerr != nil {
		var fe *FieldError
		if !errors.As(cerr, &fe) {
			r.serverError(w, req, fmt.Errorf("register client: %w", cerr))
			return
		}
		p.ClientErrors[fe.Field] = fe.Message
		p.ClientForm, p.RedirectText = in, f.Get("redirect_uris")
		status = http.StatusBadRequest
	} else {
		p.Created = &c
	}
	r.render(w, req, status, "devtools", p)
}

func (r *Registry) handleDevToolsResearcher(w http.ResponseWriter, req *http.Request) {
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		http.Error(w, "400 Bad Request: the form could not be read", http.StatusBadRequest)
		return
	}
	f := req.PostForm
	in := NewResearcher{GivenNames: f.Get("given_names"), FamilyNames: f.Get("family_names"), Email: f.Get("email"), Password: f.Get("password")}
	res, rerr := r.CreateResearcher(req.Context(), in)
	p, err := r.devToolsData(req)
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	status := http.StatusOK
	if rerr != nil {
		var fe *FieldError
		if !errors.As(rerr, &fe) {
			r.serverError(w, req, fmt.Errorf("create researcher: %w", rerr))
			return
		}
		in.Password = ""
		p.ResearcherIn, p.ResearcherErr[fe.Field] = in, fe.Message
		status = http.StatusBadRequest
	} else {
		j := r.researcherJSON(res)
		p.NewResearcher = &j
	}
	r.render(w, req, status, "devtools", p)
}

// ---- outbox ----

type outboxEmail struct {
	Email
	// Delivered is what sandbox.orcid.org would have done: it only sends
	// mail to @mailinator.com addresses.
	Delivered bool
}

type outboxPage struct {
	pageCommon
	Emails []outboxEmail
}

func (r *Registry) handleOutbox(w http.ResponseWriter, req *http.Request) {
	es, err := r.store.Emails(req.Context())
	if err != nil {
		r.serverError(w, req, fmt.Errorf("outbox: %w", err))
		return
	}
	p := outboxPage{pageCommon: r.common(req, "Outbox", "")}
	for _, e := range es {
		p.Emails = append(p.Emails, outboxEmail{Email: e, Delivered: strings.HasSuffix(strings.ToLower(e.To), "@mailinator.com")})
	}
	r.render(w, req, http.StatusOK, "outbox", p)
}

// ---- home and record pages ----

type homePage struct {
	pageCommon
	MemberAPI, PublicAPI string
}

func (r *Registry) handleHome(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	r.render(w, req, http.StatusOK, "home", homePage{
		pageCommon: r.common(req, "ORCID offline sandbox", ""), MemberAPI: r.MemberAPIURL(), PublicAPI: r.PublicAPIURL(),
	})
}

type recordItem struct {
	Kind  string
	Title string
}

type recordPage struct {
	pageCommon
	ORCID     string
	URI       string
	Name      string
	Biography string
	Items     []recordItem
}

// handleRecord is the public record page at /{iD}: the name if public and
// the public items, each with a title found generically in its JSON.
func (r *Registry) handleRecord(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	ctx := req.Context()
	notFound := func() {
		r.render(w, req, http.StatusNotFound, "error", errorPage{
			pageCommon: r.common(req, "Page not found", ""), Code: "404", Description: "Page not found: no such page or ORCID record.",
		})
	}
	id, err := orcid.ParseID(req.PathValue("orcid"))
	if err != nil {
		notFound()
		return
	}
	res, err := r.store.Researcher(ctx, id.String())
	if errors.Is(err, ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	items, err := r.store.Items(ctx, res.ORCID)
	if err != nil {
		r.serverError(w, req, fmt.Errorf("record items: %w", err))
		return
	}
	p := recordPage{pageCommon: r.common(req, res.ORCID, ""), ORCID: res.ORCID, URI: r.IDURI(res.ORCID)}
	if res.NamesVisibility == "public" {
		p.Name = res.DisplayName()
		p.pageCommon.Title = p.Name + " (" + res.ORCID + ")"
	}
	for _, it := range items {
		if it.Visibility != "public" {
			continue
		}
		p.Items = append(p.Items, recordItem{Kind: it.Kind, Title: itemTitle(it.Body)})
	}
	r.render(w, req, http.StatusOK, "record", p)
}

// itemTitle finds a human title in an item's ORCID JSON without knowing
// its kind: works and fundings have title.title.value, affiliations an
// organization name, keywords and other names a content, URLs a url-name.
func itemTitle(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	for _, p := range [][]string{
		{"title", "title", "value"}, {"title", "value"}, {"organization", "name"}, {"content"},
		{"url-name"}, {"external-id-type"}, {"country", "value"}, {"proposal", "title", "title", "value"},
	} {
		var v any = m
		for _, k := range p {
			mm, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = mm[k]
		}
		if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
