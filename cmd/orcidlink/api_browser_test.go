package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/webhooks"
	"github.com/orcidlink/orcidlink/internal/webhooks/webhookstest"
)

// TestBrowserAPIJourney is issue 7 end to end against the real program:
// an administrator makes an API key and a webhook endpoint in the browser;
// the organisation's system, by API with the key, creates a person and
// gets their invitation link; the researcher connects in a browser of
// their own; the system learns the iD and the put-code of a work from
// signed webhooks; the administrator imports a CSV with a bad row, watches
// the progress bar, downloads the result, redelivers an event, and revokes
// the key, which then opens nothing.
func TestBrowserAPIJourney(t *testing.T) {
	storetest.Engines(t, testBrowserAPIJourney)
}

func testBrowserAPIJourney(t *testing.T, driver string) {
	ctx := sandboxtest.Browser(t)
	rcv := webhookstest.New(t)
	env := map[string]string{"ORCIDLINK_WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true"}
	if driver == "postgres" {
		env["ORCIDLINK_DATABASE_URL"] = storetest.NewPostgresDB(t)
	}
	banner, stop := startServe(t, env, "--data", t.TempDir())
	defer stop()
	base := baseOf(t, banner)
	m := regexp.MustCompile(`administrator\s+(\S+) / (\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no administrator in the banner:\n%s", banner)
	}

	// 1. The administrator opens the demo tenant and makes an API key,
	// shown this once.
	do(t, ctx, "admin sign-in and demo tenant",
		chromedp.Navigate(base+"/admin/signin"),
		chromedp.SendKeys(chromedp.CSS("#signin-email"), m[1]),
		chromedp.SendKeys(chromedp.CSS("#signin-password"), m[2]),
		chromedp.Click(chromedp.CSS("#signin-submit")),
	)
	// The printed password is one-time: the first sign-in chooses one.
	chooseOwnPassword(t, ctx, m[2], "vivid marble anchor lantern")
	do(t, ctx, "demo tenant",
		chromedp.Navigate(base+"/admin/tenants"),
		chromedp.WaitVisible(chromedp.CSS("#tenants")),
		chromedp.Click(chromedp.CSS("#tenants tbody th a")),
		chromedp.WaitVisible(chromedp.CSS("#api-keys")),
	)
	tenantPage := location(t, ctx)
	if !regexp.MustCompile(`/admin/tenants/\d+$`).MatchString(tenantPage) {
		t.Fatalf("not on a tenant page: %s", tenantPage)
	}
	do(t, ctx, "create an API key",
		chromedp.Click(chromedp.CSS("#api-keys")),
		chromedp.WaitVisible(chromedp.CSS("#api-key-form")),
		chromedp.SendKeys(chromedp.CSS("#api-key-name"), "Journal platform"),
		chromedp.Click(chromedp.CSS("#create-api-key")),
		chromedp.WaitVisible(chromedp.CSS("#api-key")),
	)
	key := valueOf(t, ctx, "#api-key")
	parts := strings.SplitN(key, "_", 3)
	if len(parts) != 3 || parts[0] != "olk" || parts[1] == "" || len(parts[2]) < 16 {
		t.Fatalf("the new key %q is not olk_<prefix>_<secret>", key)
	}
	prefix, secretPart := parts[1], parts[2]
	do(t, ctx, "reload the keys", chromedp.Navigate(tenantPage+"/api-keys"), chromedp.WaitVisible(chromedp.CSS("#api-key-list")))
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err != nil || strings.Contains(html, secretPart) {
		t.Fatalf("the key list shows the key's secret again (%v)", err)
	}
	if list := textOf(t, ctx, "#api-key-list"); !strings.Contains(list, "olk_"+prefix+"_") || !strings.Contains(list, "Journal platform") {
		t.Fatalf("the key list does not show the key's prefix:\n%s", list)
	}
	api := &apiClient{t: t, base: base + "/api/v1", key: key}

	// 2. A webhook endpoint for every event, at the organisation's receiver;
	// its signing secret is shown once.
	do(t, ctx, "create a webhook endpoint",
		chromedp.Navigate(tenantPage),
		chromedp.WaitVisible(chromedp.CSS("#webhooks")),
		chromedp.Click(chromedp.CSS("#webhooks")),
		chromedp.WaitVisible(chromedp.CSS("#webhook-form")),
		chromedp.SendKeys(chromedp.CSS("#url"), rcv.URL()+"/hooks"),
		chromedp.SendKeys(chromedp.CSS("#description"), "Journal platform"),
	)
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#event-types input:checked").length`)); err != nil || n != len(webhooks.EventTypes()) {
		t.Fatalf("%d of %d event types checked for a new endpoint (%v)", n, len(webhooks.EventTypes()), err)
	}
	do(t, ctx, "add the endpoint", chromedp.Click(chromedp.CSS("#create-webhook")), chromedp.WaitVisible(chromedp.CSS("#secret")))
	secret := strings.TrimSpace(textOf(t, ctx, "#secret"))
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("webhook secret %q", secret)
	}
	rcv.SetSecret(secret)
	do(t, ctx, "open the endpoint",
		chromedp.Navigate(tenantPage+"/webhooks"),
		chromedp.WaitVisible(chromedp.CSS("table#webhooks")),
		chromedp.Click(chromedp.CSS("table#webhooks tbody a")),
		chromedp.WaitVisible(chromedp.CSS("#no-deliveries")),
	)
	hookPage := location(t, ctx)
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err != nil || strings.Contains(html, secret) {
		t.Fatalf("the endpoint's page shows its secret again (%v)", err)
	}

	// 3. The organisation's system: a person, and a link to show them.
	p := api.want(http.StatusCreated, "POST", "/people", map[string]any{"given_names": "Ada", "family_names": "Lovelace",
		"email": "ada@example.org", "external_ref": "author-1"})
	pid := strconv.FormatInt(int64(p["id"].(float64)), 10)
	inv := api.want(http.StatusCreated, "POST", "/people/"+pid+"/invitations", map[string]any{"send_email": false})
	link, _ := inv["url"].(string)
	if !strings.HasPrefix(link, base+"/i/") {
		t.Fatalf("invitation %v", inv)
	}

	// 4. The researcher, in a browser of her own, connects at the sandbox.
	ada := sandboxtest.Incognito(t, ctx)
	do(t, ada, "connect",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#connect-orcid")),
		chromedp.Click(chromedp.CSS("#connect-orcid")),
		chromedp.WaitVisible(chromedp.CSS("#register-form")),
		chromedp.SendKeys(chromedp.CSS("#password"), "analytical-engine"),
		chromedp.Click(chromedp.CSS("#register-button")),
		chromedp.WaitVisible(chromedp.CSS("#authorize-button")),
		chromedp.Click(chromedp.CSS("#authorize-button")),
		chromedp.WaitVisible(chromedp.CSS("#authenticated-id")),
	)
	adaURI := strings.TrimSpace(textOf(t, ada, "#authenticated-id"))
	if !strings.HasPrefix(adaURI, base+"/sandbox/0009-") {
		t.Fatalf("success page shows %q", adaURI)
	}

	// 5. The system learns the iD, signed, then writes a work and learns
	// its put-code.
	connected := waitHook(t, rcv, "person.connected", func(h webhookstest.Request) bool { return h.Envelope.Type == webhooks.PersonConnected })
	var cd webhooks.PersonConnectedData
	if err := json.Unmarshal(connected.Envelope.Data, &cd); err != nil || cd.ORCID != adaURI || connected.Envelope.Person == nil ||
		strconv.FormatInt(connected.Envelope.Person.ID, 10) != pid {
		t.Fatalf("person.connected: person %+v, data %s (%v); want %s for person %s", connected.Envelope.Person, connected.Envelope.Data, err, adaURI, pid)
	}
	if got := api.want(http.StatusOK, "GET", "/people/"+pid, nil); got["status"] != "connected" || got["orcid"] != adaURI {
		t.Fatalf("person after connecting: %v", got)
	}
	api.want(http.StatusCreated, "POST", "/people/"+pid+"/works", map[string]any{"key": "article-1",
		"item": map[string]any{"title": map[string]any{"title": map[string]any{"value": "Notes on the Analytical Engine"}},
			"type": "journal-article", "external-ids": map[string]any{"external-id": []any{map[string]any{
				"external-id-type": "doi", "external-id-value": "10.5555/ada.1843", "external-id-relationship": "self"}}}}})
	synced := waitHook(t, rcv, "item.synced of article-1", func(h webhookstest.Request) bool {
		return h.Envelope.Type == webhooks.ItemSynced && strings.Contains(string(h.Envelope.Data), `"key":"article-1"`)
	})
	var sd webhooks.ItemData
	if err := json.Unmarshal(synced.Envelope.Data, &sd); err != nil || sd.PutCode == 0 || sd.Kind != "work" {
		t.Fatalf("item.synced data %s (%v)", synced.Envelope.Data, err)
	}
	work := api.want(http.StatusOK, "GET", "/people/"+pid+"/works/article-1", nil)
	if pc, _ := work["put_code"].(float64); int64(pc) != sd.PutCode || work["state"] != "synced" {
		t.Fatalf("the API's work %v; item.synced said put-code %d", work, sd.PutCode)
	}

	// 6. A file of works: a bad row and a good one for Ada, a good one for
	// someone new.
	file := filepath.Join(t.TempDir(), "works.csv")
	rows := [][]string{
		{"email", "given-names", "family-names", "key", "title", "work-type", "publication-date", "external-id-type", "external-id-value", "external-id-relationship"},
		{"ada@example.org", "", "", "bad-1", "Sketch of the Engine", "treatise", "1843-09", "doi", "10.5555/ada.bad", "self"},
		{"ada@example.org", "", "", "file-1", "Sketch of the Analytical Engine", "journal-article", "2024-09", "doi", "10.5555/ada.sketch", "self"},
		{"grace@example.org", "Grace", "Hopper", "file-2", "A Manual of Operation", "book", "1946", "doi", "10.5555/mark.1", "self"},
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.WriteAll(rows)
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "upload the file",
		chromedp.Navigate(tenantPage),
		chromedp.WaitVisible(chromedp.CSS("#batches")),
		chromedp.Click(chromedp.CSS("#batches")),
		chromedp.WaitVisible(chromedp.CSS("#upload-form")),
		chromedp.SetValue(chromedp.CSS("#batch-kind"), "works"),
		chromedp.SetUploadFiles(chromedp.CSS("#batch-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#upload")),
		chromedp.WaitVisible(chromedp.CSS("#problems")),
	)
	if got := strings.TrimSpace(textOf(t, ctx, "#batch-state")); got != "invalid" {
		t.Fatalf("state of a file with a bad row: %q", got)
	}
	// Row 1 (line 2) alone has problems: an unknown work type, and a year
	// ORCID's schema refuses.
	problems := tableRows(t, ctx, "#problems tbody tr")
	columns := map[string]string{}
	for _, p := range problems {
		if len(p) != 5 || p[0] != "1" || p[1] != "2" {
			t.Fatalf("problems (row, line, column, code, message): %q; want row 1's alone", problems)
		}
		columns[p[2]] = p[3] + ": " + p[4]
	}
	if len(columns) != 2 || !strings.HasPrefix(columns["work-type"], "unknown-work-type: ") || !strings.Contains(columns["publication-date"], "1843") {
		t.Fatalf("problems (row, line, column, code, message): %q; want work-type and publication-date", problems)
	}
	do(t, ctx, "import only the valid rows",
		chromedp.WaitVisible(chromedp.CSS("#import-valid")),
		chromedp.Click(chromedp.CSS("#import-valid")),
		chromedp.WaitVisible(chromedp.CSS("#batch-progress")),
	)
	// The bar fills and the page moves on by itself (batch-progress.js
	// polls the status while the import runs): nobody reloads it here.
	waitInPage(t, ctx, "the import to end", `document.querySelector("#batch-state").textContent === "done" &&
		document.querySelector("#batch-progress").value === 100 && !!document.querySelector("#result")`)
	var status struct {
		State   string `json:"state"`
		Done    int    `json:"done"`
		Total   int    `json:"total"`
		Percent int    `json:"percent"`
	}
	browserFetchJSON(t, ctx, `document.querySelector("#batch-progress").dataset.status`, &status)
	if status.State != "done" || status.Percent != 100 || status.Done != status.Total || status.Total != 3 {
		t.Fatalf("the status the bar polls: %+v", status)
	}
	// The result file shows Ada's row synced once the queue wrote it.
	var result map[string]map[string]string // by item-key
	deadline := time.Now().Add(30 * time.Second)
	for {
		result = resultByKey(t, browserFetch(t, ctx, `document.querySelector("#result").href`))
		if r := result["file-1"]; r["item-state"] == "synced" && r["put-code"] != "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r := result["file-1"]; r["item-state"] != "synced" || r["put-code"] == "" || r["person-state"] != "connected" || r["orcid-id"] == "" ||
		!strings.HasSuffix(adaURI, r["orcid-id"]) || r["outcome"] == "skipped" {
		t.Fatalf("result row of Ada's work: %v", r)
	}
	if r := result["bad-1"]; r["outcome"] != "skipped" {
		t.Errorf("result row of the bad row: %v", r)
	}
	if r := result["file-2"]; r["email"] != "grace@example.org" || r["person-state"] != "invited" || r["item-state"] != "pending" {
		t.Errorf("result row of the new person's work: %v", r)
	}
	fileSynced := waitHook(t, rcv, "item.synced of file-1", func(h webhookstest.Request) bool {
		return h.Envelope.Type == webhooks.ItemSynced && strings.Contains(string(h.Envelope.Data), `"key":"file-1"`)
	})
	if !strings.Contains(string(fileSynced.Envelope.Data), `"put_code":`+result["file-1"]["put-code"]) {
		t.Errorf("item.synced of file-1 %s; the result file says put-code %s", fileSynced.Envelope.Data, result["file-1"]["put-code"])
	}

	// 7. The deliveries, and one sent again: the same event, a new delivery.
	do(t, ctx, "deliveries", chromedp.Navigate(hookPage), chromedp.WaitVisible(chromedp.CSS("#deliveries")))
	row := "#delivery-" + connected.DeliveryID
	if got := textOf(t, ctx, row); !strings.Contains(got, "person.connected") || !strings.Contains(got, connected.Envelope.ID) ||
		!strings.Contains(textOf(t, ctx, row+" .state"), "delivered") || !strings.Contains(textOf(t, ctx, row+" .status"), "204") {
		t.Fatalf("delivery of person.connected:\n%s", got)
	}
	if got := textOf(t, ctx, "#deliveries"); !strings.Contains(got, "item.synced") {
		t.Fatalf("deliveries lack item.synced:\n%s", got)
	}
	do(t, ctx, "redeliver", chromedp.Click(chromedp.CSS("#redeliver-"+connected.DeliveryID)), chromedp.WaitVisible(chromedp.CSS("#deliveries")))
	again := waitHook(t, rcv, "person.connected again", func(h webhookstest.Request) bool {
		return h.Envelope.ID == connected.Envelope.ID && h.DeliveryID != connected.DeliveryID
	})
	if again.Envelope.Type != webhooks.PersonConnected || !bytes.Equal(again.Envelope.Data, connected.Envelope.Data) {
		t.Fatalf("the redelivery %+v differs from the delivery %+v", again.Envelope, connected.Envelope)
	}

	// 8. Revoked in the browser, the key opens nothing.
	do(t, ctx, "revoke the key", chromedp.Navigate(tenantPage+"/api-keys"), chromedp.WaitVisible(chromedp.CSS("#api-key-list")))
	revoke, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		for (const tr of document.querySelectorAll("#api-key-list tbody tr")) {
			if (tr.textContent.includes("olk_`+prefix+`_")) { return "#" + tr.querySelector("button[id^=revoke-]").id; }
		}
		return "";
	})()`))
	if err != nil || revoke == "" {
		t.Fatalf("no Revoke button for the key (%v)", err)
	}
	do(t, ctx, "revoke", chromedp.Click(chromedp.CSS(revoke)), chromedp.WaitNotPresent(chromedp.CSS(revoke)))
	if list := textOf(t, ctx, "#api-key-list"); !strings.Contains(list, "revoked") {
		t.Fatalf("the key list after revoking:\n%s", list)
	}
	api.want(http.StatusUnauthorized, "GET", "/people/"+pid, nil)
}

// apiClient is the organisation's system: plain net/http with the key.
type apiClient struct {
	t    *testing.T
	base string
	key  string
	n    int
}

// want makes a request and fails unless it answers status; it returns the
// JSON object answered.
func (c *apiClient) want(status int, method, path string, body any) map[string]any {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == "POST" {
		c.n++
		req.Header.Set("Idempotency-Key", "browser-journey-"+strconv.Itoa(c.n))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		c.t.Fatalf("%s %s: %d, want %d:\n%s", method, path, res.StatusCode, status, b)
	}
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return m
}

// waitHook returns the first delivery rcv accepted that matches, waiting
// for it.
func waitHook(t *testing.T, rcv *webhookstest.Receiver, what string, match func(webhookstest.Request) bool) webhookstest.Request {
	t.Helper()
	var got webhookstest.Request
	rcv.Wait(t, what, func(rs []webhookstest.Request) bool {
		for _, h := range rs {
			if match(h) {
				got = h
				return true
			}
		}
		return false
	})
	return got
}

// waitInPage waits until a JavaScript condition holds on the page, across
// the page's own reloads.
func waitInPage(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+cond+`); } catch (e) { return false; } })()`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			url, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("waiting for %s: %v\nat %s:\n%s", what, err, url, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// browserFetch GETs the URL an expression gives from within the page, with
// the browser's cookies, and returns the body.
func browserFetch(t *testing.T, ctx context.Context, urlExpr string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Evaluate[string](`fetch(`+urlExpr+`, {credentials: "same-origin", cache: "no-store"}).then(r => {
		if (!r.ok) { throw new Error("HTTP " + r.status); }
		return r.text();
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s in the browser: %v", urlExpr, err)
	}
	return s
}

func browserFetchJSON(t *testing.T, ctx context.Context, urlExpr string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(browserFetch(t, ctx, urlExpr)), v); err != nil {
		t.Fatalf("fetch %s in the browser: %v", urlExpr, err)
	}
}

// resultByKey reads a batch result file into its rows by item-key.
func resultByKey(t *testing.T, body string) map[string]map[string]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) < 1 {
		t.Fatalf("result file: %v\n%s", err, body)
	}
	out := map[string]map[string]string{}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, col := range recs[0] {
			row[col] = rec[i]
		}
		out[row["item-key"]] = row
	}
	return out
}

// tableRows is the text of each cell of the rows a selector matches.
func tableRows(t *testing.T, ctx context.Context, sel string) [][]string {
	t.Helper()
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll(`+strconv.Quote(sel)+`),
		tr => Array.from(tr.cells, td => td.textContent.trim()))`))
	if err != nil {
		t.Fatalf("rows of %s: %v", sel, err)
	}
	return rows
}
