package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// OpenID Connect as ORCID serves it (OpenIDConnectDiscoveryService,
// OpenIDConnectTokenEnhancer, OpenIDController): discovery, the key set,
// id_tokens on the token response and the userinfo endpoint.

func (r *Registry) registerOIDCRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /.well-known/openid-configuration", r.handleDiscovery)
	mux.HandleFunc("GET /oauth/jwks", r.handleJWKS)
	mux.HandleFunc("/oauth/userinfo", r.handleUserInfo)
}

// discovery holds the fields ORCID configures, in ORCID's order.
type discovery struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthSigningAlgValues []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	ClaimsParameterSupported          bool     `json:"claims_parameter_supported"`
}

func (r *Registry) handleDiscovery(w http.ResponseWriter, _ *http.Request) {
	base := r.BaseURL()
	// ORCID serves this document pretty-printed.
	writeJSON(w, http.StatusOK, discovery{
		Issuer:                            base,
		AuthorizationEndpoint:             base + "/oauth/authorize",
		TokenEndpoint:                     base + "/oauth/token",
		UserinfoEndpoint:                  base + "/oauth/userinfo",
		JWKSURI:                           base + "/oauth/jwks",
		ScopesSupported:                   []string{"openid"},
		ResponseTypesSupported:            []string{"code", "id_token", "id_token token"},
		GrantTypesSupported:               []string{"authorization_code", "implicit", "refresh_token"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		TokenEndpointAuthSigningAlgValues: []string{"RS256"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_post"},
		ClaimsSupported:                   []string{"family_name", "given_name", "name", "auth_time", "iss", "sub"},
		ClaimsParameterSupported:          false,
	})
}

func (r *Registry) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	writeJSONCompact(w, http.StatusOK, r.keys.JWKS())
}

// idClaims are the claims of OpenIDConnectTokenEnhancer.buildIdToken.
type idClaims struct {
	Issuer     string `json:"iss"`
	Audience   string `json:"aud"`
	Subject    string `json:"sub"`
	IssuedAt   int64  `json:"iat"`
	Expiry     int64  `json:"exp"`
	JTI        string `json:"jti"`
	AtHash     string `json:"at_hash"`
	AuthTime   int64  `json:"auth_time"`
	Nonce      string `json:"nonce,omitempty"`
	AMR        string `json:"amr,omitempty"` // a string, not the usual array: ORCID's quirk
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	Name       string `json:"name,omitempty"`
}

// idToken signs an id_token for the researcher's token.
func (r *Registry) idToken(c Client, res Researcher, accessToken string, authTime time.Time, nonce string) (string, error) {
	now := r.now()
	sum := sha256.Sum256([]byte(accessToken))
	cl := idClaims{
		Issuer: r.BaseURL(), Audience: c.ID, Subject: res.ORCID,
		IssuedAt: now.Unix(), Expiry: now.Add(24 * time.Hour).Unix(), JTI: newUUID(),
		AtHash:   base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]),
		AuthTime: authTime.Unix(), Nonce: nonce,
	}
	if c.Member() {
		// "mfa" for researchers who sign in with a second factor
		// (twofactor.go), as OpenIDConnectTokenEnhancer says.
		cl.AMR = "pwd"
		if res.Using2FA {
			cl.AMR = "mfa"
		}
	}
	if res.NamesVisibility == "public" {
		cl.GivenName, cl.FamilyName, cl.Name = res.GivenNames, res.FamilyNames, res.CreditName
	}
	tok, err := r.keys.Sign(cl)
	if err != nil {
		return "", fmt.Errorf("sign id_token: %w", err)
	}
	return tok, nil
}

// userInfo is OpenIDConnectUserInfo: public values only.
type userInfo struct {
	ID         string `json:"id"`
	Sub        string `json:"sub"`
	Name       string `json:"name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
}

// handleUserInfo is GET (bearer) or POST (form access_token) /oauth/userinfo.
func (r *Registry) handleUserInfo(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	deny := func() {
		// Note the hyphen in "error-description": ORCID's spelling here.
		writeJSONCompact(w, http.StatusForbidden, map[string]string{"error": "access_denied", "error-description": "access_token is invalid"})
	}
	tok, _ := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if tok == "" && req.Method == http.MethodPost {
		req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
		if err := req.ParseForm(); err == nil {
			tok = req.PostForm.Get("access_token")
		}
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		deny()
		return
	}
	t, err := r.store.Token(req.Context(), tok)
	if err != nil || t.RevokedAt != nil || !r.now().Before(t.ExpiresAt) || t.ORCID == "" || !t.Scopes.Has(ScopeAuthenticate) {
		deny()
		return
	}
	res, err := r.store.Researcher(req.Context(), t.ORCID)
	if err != nil {
		deny()
		return
	}
	ui := userInfo{ID: r.IDURI(res.ORCID), Sub: res.ORCID}
	if res.NamesVisibility == "public" {
		ui.Name, ui.FamilyName, ui.GivenName = res.CreditName, res.FamilyNames, res.GivenNames
	}
	writeJSONCompact(w, http.StatusOK, ui)
}

// writeJSONCompact writes v as one line of JSON, as ORCID's API answers.
func writeJSONCompact(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
