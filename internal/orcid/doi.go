package orcid

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// ErrInvalidDOI is returned (wrapped) for anything that is not a DOI.
var ErrInvalidDOI = errors.New("invalid DOI")

// doiSyntax is a DOI name: the directory indicator 10, a registrant code of
// dot-separated digits, a slash and a suffix of printable characters (the
// DOI Handbook, section 2.2; Crossref's recommended pattern).
var doiSyntax = regexp.MustCompile(`^10\.\d{4,9}(\.\d+)*/\S+$`)

// doiResolvers are the URL forms people paste a DOI in.
var doiResolvers = []string{"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/",
	"doi.org/", "dx.doi.org/"}

// ParseDOI accepts a DOI in every form editors type or paste, "10.1234/x",
// "doi:10.1234/x", "DOI 10.1234/x", "https://doi.org/10.1234/x",
// "http://dx.doi.org/10.1234%2Fx", and returns the bare DOI name,
// "10.1234/x", with its case kept (DOIs are case-insensitive, so ORCID
// lower-cases only its external-id-normalized copy). Sending the bare name
// as external-id-value, with the resolver URL in external-id-url, is what
// keeps one article from appearing on a record as two works.
func ParseDOI(s string) (string, error) {
	orig := s
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	for _, p := range doiResolvers {
		if strings.HasPrefix(lower, p) {
			rest, err := url.PathUnescape(s[len(p):])
			if err != nil {
				return "", fmt.Errorf("%w: %q", ErrInvalidDOI, orig)
			}
			s = rest
			lower = strings.ToLower(s)
			break
		}
	}
	for _, p := range []string{"doi:", "doi "} {
		if strings.HasPrefix(lower, p) {
			s = strings.TrimSpace(s[len(p):])
			break
		}
	}
	if !doiSyntax.MatchString(s) {
		return "", fmt.Errorf("%w: %q is not a DOI (10.1234/…)", ErrInvalidDOI, orig)
	}
	return s, nil
}

// DOIURL is the resolver URL of a bare DOI name.
func DOIURL(doi string) string { return "https://doi.org/" + doi }
