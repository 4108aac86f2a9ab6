package orcid

import "sort"

// Controlled vocabularies of the v3.0 API, sorted so callers can use
// IsOneOf (binary search). The XSDs declare most of these as free strings
// and leave validation to the server, so the lists come from ORCID's Java
// enums (orcid-model, org.orcid.jaxb.model.common) at the commit the XSDs
// were vendored from. Language codes and countries are not listed: ORCID
// validates them against Java's locale tables, which drift.
//
// The slices are shared; do not modify them.

// WorkTypes are the values of work:type.
var WorkTypes = []string{
	"annotation", "artistic-performance", "blog-post", "book", "book-chapter",
	"book-review", "cartographic-material", "clinical-study", "conference-abstract",
	"conference-output", "conference-paper", "conference-poster",
	"conference-presentation", "conference-proceedings", "data-management-plan",
	"data-set", "design", "dictionary-entry", "disclosure", "dissertation-thesis",
	"edited-book", "encyclopedia-entry", "image", "invention", "journal-article",
	"journal-issue", "learning-object", "lecture-speech", "license",
	"magazine-article", "manual", "moving-image", "musical-composition",
	"newsletter-article", "newspaper-article", "online-resource", "other", "patent",
	"physical-object", "preprint", "public-speech", "registered-copyright", "report",
	"research-technique", "research-tool", "review", "software", "sound",
	"spin-off-company", "standards-and-policy", "supervised-student-publication",
	"technical-standard", "test", "trademark", "transcription", "translation",
	"undefined", "website", "working-paper",
}

// CitationTypes are the values of work:citation-type.
var CitationTypes = []string{
	"bibtex", "formatted-apa", "formatted-chicago", "formatted-harvard",
	"formatted-ieee", "formatted-mla", "formatted-unspecified",
	"formatted-vancouver", "ris",
}

// Relationships are the values of external-id-relationship.
var Relationships = []string{
	RelationshipFundedBy, RelationshipPartOf, RelationshipSelf, RelationshipVersionOf,
}

// ContributorSequences are the values of contributor-sequence (works only).
var ContributorSequences = []string{"additional", "first"}

// ContributorRoles are the original work contributor roles. ORCID marks them
// for removal in favour of CreditContributorRoles but still accepts them.
var ContributorRoles = []string{
	"assignee", "author", "chair-or-translator", "co-inventor", "co-investigator",
	"editor", "graduate-student", "other-inventor", "postdoctoral-researcher",
	"principal-investigator", "support-staff",
}

// CreditContributorRoles are the CRediT (NISO) role URIs accepted as
// contributor-role for works.
var CreditContributorRoles = []string{
	"http://credit.niso.org/contributor-roles/conceptualization/",
	"http://credit.niso.org/contributor-roles/data-curation/",
	"http://credit.niso.org/contributor-roles/formal-analysis/",
	"http://credit.niso.org/contributor-roles/funding-acquisition/",
	"http://credit.niso.org/contributor-roles/investigation/",
	"http://credit.niso.org/contributor-roles/methodology/",
	"http://credit.niso.org/contributor-roles/project-administration/",
	"http://credit.niso.org/contributor-roles/resources/",
	"http://credit.niso.org/contributor-roles/software/",
	"http://credit.niso.org/contributor-roles/supervision/",
	"http://credit.niso.org/contributor-roles/validation/",
	"http://credit.niso.org/contributor-roles/visualization/",
	"http://credit.niso.org/contributor-roles/writing-original-draft/",
	"http://credit.niso.org/contributor-roles/writing-review-editing/",
}

// FundingContributorRoles are the original funding contributor roles; the
// CRediT URIs are accepted for fundings too.
var FundingContributorRoles = []string{"co-lead", "lead", "other-contribution", "supported-by"}

// FundingTypes are the values of funding:type.
var FundingTypes = []string{"award", "contract", "grant", "salary-award"}

// PeerReviewRoles are the values of reviewer-role.
var PeerReviewRoles = []string{"chair", "editor", "member", "organizer", "reviewer"}

// PeerReviewTypes are the values of review-type.
var PeerReviewTypes = []string{"evaluation", "review"}

// PeerReviewSubjectTypes are the values of subject-type: the work types plus
// the funding types and research-resource-proposal.
var PeerReviewSubjectTypes = func() []string {
	s := append(append([]string{}, WorkTypes...), FundingTypes...)
	s = append(s, "research-resource-proposal")
	sort.Strings(s)
	return s
}()

// ResearchResourceTypes are the values of resource-type.
var ResearchResourceTypes = []string{"collections", "equipment", "infrastructures", "services"}

// DisambiguationSources are the organisation registries ORCID accepts in
// disambiguation-source.
var DisambiguationSources = []string{"FUNDREF", "GRID", "LEI", "RINGGOLD", "ROR"}

// Visibilities are the visibilities a client may set.
var Visibilities = []string{string(VisibilityLimited), string(VisibilityPrivate), string(VisibilityPublic)}

// ExternalIDTypes are the external-id-type values ORCID accepts, sorted:
// the names of its identifier-type table (IdentifierTypes, which also serves
// GET /v3.0/identifiers).
var ExternalIDTypes = IdentifierTypeNames()

// IsOneOf reports whether v is in the sorted list.
func IsOneOf(list []string, v string) bool {
	i := sort.SearchStrings(list, v)
	return i < len(list) && list[i] == v
}
