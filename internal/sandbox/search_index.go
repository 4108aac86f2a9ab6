package sandbox

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// The search index. ORCID's message listener re-reads a record through the
// Public API whenever it changes and turns what it gets into one Solr
// document (orcid-message-listener SolrMessageProcessor and
// OrcidRecordToSolrDocument), so only public data is ever searchable. A
// record the Public API answers with 301 (deprecated) or 409 (locked,
// deactivated, unclaimed within its claim wait period), or whose history
// has a deactivation date, is removed from the index (processInvalidRecord).
// The emulator builds the same documents on demand from the same public
// view, so what a search finds is always current, where ORCID's index lags
// by the time its queue takes.

// searchable is whether the record is in ORCID's index: its public record
// reads with 200 (states.go: checkProfile for an anonymous caller).
func (r *Registry) searchable(res Researcher) bool {
	switch res.State {
	case StateActive:
		return true
	case StateUnclaimed:
		return r.now().Sub(res.StateChangedAt) >= claimWaitPeriod
	}
	return false
}

// searchDocs builds the document of every searchable record, in order of
// registration.
func (r *Registry) searchDocs(ctx context.Context, base *apiRequest) ([]*searchDoc, error) {
	all, err := r.store.Researchers(ctx)
	if err != nil {
		return nil, err
	}
	var docs []*searchDoc
	for i, res := range all {
		if !r.searchable(res) {
			continue
		}
		d, err := r.searchDoc(base, res, i)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// searchDoc indexes one record as OrcidRecordToSolrDocument.convert does,
// from what an anonymous Public API caller sees of it.
func (r *Registry) searchDoc(base *apiRequest, res Researcher, seq int) (*searchDoc, error) {
	a := &apiRequest{req: base.req, public: true, caller: &caller{public: true}, out: mediaType{json: true}, orcid: res.ORCID, names: base.names}
	items, err := r.loadItems(a)
	if err != nil {
		return nil, err
	}
	d := newSearchDoc(res.ORCID, seq)
	d.add("orcid", res.ORCID)
	d.dates["profile-submission-date"] = res.CreatedAt
	last := res.ModifiedAt
	for _, it := range items {
		if t := it.GetLastModifiedDate(); t.After(last) {
			last = t
		}
	}
	d.dates["profile-last-modified-date"] = last

	// Names: the name block is public or absent as a whole.
	if n := r.name(a, res); n != nil {
		d.add("given-names", n.GivenNames.String())
		d.add("family-name", n.FamilyName.String())
		d.add("credit-name", n.CreditName.String())
		// OrcidSolrDocument.generateCombinedGivenAndFamilyNames.
		gf := strings.TrimSpace(n.GivenNames.String() + " " + n.FamilyName.String())
		d.add("given-and-family-names", gf)
	}
	if bio := r.biography(a, res); bio != nil {
		d.add("biography", bio.Content)
	}
	for _, e := range r.emails(a, res).Email {
		d.add("email", e.Email)
	}

	orgIDs := map[string][]string{}
	orgNames := map[string][]string{}
	var current, past []string
	addOrg := func(nameField string, o *orcid.Organization, funding bool) {
		if o == nil {
			return
		}
		orgNames[nameField] = append(orgNames[nameField], o.Name)
		if o.DisambiguatedOrganization == nil {
			return
		}
		id := o.DisambiguatedOrganization.Identifier
		if funding {
			// The indexer files every funding organisation's identifier
			// under fundref-org-id, whatever its source.
			orgIDs["fundref-org-id"] = append(orgIDs["fundref-org-id"], id)
			return
		}
		switch o.DisambiguatedOrganization.Source {
		case "RINGGOLD":
			orgIDs["ringgold-org-id"] = append(orgIDs["ringgold-org-id"], id)
		case "GRID":
			orgIDs["grid-org-id"] = append(orgIDs["grid-org-id"], id)
		case "ROR":
			orgIDs["ror-org-id"] = append(orgIDs["ror-org-id"], id)
		case "FUNDREF":
			// Affiliations skip FUNDREF; peer reviews and research
			// resources keep it (the caller decides by passing nameField).
			if nameField != "affiliation-org-name" {
				orgIDs["fundref-org-id"] = append(orgIDs["fundref-org-id"], id)
			}
		}
	}
	oldWay := map[string][]string{} // per-type identifier fields
	relIDs := func(ids []orcid.ExternalID, versionOf bool) {
		for _, x := range ids {
			switch x.Relationship {
			case orcid.RelationshipSelf:
				d.add(x.Type+"-self", x.Value)
			case orcid.RelationshipPartOf:
				d.add(x.Type+"-part-of", x.Value)
			case orcid.RelationshipVersionOf:
				// Works index self and part-of only.
				if versionOf {
					d.add(x.Type+"-version-of", x.Value)
				}
			}
		}
	}
	old := func(ids []orcid.ExternalID) {
		for _, x := range ids {
			f := ""
			switch {
			case x.Type == "doi":
				f = "digital-object-ids"
			case x.Type == "other-id":
				f = "other-identifier-type"
			default:
				for _, w := range workIDFields {
					if w == x.Type {
						f = w
					}
				}
			}
			if f != "" {
				oldWay[f] = append(oldWay[f], x.Value)
			}
		}
	}
	now := r.now()
	for _, it := range items {
		switch v := it.(type) {
		case *orcid.OtherName:
			d.add("other-names", v.Content)
		case *orcid.Keyword:
			d.add("keyword", v.Content)
		case *orcid.PersonExternalIdentifier:
			src := v.Source.SourcePath()
			d.add("external-id-source", src)
			d.add("external-id-orcid", src) // copyField
			d.add("external-id-reference", v.Value)
			d.add("external-id-type-and-value", v.Type+"="+v.Value)
			if src != "" && v.Value != "" {
				d.add("external-id-source-and-reference", src+"="+v.Value)
				d.add("external-id-orcid-and-reference", src+"="+v.Value)
			}
		case *orcid.Work:
			if v.Title != nil {
				d.add("work-titles", v.Title.Title.String(), v.Title.Subtitle.String())
				if v.Title.TranslatedTitle != nil {
					d.add("work-titles", v.Title.TranslatedTitle.Value)
				}
			}
			ids := extIDList(v.ExternalIDs)
			old(ids)
			relIDs(ids, false)
		case *orcid.Funding:
			if v.Title != nil {
				d.add("funding-titles", v.Title.Title.String())
				if v.Title.TranslatedTitle != nil {
					d.add("funding-titles", v.Title.TranslatedTitle.Value)
				}
			}
			for _, x := range extIDList(v.ExternalIDs) {
				if x.Type == "grant_number" {
					d.add("grant-numbers", x.Value)
				}
			}
			addOrg("funding-org-name", v.Organization, true)
		case *orcid.PeerReview:
			d.add("peer-review-type", v.ReviewType)
			d.add("peer-review-role", v.ReviewerRole)
			d.add("peer-review-group-id", v.ReviewGroupID)
			relIDs(extIDList(v.ReviewIdentifiers), true)
			addOrg("peer-review-org-name", v.ConveningOrganization, false)
		case *orcid.ResearchResource:
			if p := v.Proposal; p != nil {
				if p.Title != nil {
					d.add("research-resource-proposal-title", p.Title.Title.String())
					if p.Title.TranslatedTitle != nil {
						d.add("research-resource-proposal-title", p.Title.TranslatedTitle.Value)
					}
				}
				if p.Hosts != nil {
					for i := range p.Hosts.Organization {
						addOrg("research-resource-proposal-org-name", &p.Hosts.Organization[i], false)
					}
				}
				old(extIDList(p.ExternalIDs))
				relIDs(extIDList(p.ExternalIDs), true)
			}
			for _, ri := range v.ResourceItems {
				d.add("research-resource-item-name", ri.ResourceName)
				if ri.Hosts != nil {
					for i := range ri.Hosts.Organization {
						addOrg("research-resource-item-org-name", &ri.Hosts.Organization[i], false)
					}
				}
				old(extIDList(ri.ExternalIDs))
				relIDs(extIDList(ri.ExternalIDs), true)
			}
		case *orcid.Affiliation:
			if v.Organization == nil {
				continue
			}
			if affiliationEnded(v.EndDate, now) {
				past = append(past, v.Organization.Name)
			} else {
				current = append(current, v.Organization.Name)
			}
			addOrg("affiliation-org-name", v.Organization, false)
		}
	}
	for _, f := range workIDFields {
		d.add(f, dedupe(oldWay[f])...)
	}
	d.add("digital-object-ids", dedupe(oldWay["digital-object-ids"])...)
	d.add("current-institution-affiliation-name", current...)
	d.add("past-institution-affiliation-name", past...)
	for _, f := range []string{"ringgold-org-id", "grid-org-id", "ror-org-id", "fundref-org-id"} {
		d.add(f, dedupe(orgIDs[f])...)
	}
	for _, f := range []string{"affiliation-org-name", "funding-org-name", "peer-review-org-name",
		"research-resource-proposal-org-name", "research-resource-item-org-name"} {
		d.add(f, dedupe(orgNames[f])...)
	}
	return d, nil
}

func extIDList(x *orcid.ExternalIDs) []orcid.ExternalID {
	if x == nil {
		return nil
	}
	return x.ExternalID
}

func dedupe(vs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// affiliationEnded is OrcidRecordToSolrDocument.setAffiliationNames: an
// affiliation is past when its end date is before today, at the precision
// the date gives; no end date, or an unreadable one, is current.
func affiliationEnded(end *orcid.FuzzyDate, now time.Time) bool {
	if end == nil || end.Year == "" {
		return false
	}
	y, err := strconv.Atoi(end.Year)
	if err != nil {
		return false
	}
	cy, cm, cd := now.Date()
	switch {
	case y < cy:
		return true
	case y > cy:
		return false
	}
	if end.Month == "" {
		return false
	}
	m, err := strconv.Atoi(end.Month)
	if err != nil {
		return false
	}
	switch {
	case m < int(cm):
		return true
	case m > int(cm):
		return false
	}
	if end.Day == "" {
		return false
	}
	day, err := strconv.Atoi(end.Day)
	if err != nil {
		return false
	}
	return day <= cd
}

// foldDiacritics removes combining marks after canonical decomposition, so
// that "Kårlsbeârd" and "Karlsbeard" are the same name, as ORCID's
// given-and-family-names field treats them (tutorial/search.md).
func foldDiacritics(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}
