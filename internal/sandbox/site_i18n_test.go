package sandbox_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// pageTexts are texts each language must show on the registry's pages.
// English ones are the exact labels other tests and tools click by.
var pageTexts = map[string]struct {
	signinButton, registerButton, authorize, deny, errorTitle, trusted string
}{
	"en": {"Sign in", "Register", "Authorize access", "Deny access", "Oops, something went wrong", "Trusted organizations"},
	"es": {"Iniciar sesión", "Registrarse", "Autorizar acceso", "Denegar acceso", "Vaya, algo ha fallado", "Organizaciones de confianza"},
	"fr": {"Se connecter", "S’inscrire", "Autoriser l’accès", "Refuser l’accès", "Oups, un problème est survenu", "Organisations de confiance"},
}

// button finds the text of the button with an id on a page.
func button(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no #%s on the page:\n%s", id, body)
	}
	rest := body[i:]
	start, end := strings.Index(rest, ">"), strings.Index(rest, "</button>")
	if start < 0 || end < start {
		t.Fatalf("#%s is not a button", id)
	}
	return html.UnescapeString(rest[start+1 : end])
}

func localeCookie(resp *http.Response) string {
	for _, c := range resp.Cookies() {
		if c.Name == "locale_v3" {
			return c.Value
		}
	}
	return ""
}

// TestPagesInRequestedLanguage follows an authorize request with lang
// through sign-in, registration, consent, an error page and the account
// page, in each language the pages speak.
func TestPagesInRequestedLanguage(t *testing.T) {
	env := sandboxtest.New(t)
	for _, lang := range []string{"en", "es", "fr"} {
		want := pageTexts[lang]
		t.Run(lang, func(t *testing.T) {
			c := browser(t)
			// Not signed in: /oauth/authorize sends the browser to sign in,
			// carrying lang.
			resp, _ := get(t, c, authorizeURL(env, env.Member.ID, env.Callback.URL, "/authenticate", "lang", lang))
			signin := resp.Header.Get("Location")
			if u, err := url.Parse(signin); err != nil || u.Query().Get("lang") != lang {
				t.Fatalf("lang not carried to sign-in: %q", signin)
			}
			resp, body := get(t, c, signin)
			if m := reHTMLTag.FindStringSubmatch(body); m == nil || m[1] != lang {
				t.Errorf("sign-in html lang %v", m)
			}
			if got := button(t, body, "signin-button"); got != want.signinButton {
				t.Errorf("sign-in button %q, want %q", got, want.signinButton)
			}
			if got := localeCookie(resp); got != lang {
				t.Errorf("locale_v3 cookie %q, want %q", got, lang)
			}
			// The registration page of the same request.
			reg := strings.Replace(signin, "/signin?", "/register?", 1)
			if _, body := get(t, c, reg); button(t, body, "register-button") != want.registerButton {
				t.Errorf("register button %q, want %q", button(t, body, "register-button"), want.registerButton)
			}
			// Sign in with the form the page carries: back to authorize,
			// then the consent page in the language.
			oauth := html.UnescapeString(reOAuthField.FindStringSubmatch(body)[1])
			resp, _ = postForm(t, c, env.BaseURL+"/signin", url.Values{
				"username": {env.Researcher.Email}, "password": {env.Researcher.Password}, "oauth": {oauth},
			})
			resp, body = get(t, c, resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("no consent page: %d", resp.StatusCode)
			}
			if a, d := button(t, body, "authorize-button"), button(t, body, "deny-button"); a != want.authorize || d != want.deny {
				t.Errorf("consent buttons %q / %q, want %q / %q", a, d, want.authorize, want.deny)
			}
			if lang != "en" && strings.Contains(body, "Get your ORCID iD") {
				t.Errorf("permission left in English:\n%s", body)
			}
			// An error page of a bad request in the same language.
			_, body = get(t, c, authorizeURL(env, env.Member.ID, env.Callback.URL, "/teleport", "lang", lang))
			if !strings.Contains(html.UnescapeString(body), want.errorTitle) {
				t.Errorf("error page not in %s:\n%s", lang, body)
			}
			// The account page has no lang parameter: the cookie decides.
			_, body = get(t, c, env.BaseURL+"/account")
			if m := reHTMLTag.FindStringSubmatch(body); m == nil || m[1] != lang || !strings.Contains(html.UnescapeString(body), want.trusted) {
				t.Errorf("account page not in %s (html lang %v)", lang, m)
			}
		})
	}
}

// TestPageLanguageChoice: lang beats the cookie, a language the pages do not
// speak is English, and the browser's Accept-Language is ignored, as ORCID
// ignores it.
func TestPageLanguageChoice(t *testing.T) {
	env := sandboxtest.New(t)
	signinIn := func(t *testing.T, c *http.Client, query, acceptLanguage string) (string, *http.Response) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, env.BaseURL+"/signin"+query, nil)
		if acceptLanguage != "" {
			req.Header.Set("Accept-Language", acceptLanguage)
		}
		resp, body := do(t, c, req)
		return button(t, body, "signin-button"), resp
	}
	t.Run("English by default, whatever the browser prefers", func(t *testing.T) {
		got, resp := signinIn(t, browser(t), "", "es-ES,es;q=0.9")
		if got != "Sign in" || localeCookie(resp) != "" {
			t.Errorf("button %q, cookie %q", got, localeCookie(resp))
		}
	})
	t.Run("the cookie remembers, lang overrides it", func(t *testing.T) {
		c := browser(t)
		if got, _ := signinIn(t, c, "?lang=fr", ""); got != "Se connecter" {
			t.Fatalf("lang=fr: %q", got)
		}
		if got, _ := signinIn(t, c, "", ""); got != "Se connecter" {
			t.Errorf("no lang after lang=fr: %q", got)
		}
		if got, resp := signinIn(t, c, "?LANG=es", ""); got != "Iniciar sesión" || localeCookie(resp) != "es" {
			t.Errorf("LANG=es: %q, cookie %q", got, localeCookie(resp))
		}
		if got, resp := signinIn(t, c, "?lang=de", ""); got != "Sign in" || localeCookie(resp) != "en" {
			t.Errorf("lang=de: %q, cookie %q", got, localeCookie(resp))
		}
	})
	t.Run("region and ORCID's underscore", func(t *testing.T) {
		for q, want := range map[string]string{"?lang=es_MX": "Iniciar sesión", "?lang=fr-CA": "Se connecter", "?lang=zh_CN": "Sign in"} {
			if got, _ := signinIn(t, browser(t), q, ""); got != want {
				t.Errorf("%s: %q, want %q", q, got, want)
			}
		}
	})
}
