package orcid

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Environment is where a registry lives: its site (sign-in, OAuth, OpenID
// Connect) and its two API bases. ORCID spreads these over three hosts; our
// offline registry serves all three from one.
type Environment struct {
	Name         string // "production", "sandbox" or "custom"
	SiteURL      string // e.g. https://orcid.org
	MemberAPIURL string // e.g. https://api.orcid.org/v3.0
	PublicAPIURL string // e.g. https://pub.orcid.org/v3.0
}

// ORCID's two registries.
var (
	Production = Environment{Name: "production", SiteURL: "https://orcid.org",
		MemberAPIURL: "https://api.orcid.org/v3.0", PublicAPIURL: "https://pub.orcid.org/v3.0"}
	Sandbox = Environment{Name: "sandbox", SiteURL: "https://sandbox.orcid.org",
		MemberAPIURL: "https://api.sandbox.orcid.org/v3.0", PublicAPIURL: "https://pub.sandbox.orcid.org/v3.0"}
)

// CustomEnvironment describes another registry, such as `orcidlink sandbox`.
// When the API URLs are empty they default to the emulator's layout:
// site+"/v3.0" and site+"/pub/v3.0".
func CustomEnvironment(site, memberAPI, publicAPI string) (Environment, error) {
	site = strings.TrimSuffix(site, "/")
	if memberAPI == "" {
		memberAPI = site + "/v3.0"
	}
	if publicAPI == "" {
		publicAPI = site + "/pub/v3.0"
	}
	e := Environment{Name: "custom", SiteURL: site,
		MemberAPIURL: strings.TrimSuffix(memberAPI, "/"), PublicAPIURL: strings.TrimSuffix(publicAPI, "/")}
	return e, e.Validate()
}

// Validate checks that every URL is absolute.
func (e Environment) Validate() error {
	var errs []error
	for name, u := range map[string]string{"site": e.SiteURL, "member API": e.MemberAPIURL, "public API": e.PublicAPIURL} {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s URL %q must be an absolute http(s) URL", name, u))
		}
	}
	return errors.Join(errs...)
}

// IDURI is the full URI of an iD in this environment: what an integration
// stores, because the same digits name different people in production and
// in the sandbox.
func (e Environment) IDURI(id ID) string {
	return strings.TrimSuffix(e.SiteURL, "/") + "/" + string(id)
}

// APIType says which ORCID API a credential belongs to.
type APIType string

const (
	MemberAPI APIType = "member"
	PublicAPI APIType = "public"
)

// Scopes an integration asks a researcher for (3-legged).
const (
	ScopeAuthenticate     = "/authenticate"
	ScopeOpenID           = "openid"
	ScopeReadLimited      = "/read-limited"
	ScopeActivitiesUpdate = "/activities/update"
	ScopePersonUpdate     = "/person/update"
	ScopeReadPublic       = "/read-public" // 2-legged only
)

// ValidScopes lists the 3-legged scopes each API type may request.
func (t APIType) ValidScopes() []string {
	if t == PublicAPI {
		return []string{ScopeAuthenticate, ScopeOpenID}
	}
	return []string{ScopeAuthenticate, ScopeOpenID, ScopeReadLimited, ScopeActivitiesUpdate, ScopePersonUpdate}
}

// Credential is one ORCID client registration: what the registry knows us by.
type Credential struct {
	ClientID     string
	ClientSecret string
	Env          Environment
	API          APIType
}

// Validate reports every problem with the credential at once.
func (c Credential) Validate() error {
	var errs []error
	if c.ClientID == "" {
		errs = append(errs, errors.New("client id is empty"))
	}
	if c.ClientSecret == "" {
		errs = append(errs, errors.New("client secret is empty"))
	}
	if c.API != MemberAPI && c.API != PublicAPI {
		errs = append(errs, fmt.Errorf("API type %q must be %q or %q", c.API, MemberAPI, PublicAPI))
	}
	if err := c.Env.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// apiBase is where reads go: the Member API for member credentials.
func (c Credential) apiBase() string {
	if c.API == MemberAPI {
		return c.Env.MemberAPIURL
	}
	return c.Env.PublicAPIURL
}
