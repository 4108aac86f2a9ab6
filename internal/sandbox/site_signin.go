package sandbox

import (
	"errors"
	"net/http"
	"net/url"
)

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
	f, ok := readForm(w, req)
	if !ok {
		return
	}
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
