package batch

// Code names a kind of problem. The codes are stable: systems that upload
// files may branch on them.
type Code string

// The problem codes.
const (
	CodeEncoding              Code = "encoding"                 // not UTF-8 (a UTF-8 BOM is fine)
	CodeSyntax                Code = "syntax"                   // malformed CSV quoting or JSON
	CodeEmptyFile             Code = "empty-file"               // no header, or no rows
	CodeUnknownColumn         Code = "unknown-column"           // a header or key the kind does not have
	CodeMissingColumn         Code = "missing-column"           // a required column is not in the header
	CodeDuplicateColumn       Code = "duplicate-column"         // a column twice in the header
	CodeORCIDNotAccepted      Code = "orcid-id-not-accepted"    // an iD column for people: they must connect themselves
	CodeFieldCount            Code = "field-count"              // a CSV row with more or fewer fields than the header
	CodeNotText               Code = "not-text"                 // a JSON value that is an object or an array
	CodeRequired              Code = "required"                 // a value is needed
	CodeNoPerson              Code = "no-person"                // neither email nor person-ref
	CodeTooLong               Code = "too-long"                 // longer than the column allows
	CodeBadCharacter          Code = "bad-character"            // control characters
	CodeBadEmail              Code = "bad-email"                // not an email address
	CodeBadORCID              Code = "bad-orcid-id"             // malformed iD or wrong check digit
	CodeUnknownWorkType       Code = "unknown-work-type"        // not one of ORCID's work types
	CodeUnknownAffiliation    Code = "unknown-affiliation-kind" // not one of the seven affiliation sections
	CodeBadValue              Code = "bad-value"                // not one of the values the column accepts
	CodeBadDate               Code = "bad-date"                 // not a date, or a year outside ORCID's 1900-2100
	CodeEndBeforeStart        Code = "end-before-start"         // end-date before start-date
	CodeMissingTitle          Code = "missing-title"            // a work, funding or article without a title
	CodeMissingOrganization   Code = "missing-organization"     // organisation name, city or country missing
	CodeBadCountry            Code = "bad-country"              // not an ISO 3166-1 alpha-2 code
	CodeBadURL                Code = "bad-url"                  // not an absolute http(s) URL
	CodeUnknownExternalIDType Code = "unknown-external-id-type" // not one of ORCID's identifier types
	CodeBadDOI                Code = "bad-doi"                  // not 10.<registrant>/<suffix>
	CodeBadIdentifier         Code = "bad-identifier"           // a malformed ISSN or ISBN
	CodeMissingSelfID         Code = "missing-self-identifier"  // a work or review without its own identifier
	CodeDuplicateRow          Code = "duplicate-row"            // the same row as an earlier one
	CodeDuplicateKey          Code = "duplicate-key"            // the same person, kind and key as an earlier row
	CodeUnknownPerson         Code = "unknown-person"           // no such person, and the row does not create them (or an article's contributor)
	CodePersonConflict        Code = "person-conflict"          // email and person-ref name different people
	CodeORCIDRule             Code = "orcid-rule"               // anything else ORCID would refuse
)

// Problem is one thing wrong with a file: a row (0 for the file as a
// whole), a column ("" for the row as a whole), a code and a message for
// people.
type Problem struct {
	Row     int    `json:"row"`
	Line    int    `json:"line,omitempty"`
	Column  string `json:"column,omitempty"`
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// codeTable describes every code, for the documentation.
var codeTable = []struct {
	Code    Code
	Meaning string
}{
	{CodeEncoding, "not UTF-8 (a UTF-8 BOM is fine)"},
	{CodeSyntax, "malformed CSV quoting or JSON"},
	{CodeEmptyFile, "no header, or no rows"},
	{CodeUnknownColumn, "a header or key the kind does not have"},
	{CodeMissingColumn, "a required column is not in the header"},
	{CodeDuplicateColumn, "a column twice in the header"},
	{CodeORCIDNotAccepted, "an iD column for people: they must connect themselves"},
	{CodeFieldCount, "a CSV row with more or fewer fields than the header"},
	{CodeNotText, "a JSON value that is an object or an array"},
	{CodeRequired, "a value is needed"},
	{CodeNoPerson, "neither email nor person-ref"},
	{CodeTooLong, "longer than the column allows; a value over 256 KB or a row over 1 MB, refused as it is read"},
	{CodeBadCharacter, "control characters"},
	{CodeBadEmail, "not an email address"},
	{CodeBadORCID, "malformed iD or wrong check digit"},
	{CodeUnknownWorkType, "not one of ORCID's work types"},
	{CodeUnknownAffiliation, "not one of the seven affiliation sections"},
	{CodeBadValue, "not one of the values the column accepts"},
	{CodeBadDate, "not YYYY, YYYY-MM or YYYY-MM-DD, no such day, or a year ORCID does not take (before 1900, after 2100)"},
	{CodeEndBeforeStart, "end-date before start-date"},
	{CodeMissingTitle, "a work, funding or article without a title"},
	{CodeMissingOrganization, "organisation name, city or country missing"},
	{CodeBadCountry, "not an ISO 3166-1 alpha-2 code"},
	{CodeBadURL, "not an absolute http(s) URL"},
	{CodeUnknownExternalIDType, "not one of ORCID's identifier types"},
	{CodeBadDOI, "not 10.<registrant>/<suffix>"},
	{CodeBadIdentifier, "a malformed ISSN or ISBN"},
	{CodeMissingSelfID, "a work or review without its own identifier"},
	{CodeDuplicateRow, "the same row as an earlier one"},
	{CodeDuplicateKey, "the same person, kind and key as an earlier row"},
	{CodeUnknownPerson, "no such person, and the row does not create them; an article's contributor who is no person of the tenant"},
	{CodePersonConflict, "email and person-ref name different people"},
	{CodeORCIDRule, "anything else ORCID would refuse"},
}
