package sandbox

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// mediaType is one of the six representations every v3.0 resource produces
// and consumes.
type mediaType struct {
	name string
	json bool
}

// apiMediaTypes in ORCID's order of preference (its qs values put the vnd
// types first), which decides between types the client likes equally.
var apiMediaTypes = []mediaType{
	{"application/vnd.orcid+xml", false},
	{"application/vnd.orcid+json", true},
	{"application/orcid+xml", false},
	{"application/orcid+json", true},
	{"application/xml", false},
	{"application/json", true},
}

var defaultMediaType = apiMediaTypes[0]

// encode renders an answer. JSON is ORCID's read shape (explicit nulls and
// empty lists, display-index, enum names; orcid.EncodeReadJSON), not the
// model's compact request form.
func (mt mediaType) encode(v any) ([]byte, error) {
	if mt.json {
		return orcid.EncodeReadJSON(v)
	}
	return orcid.EncodeXML(v)
}

// acceptRange is one entry of an Accept header.
type acceptRange struct {
	typ, sub string
	q        float64
}

func parseAccept(h string) []acceptRange {
	var out []acceptRange
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		fields := strings.Split(part, ";")
		full := strings.ToLower(strings.TrimSpace(fields[0]))
		typ, sub, ok := strings.Cut(full, "/")
		if !ok {
			if full != "*" {
				continue
			}
			typ, sub = "*", "*"
		}
		q := 1.0
		for _, p := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
		}
		out = append(out, acceptRange{typ: typ, sub: sub, q: q})
	}
	return out
}

// match returns the q the ranges give to mt and how specific the deciding
// range was (2 exact, 1 type/*, 0 */*); -1 when no range matches.
func match(ranges []acceptRange, mt mediaType) (q float64, spec int) {
	typ, sub, _ := strings.Cut(mt.name, "/")
	spec = -1
	for _, r := range ranges {
		s := -1
		switch {
		case r.typ == typ && r.sub == sub:
			s = 2
		case r.typ == typ && r.sub == "*":
			s = 1
		case r.typ == "*" && r.sub == "*":
			s = 0
		}
		// The most specific range decides (RFC 9110 12.5.1).
		if s > spec {
			spec, q = s, r.q
		}
	}
	return q, spec
}

// negotiate picks the response type as JAX-RS does: the client's q first,
// then the more specific match, then ORCID's own preference. ok is false
// when nothing acceptable is left (406).
func negotiate(accept string) (mediaType, bool) {
	if strings.TrimSpace(accept) == "" {
		return defaultMediaType, true
	}
	ranges := parseAccept(accept)
	if len(ranges) == 0 {
		return defaultMediaType, true
	}
	best, bestQ, bestSpec := mediaType{}, 0.0, -1
	for _, mt := range apiMediaTypes {
		q, spec := match(ranges, mt)
		if spec < 0 || q <= 0 {
			continue
		}
		if q > bestQ || (q == bestQ && spec > bestSpec) {
			best, bestQ, bestSpec = mt, q, spec
		}
	}
	return best, best.name != ""
}

// requestType is the media type of a request body, or false when the
// Content-Type is not one ORCID consumes (415). JAX-RS treats a missing
// Content-Type as application/octet-stream, which is not consumed either.
func requestType(req *http.Request) (mediaType, bool) {
	ct := req.Header.Get("Content-Type")
	if ct == "" {
		return mediaType{}, false
	}
	name, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return mediaType{}, false
	}
	for _, mt := range apiMediaTypes {
		if mt.name == name {
			return mt, true
		}
	}
	return mediaType{}, false
}
