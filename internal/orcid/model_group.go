package orcid

import (
	"fmt"
	"slices"
)

// The read side of the API lists summaries in groups: activities that share
// an identifier are shown as one entry. These functions derive those
// sections from stored full items so the emulator and tests build them the
// way ORCID does (ActivitiesGroupGenerator): two activities belong to the
// same group when they share a groupable identifier (ExternalID.Groupable,
// compared by ExternalID.GroupKey), transitively; an activity without one
// forms a group of its own. A group's identifiers are the union of its
// members' groupable identifiers. Groups and members keep input order, so
// callers sort items first if they want ORCID's display order.

// idGroup is one group found by groupByExternalIDs: member indexes and the
// group's identifiers.
type idGroup struct {
	members []int
	ids     []ExternalID
}

func groupByExternalIDs(n int, idsOf func(int) []ExternalID) []idGroup {
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i := range n {
		for _, id := range idsOf(i) {
			if !id.Groupable() {
				continue
			}
			k := id.GroupKey()
			if j, ok := owner[k]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[k] = i
			}
		}
	}
	var groups []idGroup
	index := map[int]int{}
	for i := range n {
		r := find(i)
		g, ok := index[r]
		if !ok {
			g = len(groups)
			index[r] = g
			groups = append(groups, idGroup{})
		}
		groups[g].members = append(groups[g].members, i)
	}
	for g := range groups {
		seen := map[string]bool{}
		for _, i := range groups[g].members {
			for _, id := range idsOf(i) {
				if k := id.GroupKey(); id.Groupable() && !seen[k] {
					seen[k] = true
					groups[g].ids = append(groups[g].ids, id)
				}
			}
		}
	}
	return groups
}

// latest returns the later of two optional timestamps.
func latest(a, b *Timestamp) *Timestamp {
	switch {
	case a == nil:
		return b
	case b == nil || !b.After(a.Time):
		return a
	}
	return b
}

// buildGroups applies groupByExternalIDs to summaries and lets mk assemble
// each group from its identifiers, latest modification and members.
func buildGroups[S, G any](ss []S, idsOf func(*S) []ExternalID, modified func(*S) *Timestamp,
	mk func(ids ExternalIDs, last *Timestamp, members []S) G) []G {
	var out []G
	for _, g := range groupByExternalIDs(len(ss), func(i int) []ExternalID { return idsOf(&ss[i]) }) {
		var last *Timestamp
		members := make([]S, 0, len(g.members))
		for _, i := range g.members {
			members = append(members, ss[i])
			last = latest(last, modified(&ss[i]))
		}
		out = append(out, mk(ExternalIDs{ExternalID: g.ids}, last, members))
	}
	return out
}

// GroupWorkSummaries groups work summaries as /works shows them.
func GroupWorkSummaries(ss []WorkSummary) []WorkGroup {
	return buildGroups(ss,
		func(s *WorkSummary) []ExternalID { return s.ExternalIDs.list() },
		func(s *WorkSummary) *Timestamp { return s.LastModifiedDate },
		func(ids ExternalIDs, last *Timestamp, m []WorkSummary) WorkGroup {
			return WorkGroup{LastModifiedDate: last, ExternalIDs: ids, Summaries: m}
		})
}

// GroupFundingSummaries groups funding summaries as /fundings shows them.
func GroupFundingSummaries(ss []FundingSummary) []FundingGroup {
	return buildGroups(ss,
		func(s *FundingSummary) []ExternalID { return s.ExternalIDs.list() },
		func(s *FundingSummary) *Timestamp { return s.LastModifiedDate },
		func(ids ExternalIDs, last *Timestamp, m []FundingSummary) FundingGroup {
			return FundingGroup{LastModifiedDate: last, ExternalIDs: ids, Summaries: m}
		})
}

// GroupAffiliationSummaries groups affiliation summaries (of one kind) as
// /employments etc. show them.
func GroupAffiliationSummaries(ss []AffiliationSummary) []AffiliationGroup {
	return buildGroups(ss,
		func(s *AffiliationSummary) []ExternalID { return s.ExternalIDs.list() },
		func(s *AffiliationSummary) *Timestamp { return s.LastModifiedDate },
		func(ids ExternalIDs, last *Timestamp, m []AffiliationSummary) AffiliationGroup {
			return AffiliationGroup{LastModifiedDate: last, ExternalIDs: ids, Summaries: m}
		})
}

// GroupResearchResourceSummaries groups research-resource summaries by
// their proposal identifiers.
func GroupResearchResourceSummaries(ss []ResearchResourceSummary) []ResearchResourceGroup {
	return buildGroups(ss,
		func(s *ResearchResourceSummary) []ExternalID {
			if s.Proposal == nil {
				return nil
			}
			return s.Proposal.ExternalIDs.list()
		},
		func(s *ResearchResourceSummary) *Timestamp { return s.LastModifiedDate },
		func(ids ExternalIDs, last *Timestamp, m []ResearchResourceSummary) ResearchResourceGroup {
			return ResearchResourceGroup{LastModifiedDate: last, ExternalIDs: ids, Summaries: m}
		})
}

// GroupPeerReviewSummaries builds the two-level peer-review listing: one
// group per review-group-id (identified by a "peer-review" external id
// holding the group id), and inside it the summaries grouped by shared
// review identifiers.
func GroupPeerReviewSummaries(ss []PeerReviewSummary) []PeerReviewGroup {
	var order []string
	byGroup := map[string][]PeerReviewSummary{}
	for _, s := range ss {
		if _, ok := byGroup[s.ReviewGroupID]; !ok {
			order = append(order, s.ReviewGroupID)
		}
		byGroup[s.ReviewGroupID] = append(byGroup[s.ReviewGroupID], s)
	}
	out := make([]PeerReviewGroup, 0, len(order))
	for _, gid := range order {
		dups := buildGroups(byGroup[gid],
			func(s *PeerReviewSummary) []ExternalID { return s.ExternalIDs.list() },
			func(s *PeerReviewSummary) *Timestamp { return s.LastModifiedDate },
			func(ids ExternalIDs, last *Timestamp, m []PeerReviewSummary) PeerReviewDuplicates {
				return PeerReviewDuplicates{LastModifiedDate: last, ExternalIDs: ids, Summaries: m}
			})
		g := PeerReviewGroup{
			ExternalIDs: ExternalIDs{ExternalID: []ExternalID{{Type: "peer-review", Value: gid}}},
			Duplicates:  dups,
		}
		for _, d := range dups {
			g.LastModifiedDate = latest(g.LastModifiedDate, d.LastModifiedDate)
		}
		out = append(out, g)
	}
	return out
}

// BuildSection builds the section served at the kind's SectionPath from
// stored full items of that kind: *Works, *Fundings, *Affiliations,
// *PeerReviews or *ResearchResources (grouped summaries) for activities,
// and *Keywords, *OtherNames, *ResearcherURLs, *Addresses or
// *PersonExternalIdentifiers for person items. orcid, when not empty, sets
// the section's path attribute; item paths are taken as stored. An item of
// another kind is an error.
func BuildSection(kind ItemKind, orcid string, items []Item) (any, error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("orcid: unknown item kind %q", kind)
	}
	var last *Timestamp
	for i, it := range items {
		if it == nil || it.ItemKind() != kind {
			return nil, fmt.Errorf("orcid: item %d is not a %s", i, kind)
		}
		last = latest(last, NewTimestamp(it.GetLastModifiedDate()))
	}
	path := ""
	if orcid != "" {
		path = kind.SectionPathFor(orcid)
	}
	switch {
	case kind == KindWork:
		return &Works{Path: path, LastModifiedDate: last, Groups: GroupWorkSummaries(summaries(items, (*Work).Summary))}, nil
	case kind == KindFunding:
		return &Fundings{Path: path, LastModifiedDate: last, Groups: GroupFundingSummaries(summaries(items, (*Funding).Summary))}, nil
	case kind == KindPeerReview:
		return &PeerReviews{Path: path, LastModifiedDate: last, Groups: GroupPeerReviewSummaries(summaries(items, (*PeerReview).Summary))}, nil
	case kind == KindResearchResource:
		return &ResearchResources{Path: path, LastModifiedDate: last, Groups: GroupResearchResourceSummaries(summaries(items, (*ResearchResource).Summary))}, nil
	case kind.IsAffiliation():
		return &Affiliations{Kind: kind, Path: path, LastModifiedDate: last, Groups: GroupAffiliationSummaries(summaries(items, (*Affiliation).Summary))}, nil
	case kind == KindKeyword:
		return &Keywords{Path: path, LastModifiedDate: last, Keyword: values[Keyword](items)}, nil
	case kind == KindOtherName:
		return &OtherNames{Path: path, LastModifiedDate: last, OtherName: values[OtherName](items)}, nil
	case kind == KindResearcherURL:
		return &ResearcherURLs{Path: path, LastModifiedDate: last, ResearcherURL: values[ResearcherURL](items)}, nil
	case kind == KindAddress:
		return &Addresses{Path: path, LastModifiedDate: last, Address: values[Address](items)}, nil
	case kind == KindExternalIdentifier:
		return &PersonExternalIdentifiers{Path: path, LastModifiedDate: last, ExternalIdentifier: values[PersonExternalIdentifier](items)}, nil
	}
	return nil, fmt.Errorf("orcid: no section for kind %q", kind)
}

// summaries applies a Summary method to items already checked to be *T.
func summaries[T, S any](items []Item, summary func(*T) S) []S {
	out := make([]S, 0, len(items))
	for _, it := range items {
		if t, ok := any(it).(*T); ok {
			out = append(out, summary(t))
		}
	}
	return out
}

// values copies items already checked to be *T.
func values[T any](items []Item) []T {
	out := make([]T, 0, len(items))
	for _, it := range items {
		if t, ok := any(it).(*T); ok {
			out = append(out, *t)
		}
	}
	return out
}

// BuildActivitiesSummary builds /activities from all stored activities of a
// record. Every section is present, empty ones included, as ORCID serves
// them. Person items in items are ignored, so a caller may pass everything
// it stores for the record.
func BuildActivitiesSummary(orcid string, items []Item) (*ActivitiesSummary, error) {
	a := &ActivitiesSummary{}
	if orcid != "" {
		a.Path = "/" + orcid + "/activities"
	}
	for _, info := range kindTable {
		if info.Person {
			continue
		}
		sec, err := BuildSection(info.Kind, orcid, itemsOfKind(items, info.Kind))
		if err != nil {
			return nil, err
		}
		switch s := sec.(type) {
		case *Works:
			a.Works = s
			a.LastModifiedDate = latest(a.LastModifiedDate, s.LastModifiedDate)
		case *Fundings:
			a.Fundings = s
			a.LastModifiedDate = latest(a.LastModifiedDate, s.LastModifiedDate)
		case *PeerReviews:
			a.PeerReviews = s
			a.LastModifiedDate = latest(a.LastModifiedDate, s.LastModifiedDate)
		case *ResearchResources:
			a.ResearchResources = s
			a.LastModifiedDate = latest(a.LastModifiedDate, s.LastModifiedDate)
		case *Affiliations:
			*a.affiliationSections()[info.Kind] = s
			a.LastModifiedDate = latest(a.LastModifiedDate, s.LastModifiedDate)
		}
	}
	return a, nil
}

// BuildPerson builds /person from the stored person items of a record:
// other names, researcher URLs, addresses, keywords and external
// identifiers, each present even when empty. Name, biography and emails
// are not items; the caller sets them (Emails is preset to an empty section
// because the XSD requires it). Activities in items are ignored.
func BuildPerson(orcid string, items []Item) (*Person, error) {
	p := &Person{Emails: &Emails{}}
	if orcid != "" {
		p.Path = "/" + orcid + "/person"
		p.Emails.Path = "/" + orcid + "/email"
	}
	for _, info := range kindTable {
		if !info.Person {
			continue
		}
		sec, err := BuildSection(info.Kind, orcid, itemsOfKind(items, info.Kind))
		if err != nil {
			return nil, err
		}
		switch s := sec.(type) {
		case *OtherNames:
			p.OtherNames = s
			p.LastModifiedDate = latest(p.LastModifiedDate, s.LastModifiedDate)
		case *ResearcherURLs:
			p.ResearcherURLs = s
			p.LastModifiedDate = latest(p.LastModifiedDate, s.LastModifiedDate)
		case *Addresses:
			p.Addresses = s
			p.LastModifiedDate = latest(p.LastModifiedDate, s.LastModifiedDate)
		case *Keywords:
			p.Keywords = s
			p.LastModifiedDate = latest(p.LastModifiedDate, s.LastModifiedDate)
		case *PersonExternalIdentifiers:
			p.ExternalIdentifiers = s
			p.LastModifiedDate = latest(p.LastModifiedDate, s.LastModifiedDate)
		}
	}
	return p, nil
}

func itemsOfKind(items []Item, k ItemKind) []Item {
	return slices.DeleteFunc(slices.Clone(items), func(it Item) bool { return it == nil || it.ItemKind() != k })
}
