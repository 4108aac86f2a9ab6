package sandbox

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcid/xsdrules"
)

// Everything the XSDs say about values (lengths, patterns, enumerations,
// xs:anyURI, integer ranges) and required elements is checked by
// schemaFault with the rules package xsdrules generates from ORCID's
// schemas. The hand-written checks below remain for what the schemas leave
// to ORCID's Java model (its enums) and for the messages the emulator has
// always given for a missing or blank required element.

// schemaFault checks a write body (an item as XML) against the rules
// generated from ORCID's XSDs and reports the first violation in Xerces'
// words, as ORCID's validation handler passes them on.
func schemaFault(doc []byte) *bodyFault {
	vs, err := xsdrules.Check(doc)
	if err != nil {
		return &bodyFault{kind: faultSchema, msg: err.Error()}
	}
	for _, v := range vs {
		// The emulator's own iD URIs are not on an orcid.org host, and a
		// client may write back what it read.
		if !v.RegistryURI() {
			return &bodyFault{kind: faultSchema, msg: v.Message}
		}
	}
	return nil
}

// itemSchemaFault checks a decoded item. ORCID validates a JSON body the
// same way: Jackson reads it into the JAXB model, which is marshalled as
// XML for the schema validator (JSONInputValidator).
func itemSchemaFault(item any) *bodyFault {
	doc, err := xml.Marshal(item)
	if err != nil {
		return &bodyFault{kind: faultSchema, msg: err.Error()}
	}
	return schemaFault(doc)
}

// enumFault is a value outside one of ORCID's Java enums. Jackson names the
// enum class in its message; JAXB's adapter raises IllegalEnumValueException
// with the value and the enum.
func enumFault(enum, value string) *bodyFault {
	return &bodyFault{kind: faultEnum, enum: enum, value: value,
		msg: fmt.Sprintf("Cannot deserialize value of type `org.orcid.jaxb.model.common.%s` from String \"%s\": not one of the values accepted for Enum class", enum, value)}
}

// checkEnum reports a value (if any) that is not in list.
func checkEnum(enum string, list []string, value string) *bodyFault {
	if value == "" || orcid.IsOneOf(list, value) {
		return nil
	}
	return enumFault(enum, value)
}

// checkVisibility: visibility is an enumeration of the XSD itself (the
// common:visibility type every item's attribute has), so XML reports it as
// a schema error; JSON meets it here too, after Jackson's enum.
func checkVisibility(v orcid.Visibility) *bodyFault {
	if v == "" {
		return nil
	}
	if f := xsdrules.CheckValue("work:work/@visibility", string(v), "visibility"); f != nil {
		return &bodyFault{kind: faultSchema, msg: f.Message}
	}
	return nil
}

func firstFault(fs ...*bodyFault) error {
	for _, f := range fs {
		if f != nil {
			return f
		}
	}
	return nil
}

func checkExternalIDEnums(ids ...orcid.ExternalID) *bodyFault {
	for _, id := range ids {
		if f := checkEnum("Relationship", orcid.Relationships, id.Relationship); f != nil {
			return f
		}
	}
	return nil
}

func extIDs(x *orcid.ExternalIDs) []orcid.ExternalID {
	if x == nil {
		return nil
	}
	return x.ExternalID
}

func checkCountry(c string) *bodyFault {
	if c == "" || oneOf(countryCodes, c) {
		return nil
	}
	return enumFault("Iso3166Country", c)
}

// checkCurrency: orcid-model reads currency-code into a java.util.Currency
// through CurrencyAdapter, whose unmarshal turns Currency.getInstance's
// refusal into IllegalEnumValueException (value, enum java.util.Currency):
// XML 9051. Jackson reaches the same adapter (ORCID's JSON provider honours
// JAXB annotations) and wraps the exception, which has no message, so the
// JSON 9047 names only its class and the property path; that text is
// derived from Jackson's wrapping, not observed (UNVERIFIED).
func checkCurrency(a *orcid.Amount) *bodyFault {
	if a == nil || a.CurrencyCode == "" || orcid.ValidCurrency(a.CurrencyCode) {
		return nil
	}
	return &bodyFault{kind: faultEnum, enum: "java.util.Currency", value: a.CurrencyCode,
		msg: `org.orcid.jaxb.model.common.adapters.IllegalEnumValueException (through reference chain: ` +
			`org.orcid.jaxb.model.v3.release.record.Funding["amount"]->org.orcid.jaxb.model.v3.release.common.Amount["currency-code"])`}
}

func checkOrgEnums(o *orcid.Organization) *bodyFault {
	if o == nil || o.Address == nil {
		return nil
	}
	return checkCountry(o.Address.Country)
}

// checkEnums checks every enumerated value of a decoded body.
func checkEnums(v any) error {
	switch x := v.(type) {
	case *orcid.Bulk:
		for _, it := range x.Items {
			if it.Work != nil {
				if err := checkEnums(it.Work); err != nil {
					return err
				}
			}
		}
		return nil
	case *orcid.Work:
		fs := []*bodyFault{checkVisibility(x.Visibility), checkEnum("WorkType", orcid.WorkTypes, x.Type)}
		if x.Citation != nil {
			fs = append(fs, checkEnum("CitationType", orcid.CitationTypes, x.Citation.Type))
		}
		if x.Contributors != nil {
			for _, c := range x.Contributors.Contributor {
				if c.ContributorAttributes != nil {
					fs = append(fs, checkEnum("SequenceType", orcid.ContributorSequences, c.ContributorAttributes.Sequence))
				}
			}
		}
		fs = append(fs, checkExternalIDEnums(extIDs(x.ExternalIDs)...))
		if x.Country != nil {
			fs = append(fs, checkCountry(x.Country.Value))
		}
		return firstFault(fs...)
	case *orcid.Funding:
		return firstFault(checkVisibility(x.Visibility), checkEnum("FundingType", orcid.FundingTypes, x.Type),
			checkCurrency(x.Amount), checkExternalIDEnums(extIDs(x.ExternalIDs)...), checkOrgEnums(x.Organization))
	case *orcid.Affiliation:
		return firstFault(checkVisibility(x.Visibility), checkExternalIDEnums(extIDs(x.ExternalIDs)...), checkOrgEnums(x.Organization))
	case *orcid.PeerReview:
		fs := []*bodyFault{checkVisibility(x.Visibility), checkEnum("Role", orcid.PeerReviewRoles, x.ReviewerRole),
			checkEnum("PeerReviewType", orcid.PeerReviewTypes, x.ReviewType),
			checkEnum("PeerReviewSubjectType", orcid.PeerReviewSubjectTypes, x.SubjectType),
			checkExternalIDEnums(extIDs(x.ReviewIdentifiers)...), checkOrgEnums(x.ConveningOrganization)}
		if x.SubjectExternalIdentifier != nil {
			fs = append(fs, checkExternalIDEnums(*x.SubjectExternalIdentifier))
		}
		return firstFault(fs...)
	case *orcid.ResearchResource:
		fs := []*bodyFault{checkVisibility(x.Visibility)}
		if x.Proposal != nil {
			fs = append(fs, checkExternalIDEnums(extIDs(x.Proposal.ExternalIDs)...))
			if x.Proposal.Hosts != nil {
				for i := range x.Proposal.Hosts.Organization {
					fs = append(fs, checkOrgEnums(&x.Proposal.Hosts.Organization[i]))
				}
			}
		}
		for _, ri := range x.ResourceItems {
			fs = append(fs, checkEnum("ResearchResourceType", orcid.ResearchResourceTypes, ri.ResourceType),
				checkExternalIDEnums(extIDs(ri.ExternalIDs)...))
		}
		return firstFault(fs...)
	case *orcid.Address:
		fs := []*bodyFault{checkVisibility(x.Visibility)}
		if x.Country != nil {
			fs = append(fs, checkCountry(x.Country.Value))
		}
		return firstFault(fs...)
	case *orcid.PersonExternalIdentifier:
		return firstFault(checkVisibility(x.Visibility), checkExternalIDEnums(x.ExternalID))
	case orcid.Item:
		return firstFault(checkVisibility(x.GetVisibility()))
	}
	return nil
}

// missing is the schema error for a required element that is absent or
// blank (the XSD's string types forbid blank text).
func missing(parent, child string) *bodyFault {
	return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-complex-type.2.4.b: The content of element '%s' is not complete. One of '{%s}' is expected.", parent, child)}
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func checkOrgSchema(parent string, o *orcid.Organization) *bodyFault {
	if o == nil {
		return nil
	}
	switch {
	case blank(o.Name):
		return missing(parent, "common:name")
	case o.Address == nil:
		return missing(parent, "common:address")
	case o.DisambiguatedOrganization != nil && blank(o.DisambiguatedOrganization.Identifier):
		return missing("common:disambiguated-organization", "common:disambiguated-organization-identifier")
	case o.DisambiguatedOrganization != nil && blank(o.DisambiguatedOrganization.Source):
		return missing("common:disambiguated-organization", "common:disambiguation-source")
	}
	return nil
}

// checkDateSchema: a fuzzy date needs a year, and a day only after a
// month (the ranges of each part are the generated rules' business).
func checkDateSchema(name string, d *orcid.FuzzyDate) *bodyFault {
	if d == nil {
		return nil
	}
	if blank(d.Year) {
		return missing(name, "common:year")
	}
	if d.Day != "" && d.Month == "" {
		return &bodyFault{kind: faultSchema, msg: "cvc-complex-type.2.4.a: Invalid content was found starting with element 'common:day'. One of '{common:month}' is expected."}
	}
	return nil
}

func checkExternalIDsSchema(ids []orcid.ExternalID) *bodyFault {
	for _, id := range ids {
		if blank(id.Type) {
			return missing("common:external-id", "common:external-id-type")
		}
		if blank(id.Value) {
			return missing("common:external-id", "common:external-id-value")
		}
	}
	return nil
}

// checkItemSchema checks what the item's XSD requires.
func checkItemSchema(item orcid.Item) *bodyFault {
	switch x := item.(type) {
	case *orcid.Work:
		switch {
		case x.Title == nil || x.Title.Title == nil:
			return missing("work:work", "work:title")
		case blank(x.Title.Title.Value):
			return missing("work:title", "common:title")
		case blank(x.Type):
			return missing("work:work", "work:type")
		}
		return firstFaultOf(checkDateSchema("common:publication-date", x.PublicationDate), checkExternalIDsSchema(extIDs(x.ExternalIDs)))
	case *orcid.Funding:
		switch {
		case blank(x.Type):
			return missing("funding:funding", "funding:type")
		case x.Title == nil || x.Title.Title == nil || blank(x.Title.Title.Value):
			return missing("funding:funding", "funding:title")
		case x.Organization == nil:
			return missing("funding:funding", "common:organization")
		}
		return firstFaultOf(checkOrgSchema("common:organization", x.Organization), checkDateSchema("common:start-date", x.StartDate),
			checkDateSchema("common:end-date", x.EndDate), checkExternalIDsSchema(extIDs(x.ExternalIDs)))
	case *orcid.Affiliation:
		return firstFaultOf(checkOrgSchema("common:organization", x.Organization), checkDateSchema("common:start-date", x.StartDate),
			checkDateSchema("common:end-date", x.EndDate), checkExternalIDsSchema(extIDs(x.ExternalIDs)))
	case *orcid.PeerReview:
		switch {
		case blank(x.ReviewerRole):
			return missing("peer-review:peer-review", "peer-review:reviewer-role")
		case x.ReviewIdentifiers == nil:
			return missing("peer-review:peer-review", "peer-review:review-identifiers")
		case blank(x.ReviewType):
			return missing("peer-review:peer-review", "peer-review:review-type")
		case x.ReviewCompletionDate == nil:
			return missing("peer-review:peer-review", "peer-review:review-completion-date")
		case blank(x.ReviewGroupID):
			return missing("peer-review:peer-review", "peer-review:review-group-id")
		case x.ConveningOrganization == nil:
			return missing("peer-review:peer-review", "peer-review:convening-organization")
		}
		return firstFaultOf(checkOrgSchema("peer-review:convening-organization", x.ConveningOrganization),
			checkDateSchema("peer-review:review-completion-date", x.ReviewCompletionDate),
			checkExternalIDsSchema(extIDs(x.ReviewIdentifiers)))
	case *orcid.ResearchResource:
		p := x.Proposal
		switch {
		case p == nil:
			return missing("research-resource:research-resource", "research-resource:proposal")
		case p.Title == nil || p.Title.Title == nil || blank(p.Title.Title.Value):
			return missing("research-resource:proposal", "research-resource:title")
		case p.Hosts == nil || len(p.Hosts.Organization) == 0:
			return missing("research-resource:proposal", "research-resource:hosts")
		case p.ExternalIDs == nil:
			return missing("research-resource:proposal", "common:external-ids")
		case len(x.ResourceItems) == 0:
			return missing("research-resource:research-resource", "research-resource:resource-items")
		}
		for i := range p.Hosts.Organization {
			if f := checkOrgSchema("common:organization", &p.Hosts.Organization[i]); f != nil {
				return f
			}
		}
		for _, ri := range x.ResourceItems {
			switch {
			case blank(ri.ResourceName):
				return missing("research-resource:resource-item", "research-resource:resource-name")
			case blank(ri.ResourceType):
				return missing("research-resource:resource-item", "research-resource:resource-type")
			case ri.Hosts == nil || len(ri.Hosts.Organization) == 0:
				return missing("research-resource:resource-item", "research-resource:hosts")
			case ri.ExternalIDs == nil:
				return missing("research-resource:resource-item", "common:external-ids")
			}
		}
		return firstFaultOf(checkDateSchema("common:start-date", p.StartDate), checkDateSchema("common:end-date", p.EndDate))
	case *orcid.Keyword:
		if blank(x.Content) {
			return missing("keyword:keyword", "keyword:content")
		}
	case *orcid.OtherName:
		if blank(x.Content) {
			return missing("other-name:other-name", "other-name:content")
		}
	case *orcid.ResearcherURL:
		if x.URL == nil {
			return missing("researcher-url:researcher-url", "researcher-url:url")
		}
	case *orcid.Address:
		if x.Country == nil {
			return missing("address:address", "address:country")
		}
	case *orcid.PersonExternalIdentifier:
		switch {
		case blank(x.Type):
			return missing("external-identifier:external-identifier", "common:external-id-type")
		case blank(x.Value):
			return missing("external-identifier:external-identifier", "common:external-id-value")
		}
	}
	return nil
}

func firstFaultOf(fs ...*bodyFault) *bodyFault {
	for _, f := range fs {
		if f != nil {
			return f
		}
	}
	return nil
}
