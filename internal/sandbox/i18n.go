package sandbox

import (
	"net/http"
	"strings"

	"golang.org/x/text/language"
)

// The registry's own pages (sign-in, registration, consent, OAuth errors,
// account) speak the language a client asks for, as ORCID's do:
//
//   - a lang query parameter on any page (ORCID's LocaleChangeInterceptor,
//     paramName "lang", orcid-web/src/main/resources/orcid-frontend-web-servlet.xml;
//     orcid-angular src/app/guards/language.guard.ts also reads LANG),
//     which /oauth/authorize carries through sign-in and registration;
//   - else the locale_v3 cookie that a lang parameter sets
//     (OrcidCookieLocaleResolver, cookieName "locale_v3" in
//     orcid-frontend-security.xml);
//   - else English. ORCID ignores Accept-Language ("defaultLocale en ...
//     makes spring ignore the browsers accepts user agent", same file), and
//     so does the emulator.
//
// ORCID speaks fifteen languages; the emulator speaks English, Spanish and
// French, and answers any other in English, as ORCID's resolver does for a
// locale it does not know. Message keys are the English texts themselves,
// as in internal/web: a template reads as what it shows, English needs no
// table, and TestSiteTranslationsComplete checks that every key the pages
// use has a Spanish and a French text.

// localeCookie is ORCID's locale cookie.
const localeCookie = "locale_v3"

// catalog holds the translations, built once per Registry.
type catalog struct {
	tags     []language.Tag // tags[i] is the language of names[i]; English first
	names    []string
	matcher  language.Matcher
	messages map[string]map[string]string // language -> English text -> translation
}

func newCatalog() *catalog {
	c := &catalog{
		tags:  []language.Tag{language.English, language.Spanish, language.French},
		names: []string{"en", "es", "fr"},
		messages: map[string]map[string]string{
			"es": messagesES(),
			"fr": messagesFR(),
		},
	}
	c.matcher = language.NewMatcher(c.tags)
	return c
}

// match turns ORCID's lang value ("es", "fr_CA", "zh_CN") into a language
// the pages speak, or "" when it names none of them.
func (c *catalog) match(lang string) string {
	lang = strings.ReplaceAll(strings.TrimSpace(lang), "_", "-")
	if lang == "" {
		return ""
	}
	tag, err := language.Parse(lang)
	if err != nil {
		return ""
	}
	_, i, conf := c.matcher.Match(tag)
	if conf == language.No {
		return ""
	}
	return c.names[i]
}

// translate returns the text of key in lang, or the English key when the
// catalogue has none.
func (c *catalog) translate(lang, key string) string {
	if t, ok := c.messages[lang][key]; ok && t != "" {
		return t
	}
	return key
}

// pageLang picks the language of a page: the lang parameter the page
// carries (an authorize request's, passed as param), else the request's
// own lang or LANG parameter, else the locale cookie, else English. fromParam
// reports whether a parameter chose it, in which case the page sets the
// cookie, as ORCID does.
func (r *Registry) pageLang(req *http.Request, param string) (lang string, fromParam bool) {
	q := req.URL.Query()
	for _, p := range []string{param, q.Get("lang"), q.Get("LANG")} {
		if strings.TrimSpace(p) != "" {
			if l := r.i18n.match(p); l != "" {
				return l, true
			}
			// A language the pages do not speak: English, and the
			// cookie says so, as ORCID's resolver falls back.
			return "en", true
		}
	}
	if ck, err := req.Cookie(localeCookie); err == nil {
		if l := r.i18n.match(ck.Value); l != "" {
			return l, false
		}
	}
	return "en", false
}

// setLocaleCookie remembers the language for the pages that follow, as
// ORCID's CookieLocaleResolver does (a session cookie scripts may read).
func (r *Registry) setLocaleCookie(w http.ResponseWriter, lang string) {
	http.SetCookie(w, &http.Cookie{
		Name: localeCookie, Value: lang, Path: r.cookiePath(),
		SameSite: http.SameSiteLaxMode, Secure: r.base.Scheme == "https",
	})
}

// T translates a page's text; templates call it as {{.T "Sign in"}} (or
// {{$.T ...}} inside range). A page built without a translator (a zero
// pageCommon) shows the English key.
func (p pageCommon) T(key string) string {
	if p.i18n == nil {
		return key
	}
	return p.i18n.translate(p.Lang, key)
}

// Tf translates a text with one %s and puts arg there, escaped by the
// template like any value: {{$.Tf "Revoke access for %s" .Name}}.
func (p pageCommon) Tf(key, arg string) string {
	return strings.Replace(p.T(key), "%s", arg, 1)
}

// localized lets render find the language a page chose by parameter, to
// set the cookie; every page type embeds pageCommon.
type localized interface{ langFromParam() string }

func (p pageCommon) langFromParam() string {
	if p.langParam {
		return p.Lang
	}
	return ""
}

// Around translates a sentence with one %s where the page puts markup (a
// link, a highlighted name), and returns the text before and after it, so
// the template keeps escaping both: {{$s := .Around "Hello %s"}}{{index $s
// 0}}<b>…</b>{{index $s 1}}.
func (p pageCommon) Around(key string) [2]string {
	before, after, _ := strings.Cut(p.T(key), "%s")
	return [2]string{before, after}
}
