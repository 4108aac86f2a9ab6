package batch

import (
	"fmt"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// buildItem makes the ORCID item a row describes, with the orcid package's
// model types. idHost is the host of contributors' iD URIs (the tenant's
// registry). A row of an unknown affiliation section makes no item.
func buildItem(k Kind, v map[string]string, idHost string) (orcid.Item, error) {
	switch k {
	case Affiliations:
		kind, ok := affiliationKind(v["affiliation-section"])
		if !ok {
			return nil, fmt.Errorf("batch: %q is not an affiliation section", v["affiliation-section"])
		}
		a := orcid.NewAffiliation(kind)
		a.DepartmentName, a.RoleTitle = v["department-name"], v["role-title"]
		a.StartDate, a.EndDate = fuzzy(v["start-date"]), fuzzy(v["end-date"])
		a.Organization = organization(v, "org-")
		a.ExternalIDs = orcid.NewExternalIDs(externalIDs(v, "external-id-", "self")...)
		a.URL = orcid.NewText(v["url"])
		return a, nil
	case Works:
		w := &orcid.Work{Title: title(v["title"], v["subtitle"]), JournalTitle: orcid.NewText(v["journal-title"]),
			ShortDescription: v["short-description"], Type: v["work-type"], PublicationDate: fuzzy(v["publication-date"]),
			URL: orcid.NewText(v["url"]), LanguageCode: v["language-code"]}
		if c := v["country"]; c != "" {
			w.Country = &orcid.Country{Value: c}
		}
		w.ExternalIDs = orcid.NewExternalIDs(externalIDs(v, "external-id-", "self")...)
		if cs := splitContributors(v["contributors"]); len(cs) > 0 {
			w.Contributors = &orcid.Contributors{}
			for i, c := range cs {
				seq := "additional"
				if i == 0 {
					seq = "first"
				}
				oc := orcid.Contributor{CreditName: orcid.NewText(c.name),
					ContributorAttributes: &orcid.ContributorAttributes{Sequence: seq, Role: "author"}}
				if id, err := orcid.ParseID(c.id); err == nil {
					oc.ContributorOrcid = orcid.NewOrcidIdentifier(idHost, string(id))
				}
				w.Contributors.Contributor = append(w.Contributors.Contributor, oc)
			}
		}
		return w, nil
	case Fundings:
		f := &orcid.Funding{Type: v["funding-type"], Title: orcid.NewTitle(v["title"]), ShortDescription: v["short-description"],
			URL: orcid.NewText(v["url"]), StartDate: fuzzy(v["start-date"]), EndDate: fuzzy(v["end-date"]),
			Organization: organization(v, "org-")}
		if v["amount"] != "" {
			f.Amount = &orcid.Amount{Value: v["amount"], CurrencyCode: v["currency"]}
		}
		f.ExternalIDs = orcid.NewExternalIDs(externalIDs(v, "external-id-", "self")...)
		return f, nil
	case PeerReviews:
		p := &orcid.PeerReview{ReviewerRole: v["reviewer-role"], ReviewType: v["review-type"],
			ReviewCompletionDate: fuzzy(v["review-completion-date"]), ReviewGroupID: v["review-group-id"],
			ReviewURL: orcid.NewText(v["review-url"]), SubjectType: v["subject-type"],
			SubjectContainerName: orcid.NewText(v["subject-container-name"]), SubjectURL: orcid.NewText(v["subject-url"])}
		if v["review-completion-date"] != "" && p.ReviewCompletionDate == nil {
			p.ReviewCompletionDate = &orcid.FuzzyDate{Year: v["review-completion-date"]} // refused by Validate
		}
		if n := v["subject-name"]; n != "" {
			p.SubjectName = orcid.NewTitle(n)
		}
		p.ReviewIdentifiers = orcid.NewExternalIDs(externalIDs(v, "review-identifier-", "self")...)
		if ids := externalIDs(v, "subject-external-id-", "self"); len(ids) > 0 {
			p.SubjectExternalIdentifier = &ids[0]
		}
		p.ConveningOrganization = organization(v, "convening-org-")
		return p, nil
	}
	return nil, nil
}

func fuzzy(s string) *orcid.FuzzyDate {
	if s == "" {
		return nil
	}
	d, ok := parseDate(s)
	if !ok {
		return nil
	}
	return d
}

func title(t, sub string) *orcid.Title {
	if t == "" && sub == "" {
		return nil
	}
	return &orcid.Title{Title: orcid.NewText(t), Subtitle: orcid.NewText(sub)}
}

func organization(v map[string]string, prefix string) *orcid.Organization {
	o := &orcid.Organization{Name: v[prefix+"name"]}
	if v[prefix+"city"] != "" || v[prefix+"region"] != "" || v[prefix+"country"] != "" {
		o.Address = &orcid.OrganizationAddress{City: v[prefix+"city"], Region: v[prefix+"region"], Country: v[prefix+"country"]}
	}
	if v[prefix+"disambiguated-organization-identifier"] != "" || v[prefix+"disambiguation-source"] != "" {
		o.DisambiguatedOrganization = &orcid.DisambiguatedOrganization{
			Identifier: v[prefix+"disambiguated-organization-identifier"], Source: v[prefix+"disambiguation-source"]}
	}
	return o
}

func externalIDs(v map[string]string, prefix, rel string) []orcid.ExternalID {
	if v[prefix+"type"] == "" && v[prefix+"value"] == "" {
		return nil
	}
	if r := v[prefix+"relationship"]; r != "" {
		rel = r
	}
	return []orcid.ExternalID{{Type: v[prefix+"type"], Value: v[prefix+"value"], URL: orcid.NewText(v[prefix+"url"]),
		Relationship: rel}}
}
