package sandbox

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// TestAPIUpdateAndDelete: a client reads its work, changes it, PUTs back
// exactly what it read (source, dates, visibility and normalised ids
// included), then deletes it; in both formats.
func TestAPIUpdateAndDelete(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.writeToken()
	for _, format := range []string{"application/vnd.orcid+json", "application/vnd.orcid+xml"} {
		t.Run(format, func(t *testing.T) {
			isJSON := strings.HasSuffix(format, "json")
			pc := e.post(tok, e.res.ORCID, "work", "application/json", workJSON("Before", "10.6/"+format))
			url := e.member3(fmt.Sprintf("/%s/work/%d", e.res.ORCID, pc))
			got := e.do(apiCall{method: "GET", url: url, token: tok, accept: format})
			w := decodeAs(t, orcid.KindWork, isJSON, got.body).(*orcid.Work)
			created := w.GetCreatedDate()
			w.Title.Title.Value = "After"
			var body []byte
			if isJSON {
				body, _ = json.Marshal(w)
			} else {
				body, _ = xml.Marshal(w)
			}
			time.Sleep(2 * time.Millisecond)
			resp := e.do(apiCall{method: "PUT", url: url, token: tok, contentType: format, accept: format, body: body})
			if resp.status != http.StatusOK {
				t.Fatalf("PUT: %d %s", resp.status, resp.body)
			}
			upd := decodeAs(t, orcid.KindWork, isJSON, resp.body).(*orcid.Work)
			if upd.Title.String() != "After" || upd.PutCode != pc || !upd.GetCreatedDate().Equal(created) || !upd.GetLastModifiedDate().After(created) {
				t.Errorf("PUT answered %+v", upd.ItemMeta)
			}
			if upd.GetSource().SourceClientID.Path != e.member.ID {
				t.Errorf("source after PUT: %+v", upd.GetSource())
			}
			again := decodeAs(t, orcid.KindWork, isJSON, e.do(apiCall{method: "GET", url: url, token: tok, accept: format}).body)
			if again.(*orcid.Work).Title.String() != "After" {
				t.Errorf("GET after PUT: %q", again.(*orcid.Work).Title.String())
			}
			if resp := e.do(apiCall{method: "DELETE", url: url, token: tok}); resp.status != http.StatusNoContent || len(resp.body) != 0 {
				t.Fatalf("DELETE: %d %s", resp.status, resp.body)
			}
			if resp := e.do(apiCall{method: "GET", url: url, token: tok}); resp.status != http.StatusNotFound {
				t.Errorf("GET after DELETE: %d", resp.status)
			}
			if resp := e.do(apiCall{method: "DELETE", url: url, token: tok}); resp.status != http.StatusNotFound {
				t.Errorf("second DELETE: %d", resp.status)
			}
		})
	}
}

// TestAPISourceIsTheCaller: whatever source a body claims, the item's
// source is the client whose token wrote it.
func TestAPISourceIsTheCaller(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.writeToken()
	body := strings.Replace(string(workJSON("Claimed", "10.6/src")), `{"title"`,
		`{"source":{"source-client-id":{"uri":"https://orcid.org/client/APP-0000000000000000","path":"APP-0000000000000000","host":"orcid.org"},"source-name":{"value":"Somebody Else"}},"title"`, 1)
	pc := e.post(tok, e.res.ORCID, "work", "application/json", []byte(body))
	resp := e.do(apiCall{method: "GET", url: e.member3(fmt.Sprintf("/%s/work/%d", e.res.ORCID, pc)), token: tok, accept: "application/json"})
	var w orcid.Work
	if err := json.Unmarshal(resp.body, &w); err != nil {
		t.Fatal(err)
	}
	src := w.GetSource()
	want := &orcid.OrcidIdentifier{URI: e.r.BaseURL() + "/client/" + e.member.ID, Path: e.member.ID, Host: e.r.Host()}
	if src == nil || src.SourceClientID == nil || *src.SourceClientID != *want || src.SourceName.String() != e.member.Name {
		t.Errorf("source %+v, want %+v named %q", src, want, e.member.Name)
	}
	if w.Path != fmt.Sprintf("/%s/work/%d", e.res.ORCID, pc) {
		t.Errorf("path %q", w.Path)
	}
}

// TestAPIDuplicates: the same identifiers are fine from another client,
// refused from the same one, and part-of identifiers never conflict.
func TestAPIDuplicates(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.writeToken()
	other := e.token(e.other, e.res.ORCID, ScopeActivitiesUpdate, ScopePersonUpdate)
	me := e.res.ORCID
	first := e.post(tok, me, "work", "application/json", workJSON("A", "10.6/dup"))
	e.post(other, me, "work", "application/json", workJSON("A", "10.6/dup"))
	partOf := []byte(`{"title":{"title":{"value":"Chapter"}},"type":"book-chapter","external-ids":{"external-id":[
	  {"external-id-type":"doi","external-id-value":"10.6/ch1","external-id-relationship":"self"},
	  {"external-id-type":"isbn","external-id-value":"978-3-16","external-id-relationship":"part-of"}]}}`)
	e.post(tok, me, "work", "application/json", partOf)
	e.post(tok, me, "work", "application/json", []byte(strings.Replace(string(partOf), "10.6/ch1", "10.6/ch2", 1)))
	// DOIs compare case-insensitively, whatever their prefix.
	resp := e.do(apiCall{method: "POST", url: e.member3("/" + me + "/work"), token: tok, contentType: "application/json", body: workJSON("A again", "https://doi.org/10.6/DUP")})
	if resp.status != 409 || resp.errorBody(t).ErrorCode != 9021 || !strings.Contains(resp.errorBody(t).DeveloperMessage, fmt.Sprintf("put-code %d.", first)) {
		t.Errorf("%d %s", resp.status, resp.body)
	}
	// Within one bulk too.
	bulk := fmt.Sprintf(`{"bulk":[{"work":%s},{"work":%s}]}`, workJSON("B1", "10.6/b"), workJSON("B2", "10.6/b"))
	resp = e.do(apiCall{method: "POST", url: e.member3("/" + me + "/works"), token: tok, contentType: "application/json", accept: "application/json", body: []byte(bulk)})
	var b orcid.Bulk
	if err := json.Unmarshal(resp.body, &b); err != nil || len(b.Items) != 2 || b.Items[0].Work == nil || b.Items[1].Error == nil || b.Items[1].Error.ErrorCode != 9021 {
		t.Errorf("bulk with a repeated DOI: %s", resp.body)
	}
	// Person items: the same keyword twice from one client is 9030.
	e.post(tok, me, "keywords", "application/json", []byte(`{"content":"glaciology"}`))
	resp = e.do(apiCall{method: "POST", url: e.member3("/" + me + "/keywords"), token: tok, contentType: "application/json", body: []byte(`{"content":"glaciology"}`)})
	if eb := resp.errorBody(t); resp.status != 409 || eb.ErrorCode != 9030 || !strings.Contains(eb.DeveloperMessage, "The element 'glaciology' of type 'keyword' is duplicated.") {
		t.Errorf("%d %s", resp.status, resp.body)
	}
}
