// Package signin plays a researcher at an offline ORCID registry (package
// sandbox) without a browser: it follows an authorize URL through the
// registry's sign-in and consent pages with a plain HTTP client. Tests use
// it through sandboxtest; `orcidlink bench` uses it to connect researchers
// through the real OAuth flow, so it imports no testing package.
package signin

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

var (
	hiddenOAuth = regexp.MustCompile(`name="oauth" value="([^"]*)"`)
	formToken   = regexp.MustCompile(`name="form_token" value="([^"]*)"`)
)

// Authorize plays the researcher without a browser: it opens
// authURL on a registry, signs in with username and password, clicks
// "Authorize access" if asked, and returns the query of the redirect to the
// client's redirect URI (code and state, or error). The redirect itself is
// not followed, so the redirect URI need not be served.
func Authorize(authURL, redirectURI, username, password string) (url.Values, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	var final *url.URL
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), redirectURI) {
				final = req.URL
				return http.ErrUseLastResponse
			}
			return nil
		}}
	fetch := func(resp *http.Response, err error) (*http.Response, string, error) {
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, string(b), err
	}
	resp, body, err := fetch(hc.Get(authURL))
	for step := 0; step < 4 && err == nil; step++ {
		if final != nil {
			return final.Query(), nil
		}
		u := resp.Request.URL
		base := u.Scheme + "://" + u.Host + strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(u.Path, "/signin"), "/register"), "/oauth/authorize")
		switch {
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("%s answered %d:\n%s", u.Path, resp.StatusCode, body)
		case strings.HasSuffix(u.Path, "/signin") || strings.HasSuffix(u.Path, "/register"):
			m := hiddenOAuth.FindStringSubmatch(body)
			if m == nil {
				return nil, fmt.Errorf("no oauth field on %s:\n%s", u.Path, body)
			}
			resp, body, err = fetch(hc.PostForm(base+"/signin", url.Values{
				"username": {username}, "password": {password}, "oauth": {html.UnescapeString(m[1])},
			}))
		case strings.HasSuffix(u.Path, "/oauth/authorize"):
			// The consent form follows the sign-out form of the page header.
			form := body[strings.Index(body, `action="/oauth/authorize"`)+1:]
			m, tk := hiddenOAuth.FindStringSubmatch(form), formToken.FindStringSubmatch(form)
			if m == nil || tk == nil {
				return nil, fmt.Errorf("no consent form:\n%s", body)
			}
			resp, body, err = fetch(hc.PostForm(base+"/oauth/authorize", url.Values{
				"oauth": {html.UnescapeString(m[1])}, "form_token": {html.UnescapeString(tk[1])}, "user_oauth_approval": {"true"},
			}))
		default:
			return nil, fmt.Errorf("unexpected page %s", u)
		}
	}
	if err != nil {
		return nil, err
	}
	if final != nil {
		return final.Query(), nil
	}
	return nil, fmt.Errorf("the authorize flow did not reach %s", redirectURI)
}
