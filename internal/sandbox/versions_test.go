package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestAPIVersions: paths without /v3.0/ answer as ORCID's version filters
// (DefaultApiVersionFilter, ApiVersionCheckFilter) make them, and the
// site's own pages are untouched.
func TestAPIVersions(t *testing.T) {
	e := newAPIEnv(t)
	base, id := e.r.BaseURL(), e.res.ORCID
	tok := e.writeToken()
	tests := []struct {
		name, method, path, accept string
		status                     int
		location                   string // "" for none
		body                       []string
	}{
		{"no version", "GET", "/" + id + "/works?x=1", "", 302, base + "/v3.0/" + id + "/works", nil},
		{"no version, POST too", "POST", "/" + id + "/work", "", 302, base + "/v3.0/" + id + "/work", nil},
		{"no version, API root", "GET", "/group-id-record", "", 302, base + "/v3.0/group-id-record", nil},
		{"no version, Public API", "GET", "/pub/" + id + "/record", "", 302, base + "/pub/v3.0/" + id + "/record", nil},
		{"release candidate, XML", "GET", "/v3.0_rc1/" + id + "/works", "application/vnd.orcid+xml", 308, base + "/v3.0/" + id + "/works",
			[]string{"<response-code>308</response-code>", "<error-code>9056</error-code>",
				"<developer-message>Release candidates for V3.0 are now disabled, your request will be redirected to the corresponding V3.0 end point</developer-message>"}},
		{"release candidate, JSON", "GET", "/v3.0_rc2/" + id + "/works", "application/json", 308, base + "/v3.0/" + id + "/works",
			[]string{`"responseCode":301`, `"errorCode":9056`, `"moreInfo":null`,
				`"developerMessage":"Release candidates for V2.0 are now disabled`, `"userMessage":"Release candidates for V3.0 are now disabled`}},
		{"v2.0 candidate", "GET", "/pub/v2.0_rc4/" + id + "/works", "", 308, base + "/pub/v2.0/" + id + "/works", []string{"V2.0"}},
		{"v2.1 candidate says V3.0", "GET", "/v2.1_rc1/" + id + "/works", "", 308, base + "/v2.1/" + id + "/works", []string{"V3.0"}},
		{"v1.2 goes to v3.0", "GET", "/v1.2/" + id + "/orcid-profile", "", 308, base + "/v3.0/" + id + "/orcid-profile", []string{"9056"}},
		{"v4.0", "PUT", "/v4.0/" + id + "/work/1", "", 308, base + "/v3.0/" + id + "/work/1", nil},
		{"v2.0 not served", "GET", "/v2.0/" + id + "/works", "application/json", 404, "", []string{`"error-code":9001`, "v3.0 only"}},
		{"v2.1 not served", "GET", "/pub/v2.1/" + id + "/record", "", 404, "", []string{">9001</error-code>"}},
		{"versionless POST on a passed-over path", "POST", "/search/", "", 400, "", nil},
		{"site home", "GET", "/", "", 200, "", nil},
		{"site record page", "GET", "/" + id, "", 200, "", nil},
		{"site page, wrong method", "PUT", "/signin", "", 405, "", nil},
		{"unknown site path", "GET", "/no/such/page", "", 404, "", nil},
		{"v3.0 itself", "GET", "/v3.0/" + id + "/works", "application/json", 200, "", nil},
	}
	noRedirects := *e.http
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			resp, err := noRedirects.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			buf := make([]byte, 4096)
			for {
				n, err := resp.Body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			resp.Body.Close()
			body := b.String()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
			for _, want := range tc.body {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q:\n%s", want, body)
				}
			}
			switch tc.status {
			case 302:
				if body != "" {
					t.Errorf("302 with a body: %q", body)
				}
			case 308:
				if ct := resp.Header.Get("Content-Type"); ct != "" {
					t.Errorf("308 Content-Type %q, want none (the filter sets none)", ct)
				}
				if strings.Contains(tc.accept, "json") && !json.Valid([]byte(body)) {
					t.Errorf("JSON body does not parse: %q", body)
				}
			case 400:
				if body != "" {
					t.Errorf("versionless 400 with a body %q; ORCID's legacy mapper sends none", body)
				}
			}
		})
	}
}

// TestFundingAmount: a funding's amount is checked as ORCID checks it:
// the currency against java.util.Currency (XML 9051 naming the class, JSON
// 9047) and the value with Java's number grammar (9054).
func TestFundingAmount(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.writeToken()
	withAmount := func(value, currency string) []byte {
		return []byte(strings.Replace(string(fundingJSON()), `"type":"grant",`,
			`"type":"grant","amount":{"value":"`+value+`","currency-code":"`+currency+`"},`, 1))
	}
	fundingXML := func(value, currency string) []byte {
		return []byte(`<funding:funding xmlns:funding="http://www.orcid.org/ns/funding" xmlns:common="http://www.orcid.org/ns/common">
  <funding:type>grant</funding:type>
  <funding:title><common:title>Grant</common:title></funding:title>
  <funding:amount currency-code="` + currency + `">` + value + `</funding:amount>
  <common:external-ids><common:external-id><common:external-id-type>grant_number</common:external-id-type>
    <common:external-id-value>G-` + currency + value + `</common:external-id-value><common:external-id-relationship>self</common:external-id-relationship></common:external-id></common:external-ids>
  <common:organization><common:name>Funder</common:name><common:address><common:city>Boston</common:city><common:country>US</common:country></common:address>
    <common:disambiguated-organization><common:disambiguated-organization-identifier>https://ror.org/05qwgg493</common:disambiguated-organization-identifier><common:disambiguation-source>ROR</common:disambiguation-source></common:disambiguated-organization></common:organization>
</funding:funding>`)
	}
	n := 0
	tests := []struct {
		name        string
		contentType string
		body        []byte
		status      int
		code        int
		dev         string
	}{
		{"EUR", "application/json", withAmount("1000", "EUR"), 201, 0, ""},
		{"Java number", "application/json", withAmount("1e6", "USD"), 201, 0, ""},
		{"withdrawn currency Java still knows", "application/json", withAmount("5", "DEM"), 201, 0, ""},
		{"lower case, JSON", "application/json", withAmount("1000", "eur"), 400, 9047, "IllegalEnumValueException"},
		{"unknown, JSON", "application/json", withAmount("1000", "EUX"), 400, 9047, `Amount["currency-code"]`},
		{"unknown, XML", "application/vnd.orcid+xml", fundingXML("1000", "EUX"), 400, 9051, "invalid value 'EUX' for enum 'java.util.Currency'"},
		{"XML, valid", "application/vnd.orcid+xml", fundingXML("12.50", "GBP"), 201, 0, ""},
		{"separators", "application/json", withAmount("1,000", "EUR"), 400, 9054, "invalid amount"},
		{"not a number, XML", "application/vnd.orcid+xml", fundingXML("ten", "EUR"), 400, 9054, "invalid amount"},
		{"no value", "application/json", withAmount(" ", "EUR"), 400, 9020, "Please specify an amount or remove the amount tag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if tc.contentType == "application/json" {
				// distinct identifiers, so that no case is a duplicate
				n++
				body = []byte(strings.Replace(string(body), `"G-1"`, `"G-`+strings.Repeat("x", n)+`"`, 1))
			}
			resp := e.do(apiCall{method: "POST", url: e.member3("/" + e.res.ORCID + "/funding"), token: tok,
				contentType: tc.contentType, accept: tc.contentType, body: body})
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", resp.status, tc.status, resp.body)
			}
			if tc.code != 0 {
				eb := resp.errorBody(t)
				if eb.ErrorCode != tc.code || !strings.Contains(eb.DeveloperMessage, tc.dev) {
					t.Errorf("error %d %q, want %d containing %q", eb.ErrorCode, eb.DeveloperMessage, tc.code, tc.dev)
				}
			}
		})
	}
}
