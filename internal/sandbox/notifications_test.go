package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// notificationXML is a permission notification as a client posts it
// (the orcid-model sample without what ORCID sets itself).
func notificationXML(itemType, intro string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<notification:notification xmlns:common="http://www.orcid.org/ns/common" xmlns:notification="http://www.orcid.org/ns/notification">
  <notification:notification-type>permission</notification:notification-type>
  <notification:authorization-url>
    <notification:path>/oauth/authorize?client_id=APP-1&amp;response_type=code&amp;scope=/activities/update&amp;redirect_uri=https://app.example.org/cb</notification:path>
  </notification:authorization-url>
  <notification:notification-subject>your recent publications</notification:notification-subject>
  <notification:notification-intro>` + intro + `</notification:notification-intro>
  <notification:items>
    <notification:item>
      <notification:item-type>` + itemType + `</notification:item-type>
      <notification:item-name>A Really Interesting Research Article</notification:item-name>
      <common:external-id>
        <common:external-id-type>doi</common:external-id-type>
        <common:external-id-value>10.5555/12345</common:external-id-value>
        <common:external-id-relationship>self</common:external-id-relationship>
      </common:external-id>
    </notification:item>
  </notification:items>
</notification:notification>`)
}

const notificationJSONBody = `{"notification-type":"permission",
 "authorization-url":{"uri":"https://sandbox.orcid.org/oauth/authorize?client_id=APP-1&response_type=code&scope=/activities/update&redirect_uri=https://app.example.org/cb"},
 "notification-subject":"your affiliation","notification-intro":"Please let us add it.",
 "items":{"item":[{"item-type":"employment","item-name":"Head of Research"}]}}`

type notificationFixture struct {
	e              *apiEnv
	premium, other Client
	tok, otherTok  string
}

func newNotificationFixture(t *testing.T) *notificationFixture {
	t.Helper()
	e := newAPIEnv(t)
	mk := func(name string) Client {
		c, err := e.r.CreateClient(context.Background(), NewClient{Name: name, Type: "member", Premium: true, RedirectURIs: []string{"https://app.example.org/cb"}}, false)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f := &notificationFixture{e: e, premium: mk("Premium Journal"), other: mk("Other Premium")}
	f.tok = e.token(f.premium, "", ScopePremiumNotification)
	f.otherTok = e.token(f.other, "", ScopePremiumNotification)
	return f
}

func (f *notificationFixture) url(orcidID string, id ...string) string {
	u := f.e.member3("/" + orcidID + "/notification-permission")
	for _, s := range id {
		u += "/" + s
	}
	return u
}

// create posts a notification and returns its id.
func (f *notificationFixture) create(t *testing.T, orcidID, token, contentType string, body []byte) string {
	t.Helper()
	r := f.e.do(apiCall{method: "POST", url: f.url(orcidID), token: token, contentType: contentType, body: body})
	if r.status != http.StatusCreated {
		t.Fatalf("POST: %d\n%s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	prefix := f.url(orcidID) + "/"
	if !strings.HasPrefix(loc, prefix) {
		t.Fatalf("Location %q does not start with %q", loc, prefix)
	}
	return strings.TrimPrefix(loc, prefix)
}

// TestNotificationsCRUD: create (XML and JSON), read one, list, archive.
// The notification schema is not among the reference XSDs (and ORCID's
// schemas are never copied here), so the answers' content is checked
// element by element.
func TestNotificationsCRUD(t *testing.T) {
	f := newNotificationFixture(t)
	e, me := f.e, f.e.res.ORCID
	id := f.create(t, me, f.tok, "application/vnd.orcid+xml", notificationXML("work", "We would like to add your article."))
	id2 := f.create(t, me, f.tok, "application/json", []byte(notificationJSONBody))
	f.create(t, me, f.otherTok, "application/json", []byte(notificationJSONBody))

	r := e.do(apiCall{method: "GET", url: f.url(me, id), token: f.tok, accept: "application/vnd.orcid+xml"})
	if r.status != 200 {
		t.Fatalf("GET: %d\n%s", r.status, r.body)
	}
	for _, want := range []string{`put-code="` + id + `"`, "<notification-type", ">permission<", "A Really Interesting Research Article", "Premium Journal", "created-date", f.premium.ID} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("GET XML lacks %q:\n%s", want, r.body)
		}
	}
	r = e.do(apiCall{method: "GET", url: f.url(me, id2), token: f.tok, accept: "application/json"})
	var n struct {
		PutCode          int64             `json:"put-code"`
		Type             string            `json:"notification-type"`
		AuthorizationURL map[string]string `json:"authorization-url"`
		Subject          string            `json:"notification-subject"`
		Items            struct {
			Item []struct {
				Type string `json:"item-type"`
				Name string `json:"item-name"`
			} `json:"item"`
		} `json:"items"`
		ArchivedDate any `json:"archived-date"`
		ReadDate     any `json:"read-date"`
	}
	if err := json.Unmarshal(r.body, &n); err != nil || r.status != 200 {
		t.Fatalf("GET JSON: %d %v\n%s", r.status, err, r.body)
	}
	if n.Type != "permission" || n.Subject != "your affiliation" || len(n.Items.Item) != 1 || n.Items.Item[0].Type != "employment" ||
		!strings.HasPrefix(n.AuthorizationURL["uri"], "https://sandbox.orcid.org/oauth/authorize") || n.ArchivedDate != nil || n.ReadDate != nil {
		t.Errorf("GET JSON: %+v\n%s", n, r.body)
	}

	// ORCID stores the full URI (base URL + path when only a path was
	// given) and answers it with its path and ORCID's host.
	if n.AuthorizationURL["host"] != e.r.Host() || !strings.HasPrefix(n.AuthorizationURL["path"], "/oauth/authorize?client_id=APP-1") {
		t.Errorf("authorization-url: %v", n.AuthorizationURL)
	}
	r = e.do(apiCall{method: "GET", url: f.url(me, id), token: f.tok, accept: "application/json"})
	if !strings.Contains(string(r.body), `"uri":"`+e.r.BaseURL()+`/oauth/authorize?client_id=APP-1`) {
		t.Errorf("a path-only authorization-url is not made absolute:\n%s", r.body)
	}

	// The list holds the caller's own notifications only.
	r = e.do(apiCall{method: "GET", url: f.url(me), token: f.tok, accept: "application/xml"})
	if r.status != 200 || strings.Count(string(r.body), "<notification-type") != 2 {
		t.Errorf("list: %d\n%s", r.status, r.body)
	}

	// DELETE archives and answers the notification, which stays listed.
	r = e.do(apiCall{method: "DELETE", url: f.url(me, id), token: f.tok, accept: "application/vnd.orcid+xml"})
	if r.status != 200 || !strings.Contains(string(r.body), "archived-date") {
		t.Fatalf("DELETE: %d\n%s", r.status, r.body)
	}
	r = e.do(apiCall{method: "DELETE", url: f.url(me, id), token: f.tok, accept: "application/json"})
	if r.status != 200 {
		t.Errorf("archiving twice: %d\n%s", r.status, r.body)
	}
	r = e.do(apiCall{method: "GET", url: f.url(me), token: f.tok, accept: "application/json"})
	if r.status != 200 || strings.Count(string(r.body), `"notification-type"`) != 2 || !strings.Contains(string(r.body), `"archived-date":{"value":`) {
		t.Errorf("list after archive: %d\n%s", r.status, r.body)
	}
}

// TestNotificationErrors: scopes, sources, missing notifications, bodies
// the schema refuses and record states, each with ORCID's code.
func TestNotificationErrors(t *testing.T) {
	f := newNotificationFixture(t)
	e, me := f.e, f.e.res.ORCID
	id := f.create(t, me, f.tok, "application/json", []byte(notificationJSONBody))
	x, j := "application/vnd.orcid+xml", "application/json"
	readPublic := e.token(f.premium, "", ScopeReadPublic)
	cases := []struct {
		name   string
		call   apiCall
		status int
		code   int
		dev    string
	}{
		{"no /premium-notification scope", apiCall{method: "POST", url: f.url(me), token: readPublic, contentType: j, body: []byte(notificationJSONBody)}, 403, 9004, "Insufficient or wrong scope [/read-public]"},
		{"no scope to read", apiCall{method: "GET", url: f.url(me, id), token: readPublic}, 403, 9004, ""},
		{"three-legged token", apiCall{method: "GET", url: f.url(me), token: e.writeToken()}, 403, 9004, ""},
		{"another client's notification", apiCall{method: "GET", url: f.url(me, id), token: f.otherTok}, 403, 9004, "This notification does not belong to " + f.other.ID},
		{"another client archives", apiCall{method: "DELETE", url: f.url(me, id), token: f.otherTok}, 403, 9010, "source of the notification"},
		{"unknown notification", apiCall{method: "GET", url: f.url(me, "999999"), token: f.tok}, 404, 9029, "Could not find notification with id: 999999 for ORCID: " + me},
		{"unknown notification archived", apiCall{method: "DELETE", url: f.url(me, "999999"), token: f.tok}, 404, 9029, ""},
		{"another record's notification", apiCall{method: "GET", url: f.url(e.res2.ORCID, id), token: f.tok}, 404, 9029, ""},
		{"id not a number", apiCall{method: "GET", url: f.url(me, "abc"), token: f.tok}, 404, 9001, ""},
		{"unknown record", apiCall{method: "GET", url: f.url("0000-0002-1825-0097"), token: f.tok}, 404, 9016, ""},
		{"put-code in the body", apiCall{method: "POST", url: f.url(me), token: f.tok, contentType: j, body: []byte(strings.Replace(notificationJSONBody, "{", `{"put-code":5,`, 1))}, 400, 9006, "Put code must be null"},
		{"item type outside the schema (XML)", apiCall{method: "POST", url: f.url(me), token: f.tok, contentType: x, body: notificationXML("research-resource", "hi")}, 400, 9012, "cvc-enumeration-valid"},
		{"item type outside the schema (JSON)", apiCall{method: "POST", url: f.url(me), token: f.tok, contentType: j, body: []byte(strings.Replace(notificationJSONBody, `"employment"`, `"bio"`, 1))}, 400, 9047, ""},
		{"intro too long", apiCall{method: "POST", url: f.url(me), token: f.tok, contentType: x, body: notificationXML("work", strings.Repeat("a", 1001))}, 400, 9012, "cvc-maxLength-valid"},
		{"no intro", apiCall{method: "POST", url: f.url(me), token: f.tok, contentType: j, body: []byte(strings.Replace(notificationJSONBody, `"notification-intro":"Please let us add it.",`, "", 1))}, 400, 9047, "notification-intro"},
		{"no items", apiCall{method: "POST", url: f.url(me), token: f.tok, contentType: j, body: []byte(`{"notification-type":"permission","authorization-url":{"path":"/oauth/authorize"},"notification-subject":"s","notification-intro":"i","items":{"item":[]}}`)}, 400, 9047, "item"},
		{"unknown property", apiCall{method: "POST", url: f.url(me), token: f.tok, contentType: j, body: []byte(strings.Replace(notificationJSONBody, "{", `{"color":"red",`, 1))}, 400, 9047, ""},
		{"malformed JSON", apiCall{method: "POST", url: f.url(me), token: f.tok, contentType: j, body: []byte(`{"notification-type":`)}, 400, 9001, ""},
		{"unknown identifier type", apiCall{method: "POST", url: f.url(me), token: f.tok, contentType: x, body: []byte(strings.Replace(string(notificationXML("work", "hi")), ">doi<", ">shoe-size<", 1))}, 400, 9023, "Invalid external-id  shoe-size"},
		{"authorization uri java.net.URI refuses", apiCall{method: "POST", url: f.url(me), token: f.tok, contentType: j, body: []byte(strings.Replace(notificationJSONBody, "client_id=APP-1", "client id=APP-1", 1))}, 400, 9020, "Bad authorization uri"},
		{"Public API has no notifications", apiCall{method: "GET", url: e.pub3("/" + me + "/notification-permission"), token: f.tok}, 404, 9001, ""},
		{"PUT is not a method of the resource", apiCall{method: "PUT", url: f.url(me, id), token: f.tok, contentType: j, body: []byte(notificationJSONBody)}, 405, 9001, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.call.accept == "" {
				c.call.accept = j
			}
			r := e.do(c.call)
			if r.status != c.status {
				t.Fatalf("status %d, want %d\n%s", r.status, c.status, r.body)
			}
			eb := r.errorBody(t)
			if eb.ErrorCode != c.code || !strings.Contains(eb.DeveloperMessage, c.dev) {
				t.Errorf("error %d %q, want %d containing %q", eb.ErrorCode, eb.DeveloperMessage, c.code, c.dev)
			}
		})
	}

	// Record states: a locked record refuses everything; a deactivated one
	// can still be read (the delegator ignores deactivation on reads).
	ctx := context.Background()
	if _, err := e.r.SetResearcherState(ctx, e.res2.ORCID, StateChange{State: StateLocked}); err != nil {
		t.Fatal(err)
	}
	if r := e.do(apiCall{method: "GET", url: f.url(e.res2.ORCID), token: f.tok, accept: j}); r.status != 409 || r.errorBody(t).ErrorCode != 9018 {
		t.Errorf("locked record: %d\n%s", r.status, r.body)
	}
	if _, err := e.r.SetResearcherState(ctx, me, StateChange{State: StateDeactivated}); err != nil {
		t.Fatal(err)
	}
	if r := e.do(apiCall{method: "GET", url: f.url(me, id), token: f.tok, accept: j}); r.status != 200 {
		t.Errorf("deactivated record, read: %d\n%s", r.status, r.body)
	}
	if r := e.do(apiCall{method: "POST", url: f.url(me), token: f.tok, contentType: j, body: []byte(notificationJSONBody), accept: j}); r.status != 409 || r.errorBody(t).ErrorCode != 9044 {
		t.Errorf("deactivated record, write: %d\n%s", r.status, r.body)
	}
}

// TestNotificationScopeGrant: only premium members get
// /premium-notification from /oauth/token.
func TestNotificationScopeGrant(t *testing.T) {
	f := newNotificationFixture(t)
	e := f.e
	for _, c := range []struct {
		client Client
		status int
	}{{f.premium, 200}, {e.member, 400}, {e.public, 400}} {
		form := url.Values{"client_id": {c.client.ID}, "client_secret": {c.client.Secret}, "grant_type": {"client_credentials"}, "scope": {ScopePremiumNotification}}
		resp, err := e.http.PostForm(e.r.BaseURL()+"/oauth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Scope string `json:"scope"`
			Error string `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != c.status || (c.status == 200 && body.Scope != ScopePremiumNotification) || (c.status == 400 && body.Error != "invalid_scope") {
			t.Errorf("%s: %d %+v", c.client.Name, resp.StatusCode, body)
		}
	}
}

// TestInbox: the researcher sees the notification in their inbox; following
// its link marks it read and leads to the authorization URL, after which
// the client may no longer archive it (9009); archiving on the site hides
// it.
func TestInbox(t *testing.T) {
	f := newNotificationFixture(t)
	e, me := f.e, f.e.res.ORCID
	id := f.create(t, me, f.tok, "application/vnd.orcid+xml", notificationXML("work", "We would like to add your article."))
	id2 := f.create(t, me, f.tok, "application/json", []byte(notificationJSONBody))

	ctx := context.Background()
	sess := Session{ID: "inbox-test-session", ORCID: me, AuthTime: e.r.now(), ExpiresAt: e.r.now().Add(time.Hour)}
	if err := e.r.store.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	cookie := &http.Cookie{Name: sessionCookie, Value: sess.ID}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path string, form url.Values, lang string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, e.r.BaseURL()+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(cookie)
		if method == "POST" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if lang != "" {
			q := req.URL.Query()
			q.Set("lang", lang)
			req.URL.RawQuery = q.Encode()
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	resp, body := send("GET", "/inbox", nil, "")
	for _, want := range []string{"your recent publications", "We would like to add your article.", "A Really Interesting Research Article", "Premium Journal", "doi: 10.5555/12345", "Head of Research"} {
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("inbox lacks %q (%d)", want, resp.StatusCode)
		}
	}
	if _, es := send("GET", "/inbox", nil, "es"); !strings.Contains(es, "Bandeja de entrada") || !strings.Contains(es, "Conceder permiso") {
		t.Errorf("Spanish inbox is not translated")
	}
	token := e.r.formToken(sess.ID, "inbox", "")
	if resp, _ := send("POST", "/inbox/"+id+"/action", url.Values{"form_token": {"forged"}}, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged form: %d", resp.StatusCode)
	}
	resp, _ = send("POST", "/inbox/"+id+"/action", url.Values{"form_token": {token}}, "")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), e.r.BaseURL()+"/oauth/authorize?client_id=APP-1") {
		t.Errorf("action: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	r := e.do(apiCall{method: "DELETE", url: f.url(me, id), token: f.tok, accept: "application/json"})
	if r.status != 403 || r.errorBody(t).ErrorCode != 9009 {
		t.Errorf("archiving a read notification: %d\n%s", r.status, r.body)
	}
	r = e.do(apiCall{method: "GET", url: f.url(me, id), token: f.tok, accept: "application/json"})
	if !strings.Contains(string(r.body), `"read-date":{"value":`) || !strings.Contains(string(r.body), `"actioned-date":{"value":`) {
		t.Errorf("read and actioned dates not set:\n%s", r.body)
	}
	if resp, _ := send("POST", "/inbox/"+id2+"/archive", url.Values{"form_token": {token}}, ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("archive: %d", resp.StatusCode)
	}
	if _, body := send("GET", "/inbox", nil, ""); strings.Contains(body, "Head of Research") {
		t.Errorf("archived notification still shown")
	}
}
