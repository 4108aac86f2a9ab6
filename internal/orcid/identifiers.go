package orcid

import (
	"sort"
	"strings"
)

// ORCID's identifier types: the rows of its identifier_type table, which
// decide what external-id-type accepts, how a value is compared with
// another (case, normaliser) and what GET /v3.0/identifiers lists.
//
// The table is the state ORCID's database reaches after every Liquibase
// change in ORCID-Source orcid-persistence/src/main/resources/db-master.xml,
// read from db/updates/identifier-type.xml (ids 0-33),
// db/updates/identifier-types/*.xml (ids 34-52; id 37, cvid, was deleted by
// remove-cv-id.xml), add_hal_identifier_type.xml,
// add_prefix_to_{issn,handle}_identifier_type.xml and
// uri_id_type_case_sensitive.xml, at ORCID-Source's 2026-08 head (v3.0.43).
// The descriptions are orcid-core/src/main/resources/i18n/
// identifiers_en.properties, looked up as IdentifierTypeManagerImpl.getMessage
// does (a missing key, as for grant_number, gives the name with '_' → ' ').
//
// ORCID restricts no type to a kind: ExternalIDValidator (orcid-core/.../v3/
// validator/ExternalIDValidator.java) checks works, peer reviews, fundings
// and research resources against the same table, and primary_use is "work"
// for every row since update-proposal-id-and-grant-number-primary-use.xml.
// The one restriction is the funded-by relationship (FundedBy).

// IDType is one of ORCID's identifier types.
type IDType struct {
	// Name is the API name (external-id-type): lower case with dashes,
	// except grant_number (ExternalIdentifierTypeConverter.convertFrom).
	Name string
	// PutCode is the row's id, which /identifiers serves as putCode.
	PutCode int64
	// Description is the English description /identifiers serves.
	Description string
	// CaseSensitive types keep their case; every other type's value is
	// lower-cased before anything else (CaseSensitiveNormalizer).
	CaseSensitive bool
	// ResolutionPrefix turns a normalised value into a link ("" when ORCID
	// has none).
	ResolutionPrefix string
	// PrimaryUse is "work" for every current type.
	PrimaryUse string
	// Deprecated types are still accepted; none is deprecated today.
	Deprecated bool
	// FundedBy types may carry the funded-by relationship
	// (ExternalIdentifierFundedByHelper.isExtIdTypeAllowedForFundedBy).
	FundedBy bool

	norm pidNormalizer
}

// pidNormalizer names the type-specific normaliser ORCID's
// PIDNormalizationService runs after the case step. Types without one keep
// their (possibly lower-cased) value.
type pidNormalizer uint8

const (
	normNone    pidNormalizer = iota
	normArxiv                 // ArxivNormalizer
	normBibcode               // BibcodeNormalizer
	normDOI                   // DOINormalizer
	normISBN                  // ISBNNormalizer
	normISSN                  // ISSNNormalizer
	normPMC                   // PMCNormalizer
	normPMID                  // PMIDNormalizer
	normRRID                  // CurieNormalizer
	normURI                   // URINormalizer
)

// primaryUse is identifier_type.primary_use, "work" for every row.
const primaryUse = "work"

// idTypes is the table in id order. It is never written: callers get
// copies.
var idTypes = [...]IDType{
	{Name: "other-id", PutCode: 0, PrimaryUse: primaryUse, Description: "Other identifier type"},
	{Name: "asin", PutCode: 1, PrimaryUse: primaryUse, Description: "asin: Amazon Standard Identification Number", ResolutionPrefix: "http://www.amazon.com/dp/"},
	{Name: "asin-tld", PutCode: 2, PrimaryUse: primaryUse, Description: "asin-tld: ASIN top-level domain"},
	{Name: "arxiv", PutCode: 3, PrimaryUse: primaryUse, Description: "arxiv: ArXiv", ResolutionPrefix: "https://arxiv.org/abs/", norm: normArxiv},
	{Name: "bibcode", PutCode: 4, PrimaryUse: primaryUse, Description: "Bibcode", ResolutionPrefix: "http://adsabs.harvard.edu/abs/", CaseSensitive: true, norm: normBibcode},
	{Name: "doi", PutCode: 5, PrimaryUse: primaryUse, Description: "doi: Digital object identifier", ResolutionPrefix: "https://doi.org/", FundedBy: true, norm: normDOI},
	{Name: "eid", PutCode: 6, PrimaryUse: primaryUse, Description: "Scopus Identifier"},
	{Name: "isbn", PutCode: 7, PrimaryUse: primaryUse, Description: "isbn: International Standard Book Number", ResolutionPrefix: "https://www.worldcat.org/isbn/", norm: normISBN},
	{Name: "issn", PutCode: 8, PrimaryUse: primaryUse, Description: "issn: International Standard Serial Number. Includes print and electronic ISSN.", ResolutionPrefix: "https://portal.issn.org/resource/ISSN/", norm: normISSN},
	{Name: "jfm", PutCode: 9, PrimaryUse: primaryUse, Description: "jfm: Jahrbuch über die Fortschritte der Mathematik", ResolutionPrefix: "http://zbmath.org/?format=complete&q=an%3A"},
	{Name: "jstor", PutCode: 10, PrimaryUse: primaryUse, Description: "jstor: JSTOR abstract", ResolutionPrefix: "http://www.jstor.org/stable/"},
	{Name: "lccn", PutCode: 11, PrimaryUse: primaryUse, Description: "lccn: Library of Congress Control Number", ResolutionPrefix: "http://lccn.loc.gov/"},
	{Name: "mr", PutCode: 12, PrimaryUse: primaryUse, Description: "mr: Mathematical Reviews", ResolutionPrefix: "http://www.ams.org/mathscinet-getitem?mr="},
	{Name: "oclc", PutCode: 13, PrimaryUse: primaryUse, Description: "oclc: Online Computer Library Center", ResolutionPrefix: "http://www.worldcat.org/oclc/"},
	{Name: "ol", PutCode: 14, PrimaryUse: primaryUse, Description: "ol: Open Library", ResolutionPrefix: "http://openlibrary.org/b/", CaseSensitive: true},
	{Name: "osti", PutCode: 15, PrimaryUse: primaryUse, Description: "osti: Office of Scientific and Technical Information", ResolutionPrefix: "https://www.osti.gov/biblio/"},
	{Name: "pmc", PutCode: 16, PrimaryUse: primaryUse, Description: "pmc: PubMed Central article number", ResolutionPrefix: "https://europepmc.org/article/pmc/", norm: normPMC},
	{Name: "pmid", PutCode: 17, PrimaryUse: primaryUse, Description: "pmid: PubMed Unique Identifier", ResolutionPrefix: "https://pubmed.ncbi.nlm.nih.gov/", norm: normPMID},
	{Name: "rfc", PutCode: 18, PrimaryUse: primaryUse, Description: "rfc: Request for Comments", ResolutionPrefix: "https://tools.ietf.org/html/"},
	{Name: "ssrn", PutCode: 19, PrimaryUse: primaryUse, Description: "ssrn: Social Science Research Network", ResolutionPrefix: "http://papers.ssrn.com/abstract_id="},
	{Name: "zbl", PutCode: 20, PrimaryUse: primaryUse, Description: "zbl: Zentralblatt MATH", ResolutionPrefix: "http://zbmath.org/?format=complete&q="},
	{Name: "agr", PutCode: 21, PrimaryUse: primaryUse, Description: "agr: Agricola"},
	{Name: "cba", PutCode: 22, PrimaryUse: primaryUse, Description: "cba: Chinese Biological Abstracts"},
	{Name: "cit", PutCode: 23, PrimaryUse: primaryUse, Description: "cit: CiteSeer"},
	{Name: "ctx", PutCode: 24, PrimaryUse: primaryUse, Description: "ctx: CiteExplore submission"},
	{Name: "ethos", PutCode: 25, PrimaryUse: primaryUse, Description: "ethos: EThOS Persistent ID", ResolutionPrefix: "http://ethos.bl.uk/OrderDetails.do?uin=", CaseSensitive: true},
	{Name: "handle", PutCode: 26, PrimaryUse: primaryUse, Description: "handle: Handle", ResolutionPrefix: "http://hdl.handle.net/"},
	{Name: "hir", PutCode: 27, PrimaryUse: primaryUse, Description: "hir: NHS Evidence"},
	{Name: "pat", PutCode: 28, PrimaryUse: primaryUse, Description: "Patent number"},
	{Name: "source-work-id", PutCode: 29, PrimaryUse: primaryUse, Description: "Non-standard ID from work data source"},
	{Name: "uri", PutCode: 30, PrimaryUse: primaryUse, Description: "uri: URI", CaseSensitive: true, FundedBy: true, norm: normURI},
	{Name: "urn", PutCode: 31, PrimaryUse: primaryUse, Description: "urn: URN"},
	{Name: "wosuid", PutCode: 32, PrimaryUse: primaryUse, Description: "wosuid: Web of Science™ identifier"},
	// identifiers_en.properties has the key grant-number, not
	// grant_number, so ORCID falls back to the name.
	{Name: "grant_number", PutCode: 33, PrimaryUse: primaryUse, Description: "grant number", FundedBy: true},
	{Name: "pdb", PutCode: 34, PrimaryUse: primaryUse, Description: "pdb: Protein Data Bank identifier", ResolutionPrefix: "http://identifiers.org/pdb/"},
	{Name: "kuid", PutCode: 35, PrimaryUse: primaryUse, Description: "kuid: KoreaMed Unique Identifier", ResolutionPrefix: "https://koreamed.org/article/"},
	{Name: "lensid", PutCode: 36, PrimaryUse: primaryUse, Description: "lensid: Lens ID", ResolutionPrefix: "https://www.lens.org/"},
	{Name: "cienciaiul", PutCode: 38, PrimaryUse: primaryUse, Description: "cienciaiul: Ciência-IUL Identifier", ResolutionPrefix: "https://ciencia.iscte-iul.pt/id/"},
	{Name: "rrid", PutCode: 39, PrimaryUse: primaryUse, Description: "rrid: Research Resource IDentifier", ResolutionPrefix: "https://identifiers.org/rrid/", CaseSensitive: true, norm: normRRID},
	{Name: "authenticusid", PutCode: 40, PrimaryUse: primaryUse, Description: "authenticusid: AuthenticusID", ResolutionPrefix: "https://www.authenticus.pt/"},
	{Name: "ark", PutCode: 41, PrimaryUse: primaryUse, Description: "ark: Archival Resource Key Identifier", CaseSensitive: true},
	{Name: "dnb", PutCode: 42, PrimaryUse: primaryUse, Description: "dnb: German National Library identifier", ResolutionPrefix: "https://d-nb.info/"},
	{Name: "proposal-id", PutCode: 43, PrimaryUse: primaryUse, Description: "Proposal ID", FundedBy: true},
	{Name: "hal", PutCode: 44, PrimaryUse: primaryUse, Description: "hal: Hyper Articles en Ligne", ResolutionPrefix: "https://hal.archives-ouvertes.fr/view/resolver/"},
	{Name: "ppr", PutCode: 45, PrimaryUse: primaryUse, Description: "ppr: Europe PMC Preprint Identifier", ResolutionPrefix: "https://europepmc.org/article/PPR/"},
	{Name: "empiar", PutCode: 46, PrimaryUse: primaryUse, Description: "empiar: Electron Microscopy Public Image Archive", ResolutionPrefix: "https://www.ebi.ac.uk/empiar/", CaseSensitive: true},
	{Name: "ismn", PutCode: 47, PrimaryUse: primaryUse, Description: "ismn: International Standard Music Number"},
	{Name: "emdb", PutCode: 48, PrimaryUse: primaryUse, Description: "emdb: Electron Microscopy Data Bank", ResolutionPrefix: "https://www.ebi.ac.uk/emdb/", CaseSensitive: true},
	{Name: "cstr", PutCode: 49, PrimaryUse: primaryUse, Description: "cstr: Science and technology resource identification", ResolutionPrefix: "https://www.cstr.cn/"},
	{Name: "k10plus", PutCode: 50, PrimaryUse: primaryUse, Description: "k10plus: K10plus", ResolutionPrefix: "https://opac.k10plus.de/DB=2.299/PPNSET?PPN=", CaseSensitive: true},
	{Name: "cgn", PutCode: 51, PrimaryUse: primaryUse, Description: "cgn: Culturegraph Number", ResolutionPrefix: "https://id.culturegraph.org/", CaseSensitive: true},
	{Name: "raid", PutCode: 52, PrimaryUse: primaryUse, Description: "raid: Research Activity Identifier", ResolutionPrefix: "https://raid.org/"},
}

// IdentifierTypes returns ORCID's identifier types in id order (a fresh
// copy each call).
func IdentifierTypes() []IDType {
	return append([]IDType(nil), idTypes[:]...)
}

// IdentifierType returns the type with that API name. Names are
// case-sensitive, as ORCID's lookup is: "DOI" is not a type.
func IdentifierType(name string) (IDType, bool) {
	for _, t := range idTypes {
		if t.Name == name {
			return t, true
		}
	}
	return IDType{}, false
}

// IdentifierTypeNames returns every API name, sorted.
func IdentifierTypeNames() []string {
	names := make([]string, len(idTypes))
	for i, t := range idTypes {
		names[i] = t.Name
	}
	sort.Strings(names)
	return names
}

// NormalizeExternalID is ORCID's PIDNormalizationService.normalise: the
// value lower-cased unless the type is case-sensitive, then passed through
// the type's normaliser. ok is false when ORCID "cannot normalise" the
// value, i.e. the result is empty (a DOI with no 10.x/…, an ISBN that is not
// 10 or 13 characters, …); ORCID then reports error 8001 on read
// (NormalizationError) and compares the raw value for duplicates.
//
// A type ORCID does not know comes back unchanged, as ORCID's service
// returns it; the API refuses such types before it normalises anything.
func NormalizeExternalID(typ, value string) (normalized string, ok bool) {
	t, known := IdentifierType(typ)
	if !known {
		return value, value != ""
	}
	v := value
	if !t.CaseSensitive {
		v = javaLowerCase(v)
	}
	switch t.norm {
	case normArxiv:
		v = normalizeArxiv(v)
	case normBibcode:
		v = normalizeBibcode(v)
	case normDOI:
		v = normalizeDOI(v)
	case normISBN:
		v = normalizeISBN(v)
	case normISSN:
		v = normalizeISSN(v)
	case normPMC:
		v = normalizePMC(v)
	case normPMID:
		v = normalizePMID(v)
	case normRRID:
		v = normalizeRRID(v)
	case normURI:
		v = normalizeURI(v)
	}
	return v, v != ""
}

// NormalizationErrorCode is the error-code of external-id-normalized-error
// (transientError.normalization_failed.code in api_en.properties).
const NormalizationErrorCode = "8001"

// NormalizationError is the external-id-normalized-error ORCID serves for a
// value it cannot normalise: "Cannot normalize identifier value
// {type}:{value}" (transientError.normalization_failed.message).
func NormalizationError(typ, value string) *TransientError {
	return &TransientError{
		ErrorCode:    NormalizationErrorCode,
		ErrorMessage: "Cannot normalize identifier value " + typ + ":" + value,
		Transient:    true,
	}
}

// javaBlank reports whether Java's s.trim().isEmpty() holds: trim drops
// every char up to U+0020 from both ends.
func javaBlank(s string) bool {
	return strings.TrimLeft(s, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"+
		"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ") == ""
}

// NormalizedForRead returns x with external-id-normalized and
// external-id-normalized-error as ORCID computes them when it reads a work,
// a peer review's review-identifiers or a research resource's identifiers
// (orcid-core/.../adapter/jsonidentifier/converter/
// JSONWorkExternalIdentifiersConverterV3.convertFrom): the normalised value
// when it is not blank, else error 8001. A blank value, which ORCID stores
// as none, gets neither. Fundings and a peer review's
// subject-external-identifier get neither either (their converters do not
// normalise); affiliations follow NormalizedForAffiliation.
func (x ExternalID) NormalizedForRead() ExternalID {
	x.Normalized, x.NormalizedError = nil, nil
	if javaBlank(x.Value) {
		return x
	}
	n, _ := NormalizeExternalID(x.Type, x.Value)
	if !javaBlank(n) {
		x.Normalized = &TransientText{Value: n, Transient: true}
	} else {
		x.NormalizedError = NormalizationError(x.Type, x.Value)
	}
	return x
}

// NormalizedForAffiliation is NormalizedForRead as
// JSONExternalIdentifiersConverterV3.convertFrom (affiliations) does it: nothing for an
// empty value, the normalised value when not blank, and error 8001 only when
// it is empty (a blank, non-empty result gets neither).
func (x ExternalID) NormalizedForAffiliation() ExternalID {
	x.Normalized, x.NormalizedError = nil, nil
	if javaBlank(x.Value) {
		return x
	}
	n, _ := NormalizeExternalID(x.Type, x.Value)
	if !javaBlank(n) {
		x.Normalized = &TransientText{Value: n, Transient: true}
	}
	if n == "" {
		x.NormalizedError = NormalizationError(x.Type, x.Value)
	}
	return x
}
