package orcid

import (
	"sort"
	"strings"
	"testing"
)

// The cases of ORCID-Source's own normaliser tests
// (orcid-core/src/test/java/org/orcid/core/utils/v3/identifiers/
// *NormalizerTest.java), which call each normaliser alone, without the
// case step: every input with the output ORCID asserts.
func TestNormalizersORCIDCases(t *testing.T) {
	type tc struct{ in, want string }
	suites := []struct {
		name  string
		norm  func(string) string
		cases []tc
	}{
		{"ArxivNormalizerTest", normalizeArxiv, []tc{
			{"0704.0001", "arXiv:0704.0001"},
			{"0704.0001v1", "arXiv:0704.0001v1"},
			{"0704.0001v2", "arXiv:0704.0001v2"},
			{"arxiv:0704.0001", "arXiv:0704.0001"},
			{"arXiv:0704.0001v1", "arXiv:0704.0001v1"},
			{"hep-th/9901001", "arXiv:hep-th/9901001"},
			{"hep-th/9901001v1", "arXiv:hep-th/9901001v1"},
			{"math.CA/0611800v2", "arXiv:math.CA/0611800v2"},
			{"ARXIV:hep-th/9901001", "arXiv:hep-th/9901001"},
			{"arxiv:math.CA/0611800v2", "arXiv:math.CA/0611800v2"},
			{"arXiv:physics/9901001v1 [physics.optics] 1 Jan 1999", "arXiv:physics/9901001v1"},
			{"arXiv:0706.0002v3 [astro-ph] 15 Mar 2008", "arXiv:0706.0002v3"},
			{"blah blah blah 0706.0002v3 [astro-ph] 15 Mar 2008", "arXiv:0706.0002v3"},
			{"219812y arxiv:math.CA/0611800v2", "arXiv:math.CA/0611800v2"},
			{"https://onlinelibrary.wiley.com/doi/pdf/10.1002/9781119425526.ch8", ""},
			{"http://arxiv.org/abs/1801.00006v1", "arXiv:1801.00006v1"},
		}},
		{"BibcodeNormalizerTest", normalizeBibcode, []tc{
			{"123456789.A23456789", "123456789.A23456789"},
			{"123456789.A23456789 ", "123456789.A23456789"},
			{" 123456789.A23456789", "123456789.A23456789"},
			{" 123456789.A23456789 ", "123456789.A23456789"},
			{"Bibcode: 123456789.A23456789 ", "123456789.A23456789"},
			{"BIBCODE:  123456789.A23456789 ", "123456789.A23456789"},
			{"bibcode 123456789.A23456789 ", "123456789.A23456789"},
			{"1974AJ.....79..819H", "1974AJ.....79..819H"},
			{" 123456789.A2345678 ", ""},
			{" 123456789. A23456789 ", ""},
			{"ABCD56789.A23456789", ""},
		}},
		{"DOINormalizerTest", normalizeDOI, []tc{
			{"10.123/123", "10.123/123"},
			{"10.1175/1520-0469(2002)059&amp;lt;2951:ROSSRB&amp;gt;2.0.CO;2", "10.1175/1520-0469(2002)059<2951:ROSSRB>2.0.CO;2"},
			{"https://dx.doi.org/10.123/123", "10.123/123"},
			{"http://doi.org/10.123/123", "10.123/123"},
			{"S0022-2828(12)00261-1 [pii]\n10.1016/j.yjmcc.2012.07.013", "10.1016/j.yjmcc.2012.07.013"},
			{" 10.1051/0004-6361/201424908", "10.1051/0004-6361/201424908"},
			{"052029\n10.1088/1742-6596/635/5/052029", "10.1088/1742-6596/635/5/052029"},
			{" doi:10.1016/B978-0-12-384947-2.00376-7", "10.1016/B978-0-12-384947-2.00376-7"},
			{"S0901-5027(13)00256-7 [pii] 10.1016/j.ijom.2013.05.017 [doi]\n10.1016/j.ijom.2013.05.017. Epub 2013 Jun 28.", "10.1016/j.ijom.2013.05.017"},
			{"dx.doi.org/10.24273/JGEET.2016.11.9", "10.24273/JGEET.2016.11.9"},
			{"Br J Sports Med 2013;47:e3 doi:10.1136/bjsports-2013-092558.24", "10.1136/bjsports-2013-092558.24"},
			{"ISSN 2040-4689 10.1386/crre.8.1.141_7", "10.1386/crre.8.1.141_7"},
			{"doi:10.1016/j.foodqual.2016.02.012", "10.1016/j.foodqual.2016.02.012"},
			{"DOI: 10.1039/c5ra23133g", "10.1039/c5ra23133g"},
			{"DOI 10.1007/978-981-10-5520-1_60", "10.1007/978-981-10-5520-1_60"},
			{"DOI:http://dx.doi.org/10.1103/PhysRevApplied.4.014012", "10.1103/PhysRevApplied.4.014012"},
			{" DOI 10.4236/ojgen.2013.33021 ", "10.4236/ojgen.2013.33021"},
			{"Doi:10.3153/jfscom.201420", "10.3153/jfscom.201420"},
			{"http://10.1016/j.lrp.2014.03.001", "10.1016/j.lrp.2014.03.001"},
			{"http:/dx.doi.org/10.5965/1414573101242015147", "10.5965/1414573101242015147"},
			{"http://www.dx.doi.org/10.5935/1415-2762.20160006", "10.5935/1415-2762.20160006"},
			{"http://scitation.aip.org/content/aip/journal/jcp/115/11/10.1063/1.1395625", "10.1063/1.1395625"},
			{"https://doi.org/10.1049/el:20000645", "10.1049/el:20000645"},
			{"https://doi.org/10.1016/S0920-5632(02)80001-9", "10.1016/S0920-5632(02)80001-9"},
			{"10.1016/j.ijom.2013.05.017.", "10.1016/j.ijom.2013.05.017."},
			{"10.978.962201/9270", "10.978.962201/9270"},
			{"10.978.98878270/23", "10.978.98878270/23"},
			{"10.24192/2386-7027(2015)(v3)(09)", "10.24192/2386-7027(2015)(v3)(09)"},
			{"ijiv11i2a8", ""},
			{"doi:10.1038", ""},
			{"papers3://publication/doi/10.1038", ""},
			{"Unisinos - 10.4013 /cld.2016.141.04", ""},
		}},
		{"ISBNNormalizerTest", normalizeISBN, []tc{
			{"0168-132X/n0-7923-4604-1", "0792346041"},
			{"0065-3071;978-3-8055-8113-4", "9783805581134"},
			{"\" ISBN: 92-828-5179-6 ISSN: 1018-5593\"", "9282851796"},
			{"0-444-51034-6 (cloth);0531-5131", "0444510346"},
			{"(10) 1-4438-3289-8", "1443832898"},
			{"(13): 978-84-939843-2-8", "9788493984328"},
			{"(978) 963 301 489 1", "9633014891"},
			{"ISBN-10: 0470860782", "0470860782"},
			{"ISBN: 972-829-898-6", "9728298986"},
			{"\" ISBN: 978-972-789-400-0. \"", "9789727894000"},
			{"{ISBN} 1-86094-191-5", "1860941915"},
			{"ISBN: 978385476-449-6", "9783854764496"},
			{"Print 978-3-642-22940-4; Online 978-3-642-22941-1", "9783642229404"},
			{"978-1-4939-2530-8 978-1-4939-2531-5", "9781493925308"},
			{"\" 9781136218125 1136218122 9780203096437 0203096436\"", "9781136218125"},
			{"\"ISBN-13: 978-3-8443-1057-3, ISBN-10: 3844310576, EAN: 9783844310573\"", "9783844310573"},
			{"{981-238-860-5}", "9812388605"},
			{"^\\^^9789185245313", "9789185245313"},
			{"Vol. 4 ISBN 951-817-386-9.\"", "9518173869"},
			{"\"9780415801744 (hardback acid-free paper)", "9780415801744"},
			{"\"ISBN 978-3-85132-675-8, 2012\"", "9783851326758"},
			{"\"Palgrave 2012, paperback, 978-0-230-27567-6 \"", "9780230275676"},
			{"國際標準書號:1572731109", "1572731109"},
			{"國際標準書號:157273110X", "157273110X"},
			{"國際標準書號:157273110x", "157273110X"},
			{"ISBN: 123-456-7-89x junk", "123456789X"},
			{"\"0065-2113", ""},
			{"12345678901", ""},
			{"123456789", ""},
		}},
		{"ISSNNormalizerTest", normalizeISSN, []tc{
			{"1234-5678", "1234-5678"},
			{"1234-567X", "1234-567X"},
			{"0210-9980 DOI: 10.7203/saitabi.64.7258", "0210-9980"},
			{"Print ISSN: 0974–2441  Online ISSN: 2455–3891", "0974-2441"},
			{"09599428 13645501", "0959-9428"},
			{"13886150", "1388-6150"},
			{"0008-5472;1538-7445", "0008-5472"},
			{"ISSN 0121-053X  ISSN en línea 2346-1829", "0121-053X"},
			{"ISSN  0123- 4870   ISSN- E; 0120- 2146", "0123-4870"},
			{"ISSN 0123-4412", "0123-4412"},
			{"0277-786X;978-0-8194-9002-5", "0277-786X"},
			{" (e): 2250-3021, ISSN (p): 2278-8719", "2250-3021"},
			{"EI Accession number: 10179064", "1017-9064"},
			{"ISSN: 2351-8200", "2351-8200"},
			{"ISSN-1870-3984", "1870-3984"},
			{"1434-9949 (Electronic) 0770-3198 (Linking)", "1434-9949"},
			{"1473 - 0111 ", "1473-0111"},
			{"0365-0340 (Print) 1476-3567 (Online)", "0365-0340"},
			{"978-85-17-00088-1", ""},
			{"1234567", ""},
			{"123456789", ""},
			{"issn:12345678", "1234-5678"},
			{"11223344", "1122-3344"},
		}},
		{"PMCNormalizerTest", normalizePMC, []tc{
			{"22030407", "22030407"},
			{"    PMC4731170", "4731170"},
			{"pmc4901884", "4901884"},
			{"Pmc4582883", "4582883"},
			{"PMC 1234567", "1234567"},
			{"123456", "123456"},
			{"12345", "12345"},
			{" 12345678", "12345678"},
			{"PMID: 25123551 [PubMed - in process] PMCID: PMC4146442 ", "4146442"},
			{"PMID: 27930716 PMCID: PMC5145179 DOI: 10.1371/journal.pone.0167675", "5145179"},
			{"PMCID: PMC4937647", "4937647"},
			{"12690141  PMCID: PMC1744630", "1744630"},
			{"PMID: 25533354", ""},
			{"ISSN: 0363-0269", ""},
			{"EMS58897", ""},
			{"PMID: 9360540 DOI: 10.1210/jcem.82.11.4385", ""},
			{"dx.doi.org/10.1021/jf2029972", ""},
			{"Helicobacter ISSN 1523-5378", ""},
			{"574: Modeling of Pipeline Corrosion Deterioration Mechanism with a Lévy Process Based on ILI (In‐Line) Inspections", ""},
			{"0000-0003-0245-8683", ""},
			{"UKMS36054", ""},
			{"Biol Res Nursing", ""},
			{"pub med", ""},
			{"www.sciencedirect.com/science/article/pii/S1741940905000932", ""},
			{"NIHMS599470", ""},
			{"?", ""},
		}},
		{"PMIDNormalizerTest", normalizePMID, []tc{
			{" 23684069 ", "23684069"},
			{"25392386 ", "25392386"},
			{" 22301346", "22301346"},
			{"PMID: 10082085", "10082085"},
			{"PMID: 21054200 [PubMed - indexed for MEDLINE]", "21054200"},
			{"PMID: 9528837 [PubMed - indexed for MEDLINE] PMCID: PMC2150087", "9528837"},
			{"PMID: 28005710 ", "28005710"},
			{"PMID:   28005710", "28005710"},
			{"      28005710 ", "28005710"},
			{"PubMed PMID: 19006866", "19006866"},
			{"doi: 10.1007/s10827-015-0564-6. Epub 2015 Apr 24. PMID: 25904470", "25904470"},
			{"http://europepmc.org/abstract/med/26687626", "26687626"},
			{"http://europepmc.org/abstract/MED/26687626", "26687626"},
			{"http://www.ncbi.nlm.nih.gov/pubmed/16475611", "16475611"},
			{"J Psychopharmacol. 2014 Oct;28(10):935-46. doi: 10.1177/0269881114542856. Epub 2014 Jul 16.", ""},
			{"PMC27092172", ""},
			{"0000-0003-0245-8683", ""},
			{"ISI:000232786000040", ""},
			{"10.3991%2Fijet.v3i0.551", ""},
			{"org/10.1016/j.psychres.2017.05.027", ""},
			{"MR2098779", ""},
			{"orci,org/0000-0003-2246-8555", ""},
		}},
	}
	for _, s := range suites {
		for _, c := range s.cases {
			if got := s.norm(c.in); got != c.want {
				t.Errorf("%s: %q → %q, ORCID gives %q", s.name, c.in, got, c.want)
			}
		}
	}
}

// NormalizeExternalID is the whole PIDNormalizationService: the case step
// first, then the type's normaliser. The expectations follow from ORCID's
// code; the first three are PIDNormalizationServiceTest's.
func TestNormalizeExternalID(t *testing.T) {
	cases := []struct {
		typ, in, want string
		ok            bool
	}{
		{"agr", "UPPER", "upper", true},                              // checkCaseNormalized
		{"doi", "https://dx.doi.org/10.1/UPPER", "10.1/upper", true}, // checkDOIAndCaseNormalized
		{"isbn", "ISBN: 123-456-7-89x junk", "123456789X", true},     // checkISBNAndCaseNormalized
		{"doi", "DOI:10.1000/ABC", "10.1000/abc", true},
		{"doi", "work:doi", "", false}, // record-full-3.0.json's 8001 example
		{"isbn", "978-3-16-148410-0", "9783161484100", true},
		{"isbn", "9783161484100", "9783161484100", true},
		{"isbn", "12345", "", false},
		{"pmid", "PMID:123", "123", true},
		{"pmid", "123", "123", true},
		{"pmc", "PMC1234567", "1234567", true},
		// Lower-cased first, "PMC" can no longer stop the bare number, so
		// the whole service keeps the PMID that PMCNormalizerTest's
		// (case-less) run skips.
		{"pmc", "12690141  PMCID: PMC1744630", "12690141", true},
		{"issn", "1234-567x", "1234-567X", true},
		{"arxiv", "ARXIV:1501.00001V2", "arXiv:1501.00001v2", true},
		{"bibcode", "1974AJ.....79..819H", "1974AJ.....79..819H", true}, // case-sensitive: kept
		{"rrid", "rrid:AB_123456", "RRID:AB_123456", true},
		{"rrid", "ab_123456", "", false}, // case-sensitive: the authority must be upper case
		{"uri", "Example.org/A", "http://Example.org/A", true},
		{"uri", "https://Example.org/A", "https://Example.org/A", true},
		{"uri", "HTTP://x", "http://HTTP://x", true},
		{"source-work-id", "ABC-1", "abc-1", true},
		{"handle", "HDL:1721.1/ABC", "hdl:1721.1/abc", true}, // no handle normaliser: case only
		{"ark", "ark:/13030/TF5P30086K", "ark:/13030/TF5P30086K", true},
		{"grant_number", "GN-1", "gn-1", true},
		{"other-id", "", "", false},
		{"not-a-type", "Value", "Value", true}, // unknown: unchanged, as ORCID's service
		{"DOI", "10.1/X", "10.1/X", true},      // type names are case-sensitive
	}
	for _, c := range cases {
		got, ok := NormalizeExternalID(c.typ, c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizeExternalID(%q, %q) = %q, %v; want %q, %v", c.typ, c.in, got, ok, c.want, c.ok)
		}
	}
}

// The table is ORCID's database after db-master.xml: 52 types (cvid
// deleted), the case-sensitive ones of the fact sheet §17, unique ids and
// names, and ExternalIDTypes derived from it.
func TestIdentifierTable(t *testing.T) {
	types := IdentifierTypes()
	if len(types) != 52 {
		t.Fatalf("%d types, ORCID has 52", len(types))
	}
	seenName, seenPC := map[string]bool{}, map[int64]bool{}
	var caseSensitive, fundedBy []string
	for i, ty := range types {
		if seenName[ty.Name] || seenPC[ty.PutCode] {
			t.Errorf("duplicate %q / %d", ty.Name, ty.PutCode)
		}
		seenName[ty.Name], seenPC[ty.PutCode] = true, true
		if i > 0 && types[i-1].PutCode >= ty.PutCode {
			t.Errorf("%q out of id order", ty.Name)
		}
		if ty.PrimaryUse != "work" || ty.Deprecated || ty.Description == "" {
			t.Errorf("%+v", ty)
		}
		if ty.Name != strings.ToLower(ty.Name) || strings.Contains(ty.Name, "_") && ty.Name != "grant_number" {
			t.Errorf("%q is not an API name", ty.Name)
		}
		if ty.CaseSensitive {
			caseSensitive = append(caseSensitive, ty.Name)
		}
		if ty.FundedBy {
			fundedBy = append(fundedBy, ty.Name)
		}
		got, ok := IdentifierType(ty.Name)
		if !ok || got != ty {
			t.Errorf("IdentifierType(%q) = %+v, %v", ty.Name, got, ok)
		}
	}
	if seenName["cvid"] {
		t.Error("cvid was removed by remove-cv-id.xml")
	}
	sort.Strings(caseSensitive)
	if got := strings.Join(caseSensitive, " "); got != "ark bibcode cgn emdb empiar ethos k10plus ol rrid uri" {
		t.Errorf("case-sensitive types: %s", got)
	}
	sort.Strings(fundedBy)
	if got := strings.Join(fundedBy, " "); got != "doi grant_number proposal-id uri" {
		t.Errorf("funded-by types: %s", got)
	}
	if !sort.StringsAreSorted(ExternalIDTypes) || len(ExternalIDTypes) != len(types) {
		t.Errorf("ExternalIDTypes is not the sorted table: %v", ExternalIDTypes)
	}
	for _, n := range ExternalIDTypes {
		if !seenName[n] {
			t.Errorf("ExternalIDTypes has %q", n)
		}
	}
	if doi, _ := IdentifierType("doi"); doi.ResolutionPrefix != "https://doi.org/" || doi.Description != "doi: Digital object identifier" {
		t.Errorf("doi: %+v", doi)
	}
	if _, ok := IdentifierType("DOI"); ok {
		t.Error("DOI (upper case) is not an ORCID type")
	}
	// IdentifierTypes hands out copies.
	types[0].Name = "changed"
	if IdentifierTypes()[0].Name != "other-id" {
		t.Error("IdentifierTypes exposes its table")
	}
}

// external-id-normalized and its 8001 error as the two read converters
// produce them.
func TestNormalizedForRead(t *testing.T) {
	w := ExternalID{Type: "doi", Value: "https://doi.org/10.1/ABC"}.NormalizedForRead()
	if w.Normalized == nil || w.Normalized.Value != "10.1/abc" || !w.Normalized.Transient || w.NormalizedError != nil {
		t.Errorf("doi: %+v", w)
	}
	bad := ExternalID{Type: "doi", Value: "work:doi"}.NormalizedForRead()
	want := TransientError{ErrorCode: "8001", ErrorMessage: "Cannot normalize identifier value doi:work:doi", Transient: true}
	if bad.Normalized != nil || bad.NormalizedError == nil || *bad.NormalizedError != want {
		t.Errorf("work:doi: %+v %+v", bad, bad.NormalizedError)
	}
	// A blank normalised value is an error for works, but neither for
	// affiliations, whose converter only reports an empty one.
	blank := ExternalID{Type: "other-id", Value: " \t"}
	if x := blank.NormalizedForRead(); x.Normalized != nil || x.NormalizedError != nil {
		t.Errorf("blank value (stored as none by ORCID): %+v", x)
	}
	sp := ExternalID{Type: "source-work-id", Value: "x"}
	if x := sp.NormalizedForAffiliation(); x.Normalized == nil || x.Normalized.Value != "x" {
		t.Errorf("affiliation: %+v", x)
	}
	if x := (ExternalID{Type: "isbn", Value: "nope"}).NormalizedForAffiliation(); x.NormalizedError == nil || x.Normalized != nil {
		t.Errorf("affiliation isbn error: %+v", x)
	}
	// Anything a client sent is replaced.
	sent := ExternalID{Type: "pmid", Value: "PMID:5", Normalized: &TransientText{Value: "9"}, NormalizedError: &TransientError{}}
	if x := sent.NormalizedForRead(); x.Normalized.Value != "5" || x.NormalizedError != nil {
		t.Errorf("recomputed: %+v", x)
	}
}

// Java's String.toLowerCase special cases and commons-lang3's unescapeXml,
// which the DOI and case steps rely on.
func TestJavaHelpers(t *testing.T) {
	for in, want := range map[string]string{
		"ABC":      "abc",
		"İSTANBUL": "i\u0307stanbul",
		"ΟΔΟΣ":     "οδος",
		"ΟΔΟΣ.":    "οδος.",
		"ΣΑ":       "σα",
		"ΑΣΑ":      "ασα",
		"Σ":        "σ",
		"ΑΣ1":      "ας1",
		"ÉCOLE":    "école",
	} {
		if got := javaLowerCase(in); got != want {
			t.Errorf("javaLowerCase(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"a &amp;lt; b":      "a &lt; b",
		"&quot;&apos;&gt;":  `"'>`,
		"&#65;&#x42;&#X43;": "ABC",
		"&#65":              "&#65", // the semicolon is required
		"&#1a;":             "&#1a;",
		"&#x110000;":        "&#x110000;",
		"&#;":               "&#;",
		"&unknown;":         "&unknown;",
	} {
		if got := unescapeXML(in); got != want {
			t.Errorf("unescapeXML(%q) = %q, want %q", in, got, want)
		}
	}
	// Doubly escaped DOIs unescape to the end, as DOINormalizer's loop.
	if got := normalizeDOI("10.1/a&amp;amp;lt;b"); got != "10.1/a<b" {
		t.Errorf("normalizeDOI double escape = %q", got)
	}
	// Java 21's \b: a combining mark after the digits continues the word.
	if got := normalizePMC("PMC12345\u0301"); got != "" {
		t.Errorf("normalizePMC with a combining mark = %q", got)
	}
	if got := normalizeArxiv("1501.00001\u0301"); got != "" {
		t.Errorf("normalizeArxiv with a combining mark = %q", got)
	}
}

// Validate refuses what ORCID's identifier table does not hold, names the
// lower-case type when only the case is wrong, refuses values ORCID could
// not normalise (8001), and sends every value unchanged.
func TestValidateIdentifierTypes(t *testing.T) {
	problem := func(x ExternalID) string {
		w := validWork()
		w.ExternalIDs.ExternalID = append(w.ExternalIDs.ExternalID, x)
		err := Validate(w)
		if err == nil {
			return ""
		}
		var msgs []string
		for _, p := range err.(*ValidationError).Problems {
			msgs = append(msgs, p.Field+": "+p.Message)
		}
		return strings.Join(msgs, "; ")
	}
	for _, c := range []struct {
		x    ExternalID
		want string // substring of the problem, "" for none
	}{
		{ExternalID{Type: "DOI", Value: "10.1/x", Relationship: RelationshipPartOf}, `type names are lower case ("doi")`},
		{ExternalID{Type: "cvid", Value: "1", Relationship: RelationshipPartOf}, `"cvid" is not one of ORCID's identifier types`},
		{ExternalID{Type: "pmid", Value: "no digits", Relationship: RelationshipPartOf}, "error 8001"},
		{ExternalID{Type: "arxiv", Value: "arXiv", Relationship: RelationshipPartOf}, "error 8001"},
		{ExternalID{Type: "doi", Value: "doi 12345", Relationship: RelationshipPartOf}, "is not a DOI"},
		{ExternalID{Type: "pmid", Value: "PMID: 123", Relationship: RelationshipPartOf}, ""},
		{ExternalID{Type: "raid", Value: "https://raid.org/10.1/X", Relationship: RelationshipPartOf}, ""},
		{ExternalID{Type: "uri", Value: "anything at all", Relationship: RelationshipPartOf}, ""},
		{ExternalID{Type: "grant_number", Value: "G-1", Relationship: RelationshipPartOf}, ""},
	} {
		got := problem(c.x)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s %q: problems %q, want %q", c.x.Type, c.x.Value, got, c.want)
		}
	}
	w := validWork()
	w.ExternalIDs.ExternalID[0].Value = "https://doi.org/10.5555/ABC"
	w.ExternalIDs.ExternalID = append(w.ExternalIDs.ExternalID, ExternalID{Type: "isbn", Value: "978-3-16-148410-0", Relationship: RelationshipPartOf})
	if err := Validate(w); err != nil {
		t.Fatal(err)
	}
	if x := w.ExternalIDs.ExternalID; x[0].Value != "https://doi.org/10.5555/ABC" || x[1].Value != "978-3-16-148410-0" || x[0].Normalized != nil || x[1].Normalized != nil {
		t.Errorf("Validate changed the identifiers: %+v", x)
	}
}
