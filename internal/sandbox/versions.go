package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// API versions, as ORCID's API hosts treat a path that does not start with
// /v3.0/. Two filters of ORCID-Source orcid-api-common decide, in this
// order (web.xml maps the servlet filter before Jersey):
//
//   - DefaultApiVersionFilter (servlet filter, before authentication):
//     no version → 302 to the same path under /v3.0/ (sendRedirect, for
//     every method, the query dropped); a version other than 3.0, 2.0 and
//     2.1 → 308 to /v2.0/, /v2.1/ or, for anything else (release
//     candidates, 1.x, 4.0), /v3.0/, with an error body (code 9056).
//     Paths under /resources/, /search/, /oauth/token, /experimental_rdf_v1/,
//     /static/ and /openapi.json, and webhook paths, pass unchanged.
//   - ApiVersionCheckFilter (JAX-RS): a non-GET without a version → 400 "Please
//     specify the API Version you want to {METHOD} to" (only the passed-over
//     paths can still lack one), 1.1 / 1.2 → 400 "no longer available" (which
//     the servlet filter's 308 now pre-empts), and plain HTTP → 400 "This
//     API Version only allows HTTPS calls." (not emulated: the registry
//     serves plain HTTP on loopback).
//
// v2.0 and v2.1 are not served: their schemas differ from v3.0's where it
// matters to a client (no affiliation groups, five affiliation kinds and
// research resources missing, another source block), so v3.0 documents
// under /v2.x/ would mislead, and orcidlink speaks only v3.0. A v2.x path
// gets 404 with an error document saying so, rather than something that
// looks like ORCID's answer and is not.

// versionPrefix is DefaultApiVersionFilter's VERSION_PATTERN, matched at the
// start of the path (lookingAt).
var versionPrefix = regexp.MustCompile(`^/v(\d.*?)/`)

// unversionedPassThrough is DefaultApiVersionFilter's IGNORE_LIST.
var unversionedPassThrough = []string{"/resources/", "/search/", "/oauth/token", "/experimental_rdf_v1/", "/static/", "/openapi.json"}

// apiRoots are the first path segments of ORCID's API resources outside a
// record, which the emulator's site does not use.
var apiRoots = map[string]bool{
	"group-id-record": true, "client": true, "status": true, "apiStatus": true, "pubStatus": true,
	"identifiers": true, "search": true, "expanded-search": true, "csv-search": true,
	"resources": true, "experimental_rdf_v1": true, "openapi.json": true,
}

var orcidSegment = regexp.MustCompile(`^(\d{4}-){3}\d{3}[\dX]$`)

// unversioned routes what no pattern of mux matches: ORCID's API paths
// without /v3.0/ (versionless, another version, webhooks) are answered as
// ORCID's API hosts answer them; anything else goes to mux, which answers
// 404 or 405 as before.
func (r *Registry) unversioned(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, pattern := mux.Handler(req)
		// The site's /{orcid} pattern takes every single segment; those
		// naming an API resource (/group-id-record, /status) are the API's.
		first := strings.TrimPrefix(req.URL.Path, "/")
		if (pattern != "" && !(pattern == "/{orcid}" && apiRoots[first])) || !r.serveOffVersion(w, req) {
			mux.ServeHTTP(w, req)
		}
	})
}

// serveOffVersion answers req if it is an API path without the v3.0 prefix
// and reports whether it did.
//
// ORCID's API hosts take every path. Here the Member API shares its host
// with the site, so on that side only paths that cannot be the site's are
// API paths: /{iD}/… (the site has /{iD} alone: the record page, which
// ORCID's web host also serves), a version-like first segment (/v2.0/,
// /v3.0_rc1/, …) and the API's own roots (/group-id-record, /client/…,
// /status, …). Everything under /pub/ is the Public API's.
func (r *Registry) serveOffVersion(w http.ResponseWriter, req *http.Request) bool {
	path, base, public := req.URL.EscapedPath(), r.BaseURL(), false
	if path == "/pub" || strings.HasPrefix(path, "/pub/") {
		path, base, public = strings.TrimPrefix(path, "/pub"), base+"/pub", true
	} else {
		first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		if !orcidSegment.MatchString(first) && !apiRoots[first] && !versionLike(first) {
			return false
		}
	}
	if m := webhookPath.FindStringSubmatch(path); m != nil {
		if public {
			// The Public API has no webhook resource: JAX-RS 404.
			r.writeError(w, req, acceptedType(req), errJAXRS(http.StatusNotFound, ""))
			return true
		}
		r.apiGuard(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			r.serveWebhook(w, req, m[1], m[3])
		})).ServeHTTP(w, req)
		return true
	}
	for _, p := range unversionedPassThrough {
		if strings.HasPrefix(path, p) {
			if req.Method == http.MethodGet || req.Method == http.MethodHead {
				// JAX-RS has no versionless resource here; ORCID answers
				// with a legacy (1.2) orcid-message the emulator does not
				// reproduce.
				return false
			}
			// ApiVersionCheckFilter's OrcidBadRequestException is an
			// OrcidApiException; without a version, OrcidExceptionMapper
			// answers it the legacy way: the status, no body.
			w.WriteHeader(http.StatusBadRequest)
			return true
		}
	}
	version := ""
	if m := versionPrefix.FindStringSubmatch(path); m != nil {
		version = m[1]
	}
	switch version {
	case "":
		// sendRedirect: no body, and getServletPath carries no query.
		w.Header().Set("Location", base+"/v3.0"+path)
		w.WriteHeader(http.StatusFound)
	case "2.0", "2.1":
		r.writeError(w, req, acceptedType(req), errJAXRS(http.StatusNotFound,
			"API v"+version+" is not served by the offline registry, which speaks v3.0 only (doc/sandbox.md)"))
	case "3.0":
		return false // mux serves /v3.0/ and /pub/v3.0/; nothing else gets here
	default:
		writeVersionRedirect(w, req, base, path, version)
	}
	return true
}

// versionLike reports whether a first segment reads as a version to
// VERSION_PATTERN ("v" and a digit).
func versionLike(seg string) bool {
	return len(seg) >= 2 && seg[0] == 'v' && seg[1] >= '0' && seg[1] <= '9'
}

// acceptedType is the error document's format for a request that never
// reached the API's own negotiation.
func acceptedType(req *http.Request) mediaType {
	if mt, ok := negotiate(req.Header.Get("Accept")); ok {
		return mt
	}
	return defaultMediaType
}

// writeVersionRedirect is DefaultApiVersionFilter's answer to a version it
// does not serve: 308 to the closest served one, with a body built by hand
// rather than by the API's error mapper, quirks included.
func writeVersionRedirect(w http.ResponseWriter, req *http.Request, base, path, version string) {
	target := "3.0"
	switch {
	case strings.HasPrefix(version, "2.0"):
		target = "2.0"
	case strings.HasPrefix(version, "2.1"):
		target = "2.1"
	}
	// path.replace("/v", "").substring(version.length()): every "/v" goes,
	// not only the version's.
	rest := strings.ReplaceAll(path, "/v", "")[len(version):]
	w.Header().Set("Location", base+"/v"+target+rest)
	// The filter writes the body without setting a Content-Type; keep Go
	// from sniffing one.
	w.Header()["Content-Type"] = nil
	w.WriteHeader(http.StatusPermanentRedirect)
	// Both cached bodies are built for "2.0" or "3.0" only, so a 2.1
	// candidate hears about V3.0.
	said := "3.0"
	if target == "2.0" {
		said = "2.0"
	}
	if strings.Contains(strings.ToLower(req.Header.Get("Accept")), "json") {
		// JsonUtils' plain ObjectMapper: bean names, nulls kept; the
		// developer message always says V2.0 and the response code is 301
		// (buildJSONRespones).
		b, _ := json.Marshal(struct {
			ResponseCode     int     `json:"responseCode"`
			DeveloperMessage string  `json:"developerMessage"`
			UserMessage      string  `json:"userMessage"`
			ErrorCode        int     `json:"errorCode"`
			MoreInfo         *string `json:"moreInfo"`
		}{http.StatusMovedPermanently, releaseCandidateText("2.0"), releaseCandidateText(said), 9056, nil})
		_, _ = w.Write(append(b, '\n'))
		return
	}
	// JAXB with JAXB_FORMATTED_OUTPUT (buildXMLResponse), then println.
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"+
		"<error xmlns=\"http://www.orcid.org/ns/error\">\n"+
		"    <response-code>308</response-code>\n"+
		"    <developer-message>%s</developer-message>\n"+
		"    <user-message>%s</user-message>\n"+
		"    <error-code>9056</error-code>\n"+
		"</error>\n\n", releaseCandidateText(said), releaseCandidateText(said))
}

// releaseCandidateText is apiError.9056.developerMessage (and userMessage)
// of api_en.properties for a version; for 3.0 it is also 9059's text.
func releaseCandidateText(v string) string {
	return "Release candidates for V" + v + " are now disabled, your request will be redirected to the corresponding V" + v + " end point"
}
