package sandbox

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
