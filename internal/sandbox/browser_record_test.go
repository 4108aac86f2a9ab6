package sandbox_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// TestBrowserResearcherEditsRecord: the researcher signs in to the
// registry's site, hides one of a client's works, deletes another and adds
// a work of their own; the clients then see what ORCID would show them.
func TestBrowserResearcherEditsRecord(t *testing.T) {
	env := sandboxtest.New(t)
	ctx := sandboxtest.Browser(t)
	id := env.Researcher.ORCID
	second, err := env.Registry.CreateClient(context.Background(), sandbox.NewClient{
		Name: "Second Member", RedirectURIs: []string{env.Callback.URL}, Type: "member"}, false)
	must(t, err, "second client")
	scopes := []string{"/read-limited", "/activities/update"}
	tok := env.Token(t, scopes...).AccessToken
	code := env.AuthorizeCodeFor(t, second, scopes...)
	tok2, err := env.OAuth2Config(second, scopes...).Exchange(context.Background(), code)
	must(t, err, "second client's token")

	post := func(title, doi string) string {
		body := fmt.Sprintf(`{"title":{"title":{"value":%q}},"type":"journal-article","external-ids":{"external-id":[
		  {"external-id-type":"doi","external-id-value":%q,"external-id-relationship":"self"}]}}`, title, doi)
		res := apiCall(t, http.MethodPost, env.MemberAPI+"/"+id+"/work", tok, "application/json", "application/json", body)
		if res.status != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", title, res.status, res.body)
		}
		loc := res.header.Get("Location")
		return loc[strings.LastIndex(loc, "/")+1:]
	}
	hidden, deleted, kept := post("To be hidden", "10.5555/hide"), post("To be deleted", "10.5555/delete"), post("Kept as is", "10.5555/keep")

	row := func(pc string) string { return fmt.Sprintf(`tr.item[data-kind="work"][data-put-code="%s"]`, pc) }
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.BaseURL+"/signin?return_to=%2Fmy-orcid"),
		chromedp.WaitVisible(chromedp.CSS("#signin-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), env.Researcher.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), env.Researcher.Password),
		chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitVisible(chromedp.CSS("#items")),
	), "sign in to the record page")
	for _, pc := range []string{hidden, deleted, kept} {
		if src := text(t, ctx, row(pc)+" .item-source"); !strings.Contains(src, env.Member.Name) {
			t.Errorf("work %s shows source %q", pc, src)
		}
	}
	must(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(row(hidden)+" select"), "private"),
		chromedp.Click(chromedp.CSS(row(hidden)+" button.set-visibility")),
		chromedp.WaitVisible(chromedp.CSS(row(hidden)+`[data-visibility="private"]`)),
		chromedp.Click(chromedp.CSS(row(deleted)+" button.delete-item")),
		chromedp.WaitVisible(chromedp.CSS(`#myorcid-notice[data-done="deleted"]`)),
	), "hide and delete")
	if n := text(t, ctx, "#myorcid-notice"); n != "Item deleted." {
		t.Errorf("notice after deleting: %q", n)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, row(deleted))))
	must(t, err, "count rows")
	if rows != 0 {
		t.Error("the deleted work is still listed")
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#work-title"), "My own preprint"),
		chromedp.SetValue(chromedp.CSS("#work-type"), "preprint"),
		chromedp.SetValue(chromedp.CSS("#work-id-type"), "arxiv"),
		chromedp.SendKeys(chromedp.CSS("#work-id-value"), "arXiv:2401.00001"),
		chromedp.Click(chromedp.CSS("#add-work-button")),
		chromedp.WaitVisible(chromedp.CSS(`#myorcid-notice[data-done="added"]`)),
	), "add a work")
	if n := text(t, ctx, "#myorcid-notice"); n != "Work added." {
		t.Fatalf("notice after adding: %q", n)
	}
	own := text(t, ctx, `tr.item:last-child .item-source`)
	if !strings.Contains(own, "(you)") {
		t.Errorf("own work's source %q", own)
	}

	// The client's PUT on the work the researcher deleted: 404 9016.
	put := fmt.Sprintf(`{"put-code":%s,"title":{"title":{"value":"Changed"}},"type":"journal-article","external-ids":{"external-id":[
	  {"external-id-type":"doi","external-id-value":"10.5555/delete","external-id-relationship":"self"}]}}`, deleted)
	res := apiCall(t, http.MethodPut, env.MemberAPI+"/"+id+"/work/"+deleted, tok, "application/json", "application/json", put)
	if res.status != http.StatusNotFound || !strings.Contains(res.body, `"error-code":9016`) {
		t.Errorf("PUT on the deleted work: %d %s", res.status, res.body)
	}
	// The hidden work: its source still reads it; another client with
	// /read-limited gets 403 9013.
	if res := apiCall(t, http.MethodGet, env.MemberAPI+"/"+id+"/work/"+hidden, tok, "application/json", "", ""); res.status != http.StatusOK {
		t.Errorf("source reads its hidden work: %d %s", res.status, res.body)
	}
	res = apiCall(t, http.MethodGet, env.MemberAPI+"/"+id+"/work/"+hidden, tok2.AccessToken, "application/json", "", "")
	if res.status != http.StatusForbidden || !strings.Contains(res.body, `"error-code":9013`) {
		t.Errorf("second client reads the hidden work: %d %s", res.status, res.body)
	}
	// Lists are filtered: titles each caller sees in /works.
	titles := func(base, token string) string {
		t.Helper()
		res := apiCall(t, http.MethodGet, base+"/"+id+"/works", token, "application/json", "", "")
		if res.status != http.StatusOK {
			t.Fatalf("GET works: %d %s", res.status, res.body)
		}
		return res.body
	}
	for _, c := range []struct {
		who, body string
		see, miss []string
	}{
		{"the source", titles(env.MemberAPI, tok), []string{"To be hidden", "Kept as is", "My own preprint"}, []string{"To be deleted"}},
		{"the second client", titles(env.MemberAPI, tok2.AccessToken), []string{"Kept as is", "My own preprint"}, []string{"To be hidden", "To be deleted"}},
		{"the Public API", titles(env.PublicAPI, ""), []string{"Kept as is", "My own preprint"}, []string{"To be hidden", "To be deleted"}},
	} {
		for _, s := range c.see {
			if !strings.Contains(c.body, s) {
				t.Errorf("%s does not see %q", c.who, s)
			}
		}
		for _, s := range c.miss {
			if strings.Contains(c.body, s) {
				t.Errorf("%s sees %q", c.who, s)
			}
		}
	}
	// The researcher's own work has the researcher as source.
	summaries := titles(env.MemberAPI, tok2.AccessToken)
	if !strings.Contains(summaries, `"source-orcid":{"uri":"`+env.Registry.IDURI(id)+`","path":"`+id+`"`) {
		t.Errorf("own work without source-orcid %s:\n%.2000s", id, summaries)
	}
}
