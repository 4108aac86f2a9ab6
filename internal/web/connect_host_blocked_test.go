package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// TestConnectFromHostPagePopupBlocked: where the browser blocks the
// popup (chromium's own blocker), the drop-in button sends the whole
// window to the connect link;
// after ORCID the researcher lands back on the host's page (the return
// URL), whose form field gets the signed result and whose script gets
// the event; the result leaves the address bar and the host verifies it.
func TestConnectFromHostPagePopupBlocked(t *testing.T) {
	e := newResearcherEnv(t)
	h := newHostSite(t, e)
	e.allowReturnOrigin(t, h.origin)
	researcher := e.person(t, "Test", "Researcher", e.reg.Researcher.Email, "r-1", "")
	page := h.origin + "/profile?who=researcher"
	l, err := e.svc.CreateHostLink(e.ctx, e.tenant.ID, researcher.ID, "", page, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	h.links["researcher"] = l.Link
	h.mu.Unlock()

	// Chromium's popup blocker on, as browsers have it: window.open
	// without a user's gesture returns null (chromedp turns it off).
	ctx := sandboxtest.Browser(t, chromedp.Flag("disable-popup-blocking", false))
	do(t, ctx, "open the host's page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#connect")))
	// The host's own script presses the button (after a check of its
	// own, say): without the researcher's gesture, the browser's blocker
	// stops the popup.
	do(t, ctx, "the host's script presses the button",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("connect").click()`),
		// No popup: this very window is on orcidlink's invitation page.
		chromedp.WaitVisible(chromedp.CSS("#connect-orcid")))
	if targets, err := chromedp.Targets(ctx); err != nil {
		t.Fatal(err)
	} else if n := pages(targets); n != 1 {
		t.Fatalf("%d pages open, want this window only", n)
	}
	if at := value(t, ctx, chromedp.Location()); !strings.HasPrefix(at, l.Link) {
		t.Fatalf("the window is at %s, want the connect link", at)
	}
	do(t, ctx, "connect", chromedp.Click(chromedp.CSS("#connect-orcid")),
		chromedp.WaitVisible(chromedp.CSS("#signin-form")),
		chromedp.SetValue(chromedp.CSS("#username"), e.reg.Researcher.Email), // ORCID may have filled it in
		chromedp.SendKeys(chromedp.CSS("#password"), e.reg.Researcher.Password),
		chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitVisible(chromedp.CSS("#authorize-button")),
		chromedp.Click(chromedp.CSS("#authorize-button")))
	// Back on the host's page, in the same window.
	do(t, ctx, "the result reaches the page", chromedp.WaitVisible(chromedp.CSS(`#verified[data-done="1"]`)))
	address := value(t, ctx, chromedp.Location())
	field := value(t, ctx, chromedp.Value(chromedp.CSS("#orcid-result")))
	status := value(t, ctx, chromedp.Evaluate[string](`String(window.unverifiedStatus)`))
	if !strings.HasPrefix(address, h.origin+"/profile?") || strings.Contains(address, connect.ResultParam) ||
		!strings.Contains(address, "who=researcher") {
		t.Errorf("back at %q: want the host's page, without the result in the address", address)
	}
	if field == "" || status != connect.ResultConnected {
		t.Errorf("form field %q, event status %q", field, status)
	}
	var c map[string]any
	verified := value(t, ctx, chromedp.Text(chromedp.CSS("#verified")))
	if err := json.Unmarshal([]byte(verified), &c); err != nil {
		t.Fatalf("host's verification: %v: %s", err, verified)
	}
	if idURI := e.reg.BaseURL + "/" + e.reg.Researcher.ORCID; c["status"] != connect.ResultConnected || c["orcid"] != idURI ||
		c["person"] != float64(researcher.ID) || c["aud"] != h.origin {
		t.Fatalf("verified result %v", c)
	}
}

// pages counts the open pages among targets.
func pages(targets []*target.Info) int {
	n := 0
	for _, ti := range targets {
		if ti.Type == "page" {
			n++
		}
	}
	return n
}
