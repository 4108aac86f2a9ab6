package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/store"
)

// hostSite is a host's site (a journal's submission system) on its own
// loopback origin: a page with orcidlink's drop-in button, the return
// page, and its server's verification of results (as a host would do
// through the API, here with the same service the API calls).
type hostSite struct {
	srv    *httptest.Server
	origin string
	mu     sync.Mutex
	links  map[string]string // person ("alice", "bob") → connect link
}

func newHostSite(t *testing.T, e *researcherEnv) *hostSite {
	t.Helper()
	h := &hostSite{links: map[string]string{}}
	mux := http.NewServeMux()
	// The page: the button, a field the result fills, and a script of the
	// host's that sends the result to its server when it arrives.
	mux.HandleFunc("GET /profile", func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		link := h.links[r.URL.Query().Get("who")]
		h.mu.Unlock()
		fmt.Fprintf(w, `<!doctype html><html><head><title>Host</title></head><body>
<form id="profile" method="post" action="/save"><input type="hidden" name="orcid_result" id="orcid-result">
<button type="button" id="connect" data-orcidlink-connect="%s" data-orcidlink-field="orcid_result">Connect your ORCID iD</button></form>
<p id="verified"></p>
<script src="%s/static/connect-button.js"></script>
<script>
document.addEventListener("orcidlink:result", function (ev) {
  window.lastResult = ev.detail.result;
  window.unverifiedStatus = ev.detail.claims && ev.detail.claims.status;
  fetch("/verify", {method: "POST", body: ev.detail.result}).then(function (r) { return r.text(); }).then(function (t) {
    var p = document.getElementById("verified"); p.textContent = t; p.setAttribute("data-done", "1");
  });
});
</script></body></html>`, html.EscapeString(link), e.base)
	})
	// The return page: the same script hands the result to the opener.
	mux.HandleFunc("GET /back", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><html><head><title>Back</title></head><body><p id="back">Back at the host</p>
<script src="%s/static/connect-button.js"></script></body></html>`, e.base)
	})
	mux.HandleFunc("POST /verify", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 8192))
		c, err := e.svc.VerifyResult(r.Context(), e.tenant.ID, string(body), h.origin)
		var refused *connect.ResultRefusal
		switch {
		case errors.As(err, &refused):
			w.WriteHeader(http.StatusUnprocessableEntity)
			_ = json.NewEncoder(w).Encode(map[string]string{"refused": refused.Reason})
			return
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(c)
	})
	// Another loopback address than orcidlink's: another site altogether.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		ln, err = net.Listen("tcp", "localhost:0")
		if err != nil {
			t.Fatal(err)
		}
	}
	h.srv = httptest.NewUnstartedServer(mux)
	h.srv.Listener.Close()
	h.srv.Listener = ln
	h.srv.Start()
	t.Cleanup(h.srv.Close)
	h.origin = "http://" + ln.Addr().String()
	return h
}

// allowReturnOrigin lets the tenant's connect links return to origin.
func (e *researcherEnv) allowReturnOrigin(t *testing.T, origin string) {
	t.Helper()
	tn := e.tenant
	tn.Settings.ReturnOrigins = []string{origin}
	var err error
	if e.tenant, err = e.st.UpdateTenant(e.ctx, tn); err != nil {
		t.Fatal(err)
	}
}

// TestConnectFromHostPage is issue 17's "Done when": a host page opens the
// connect link in a popup, the researcher authorizes at the offline
// registry and lands back on the host, whose page gets the signed result
// and whose server verifies it; the same result again, or a forged one, is
// refused; a denial comes back as denied.
func TestConnectFromHostPage(t *testing.T) {
	e := newResearcherEnv(t)
	h := newHostSite(t, e)
	e.allowReturnOrigin(t, h.origin)
	// The researcher is the registry's; Bob will deny.
	researcher := e.person(t, "Test", "Researcher", e.reg.Researcher.Email, "r-1", "")
	for who, p := range map[string]store.Person{"researcher": researcher, "bob": e.bob} {
		l, err := e.svc.CreateHostLink(e.ctx, e.tenant.ID, p.ID, "", h.origin+"/back?from=profile", 0)
		if err != nil {
			t.Fatal(err)
		}
		h.links[who] = l.Link
	}

	ctx := sandboxtest.Browser(t)
	// Signed in at the registry already, as a researcher often is.
	do(t, ctx, "sign in at the registry", chromedp.Navigate(e.reg.BaseURL+"/account"),
		chromedp.WaitVisible(chromedp.CSS("#signin-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), e.reg.Researcher.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), e.reg.Researcher.Password),
		chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitNotPresent(chromedp.CSS("#signin-form")))

	connectIn := func(who, button string) map[string]any {
		t.Helper()
		do(t, ctx, "open the host's page", chromedp.Navigate(h.origin+"/profile?who="+who),
			chromedp.WaitVisible(chromedp.CSS("#connect")))
		popupID := chromedp.WaitNewTarget(ctx, func(i *target.Info) bool { return i.Type == "page" && i.OpenerID != "" })
		do(t, ctx, "click the host's button", chromedp.Click(chromedp.CSS("#connect")))
		var id target.ID
		select {
		case id = <-popupID:
		case <-time.After(30 * time.Second):
			t.Fatal("no popup opened")
		}
		popup, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
		defer cancel()
		do(t, popup, "connect in the popup", chromedp.WaitVisible(chromedp.CSS("#connect-orcid")),
			chromedp.Click(chromedp.CSS("#connect-orcid")),
			chromedp.WaitVisible(chromedp.CSS(button)),
			chromedp.Click(chromedp.CSS(button)))
		// The popup comes back to the host, hands over the result and
		// closes; the page verifies it with its server.
		do(t, ctx, "the result reaches the page", chromedp.WaitVisible(chromedp.CSS(`#verified[data-done="1"]`)))
		verified := value(t, ctx, chromedp.Text(chromedp.CSS("#verified")))
		field := value(t, ctx, chromedp.Value(chromedp.CSS("#orcid-result")))
		address := value(t, ctx, chromedp.Location())
		if field == "" || strings.Contains(address, connect.ResultParam) {
			t.Errorf("form field %q, page address %q", field, address)
		}
		// The popup closed itself.
		for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
			targets, err := chromedp.Targets(ctx)
			if err != nil {
				t.Fatal(err)
			}
			open := false
			for _, ti := range targets {
				open = open || ti.TargetID == id
			}
			if !open {
				break
			}
			if time.Since(start) > 10*time.Second {
				t.Fatal("the popup did not close")
			}
		}
		var c map[string]any
		if err := json.Unmarshal([]byte(verified), &c); err != nil {
			t.Fatalf("host's verification: %v: %s", err, verified)
		}
		return c
	}

	// Bob's link first: the researcher signed in at the registry denies
	// (once authorized, the registry would not ask again). Back at the
	// host, denied, with no iD.
	c := connectIn("bob", "#deny-button")
	if c["status"] != connect.ResultDenied || c["orcid"] != nil || c["person"] != float64(e.bob.ID) {
		t.Fatalf("denied result %v", c)
	}

	c = connectIn("researcher", "#authorize-button")
	idURI := e.reg.BaseURL + "/" + e.reg.Researcher.ORCID
	if c["status"] != connect.ResultConnected || c["orcid"] != idURI || c["person"] != float64(researcher.ID) ||
		c["aud"] != h.origin || c["tenant"] != "jot" {
		t.Fatalf("verified result %v", c)
	}
	if l, err := e.st.Link(e.ctx, e.tenant.ID, researcher.ID); err != nil || l.ORCIDURI != idURI {
		t.Fatalf("link %+v, %v", l, err)
	}
	// The page sends the same result again: replayed; altered: forged.
	replay := value(t, ctx, chromedp.Evaluate[string](`fetch("/verify", {method: "POST", body: window.lastResult}).then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	forged := value(t, ctx, chromedp.Evaluate[string](`(() => {
		const p = window.lastResult.split("."); const b = JSON.parse(atob(p[1].replace(/-/g, "+").replace(/_/g, "/")));
		b.person = 1; b.jti = "forged"; p[1] = btoa(JSON.stringify(b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
		return fetch("/verify", {method: "POST", body: p.join(".")}).then(r => r.text()); })()`, chromedp.EvalAwaitPromise))
	if !strings.Contains(replay, `"replayed"`) || !strings.Contains(forged, `"invalid"`) {
		t.Errorf("replayed: %s; forged: %s", replay, forged)
	}

}

// do runs browser steps with a deadline, failing the test with what and
// the page it was on.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		page, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		t.Fatalf("%s: %v\n%s", what, err, page)
	}
}

// value runs one browser action and returns its value.
func value[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
