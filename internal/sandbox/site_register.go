package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

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
	f, ok := readForm(w, req)
	if !ok {
		return
	}
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
