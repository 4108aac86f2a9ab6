package reviewpack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/store"
)

// browserRun is the researcher's side of the run, in a headless Chromium.
type browserRun struct {
	cfg     Config
	pack    *Pack
	api     *apiClient
	person  int64
	link    string
	builtIn bool // the credential is the built-in registry's, whose pages the run knows
	ctx     context.Context
}

// viewport is a laptop's: what an ORCID reviewer expects to see.
const viewportW, viewportH = 1280, 900

func (b *browserRun) run(parent context.Context) error {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(b.cfg.Chromium),
		chromedp.DisableGPU,
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.WindowSize(viewportW, viewportH),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
	)
	if NoSandboxNeeded() {
		opts = append(opts, chromedp.NoSandbox)
	}
	ctx, cancel := context.WithTimeout(parent, 5*time.Minute)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(viewportW, viewportH)); err != nil {
		return fmt.Errorf("start chromium (%s): %w", b.cfg.Chromium, err)
	}
	b.ctx = bctx
	return b.steps()
}

// do runs actions with a deadline of their own, naming the step on failure.
func (b *browserRun) do(what string, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		where, _ := chromedp.Run(b.ctx, chromedp.Location())
		return fmt.Errorf("%s (at %s): %w", what, where, err)
	}
	return nil
}

// shot records a step with a screenshot of the whole page.
func (b *browserRun) shot(id, title, explain string) error {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("screenshot of %s: %w", id, err)
	}
	where, _ := chromedp.Run(ctx, chromedp.Location())
	if strings.HasPrefix(where, "data:") {
		where = ""
	}
	b.pack.Steps = append(b.pack.Steps, Step{ID: id, Title: title, Explain: explain, URL: where, PNG: png})
	fmt.Fprintf(b.cfg.Progress, "step %-16s captured\n", id)
	return nil
}

func (b *browserRun) steps() error {
	t := b.cfg.Tenant
	client := b.cfg.Credential.ClientName
	if client == "" {
		client = b.cfg.Credential.Name
	}

	// The invitation email, as the outbox holds it (what SMTP would send).
	if html, ok := b.invitationEmail(); ok {
		if err := b.do("show the invitation email",
			chromedp.Navigate("data:text/html;charset=utf-8;base64,"+base64.StdEncoding.EncodeToString([]byte(html)))); err != nil {
			return err
		}
		if err := b.shot("invitation-email", "The invitation email",
			"orcidlink emails the researcher on behalf of "+t.Name+": what ORCID is, why the tenant asks, and a "+
				"personal link. Nobody is asked to type an iD."); err != nil {
			return err
		}
	} else {
		b.pack.LeftOut = append(b.pack.LeftOut, "The invitation email: it was not found in the outbox.")
	}

	if err := b.do("open the invitation", chromedp.Navigate(b.link), chromedp.WaitVisible(chromedp.CSS("#connect-orcid"))); err != nil {
		return err
	}
	if err := b.shot("invitation", "The invitation page",
		"The link opens a page that explains what "+t.Name+" will do with the access, lists each permission "+
			"asked in plain words, and has the ORCID-branded button. It holds no field to type an iD into: "+
			"the iD is only ever collected through ORCID's OAuth."); err != nil {
		return err
	}
	if err := b.do("go to ORCID", chromedp.Click(chromedp.CSS("#connect-orcid")),
		chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		return err
	}
	if !b.builtIn {
		// ORCID's own sandbox: its sign-in needs a test researcher's
		// account, which a program cannot create there.
		if err := b.shot("orcid-signin", "ORCID's sign-in page",
			"The researcher is sent to ORCID's OAuth authorization page for "+client+", with the scopes listed below."); err != nil {
			return err
		}
		b.pack.LeftOut = append(b.pack.LeftOut, "Consent, denial and retry, success, the work written and read back, "+
			"and disconnection: the tenant's credential is on ORCID's sandbox ("+b.cfg.Credential.Env.SiteURL+"), "+
			"whose sign-in needs a test researcher account that review-pack cannot create. Show these steps in a live "+
			"demo, or capture them by hand with a sandbox account.")
		return nil
	}
	if err := b.do("see ORCID's registration page", chromedp.WaitVisible(chromedp.CSS("#register-form"))); err != nil {
		return err
	}
	if err := b.shot("orcid-signin", "ORCID's sign-in or registration page",
		"The researcher is at ORCID (here the sandbox registry), not at "+t.Name+": they sign in or, as here, "+
			"register, with the names and email of the invitation filled in for them."); err != nil {
		return err
	}
	if err := b.do("register at ORCID",
		chromedp.SendKeys(chromedp.CSS("#password"), "review-pack-"+b.pack.Created.Format("150405")+"-pass"),
		chromedp.Click(chromedp.CSS("#register-button")),
		chromedp.WaitVisible(chromedp.CSS("#authorize-button"))); err != nil {
		return err
	}
	if err := b.shot("consent", "ORCID's consent screen",
		"ORCID shows the client name, "+client+", and the permissions asked ("+strings.Join(b.cfg.Scopes, " ")+
			"). The researcher may authorize or deny."); err != nil {
		return err
	}
	if err := b.do("deny", chromedp.Click(chromedp.CSS("#deny-button")), chromedp.WaitVisible(chromedp.CSS("#try-again"))); err != nil {
		return err
	}
	if err := b.shot("denial", "The researcher denies access",
		"On a denial, ORCID sends the researcher back with access_denied: orcidlink saves nothing, says so, "+
			"explains why the connection matters, and offers to try again. The person shows as declined in the admin UI."); err != nil {
		return err
	}
	if err := b.do("try again", chromedp.Click(chromedp.CSS("#try-again")), chromedp.WaitVisible(chromedp.CSS("#authorize-button"))); err != nil {
		return err
	}
	if err := b.shot("retry", "Trying again",
		"\"Try again\" starts a new authorization (new state and nonce): ORCID asks for consent again."); err != nil {
		return err
	}
	if err := b.do("authorize", chromedp.Click(chromedp.CSS("#authorize-button")), chromedp.WaitVisible(chromedp.CSS("#authenticated-id"))); err != nil {
		return err
	}
	id, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("#authenticated-id")))
	if err != nil {
		return err
	}
	b.pack.ORCIDURI = strings.TrimSpace(id)
	if err := b.shot("success", "Connected",
		"orcidlink exchanged the code for tokens, checked the OpenID id_token, and shows the authenticated iD "+
			"with the ORCID iD icon, as a link to the record, following ORCID's display guidelines."); err != nil {
		return err
	}

	// A work written to the record by the tenant's system, then read back.
	b.pack.WorkTitle = "Review pack demonstration article " + b.pack.Created.Format("2006-01-02 15:04:05")
	item, err := b.api.writeWork(b.ctx, b.person, "review-pack-"+b.pack.Created.Format("20060102T150405"), b.pack.WorkTitle)
	if err != nil {
		b.pack.LeftOut = append(b.pack.LeftOut, "The work written to the record: "+err.Error())
	} else {
		if item.PutCode != nil {
			b.pack.ItemPutCode = fmt.Sprint(*item.PutCode)
		}
		rec, err := b.api.readBack(b.ctx, b.person)
		switch {
		case err != nil:
			b.pack.LeftOut = append(b.pack.LeftOut, "The read-back of the record: "+err.Error())
		case !strings.Contains(string(rec), b.pack.WorkTitle):
			b.pack.ReadBack = "The record read back does not hold the work."
		default:
			b.pack.ReadBack = readBackSummary(rec, b.pack.WorkTitle)
		}
		base := strings.TrimSuffix(b.cfg.Credential.Env.SiteURL, "/")
		if err := b.do("see the record at ORCID", chromedp.Navigate(base+"/my-orcid"),
			chromedp.WaitVisible(chromedp.CSS("#items"))); err != nil {
			return err
		}
		if err := b.shot("item", "A work on the researcher's record",
			"The tenant's system sent the work through orcidlink's REST API; orcidlink wrote it with the Member API "+
				"(put-code "+b.pack.ItemPutCode+") and read the record back. The researcher sees it on their ORCID "+
				"record with "+client+" as its source."); err != nil {
			return err
		}
	}

	// The researcher disconnects, from the link of their invitation
	// (through a confirmation page when the server has one).
	if err := b.do("open the invitation again", chromedp.Navigate(b.link), chromedp.WaitVisible(chromedp.CSS("#disconnect")),
		chromedp.Click(chromedp.CSS("#disconnect")),
		chromedp.WaitVisible(chromedp.CSS("#confirm-disconnect, #disconnected-message"))); err != nil {
		return err
	}
	if confirm, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!!document.querySelector("#confirm-disconnect")`)); confirm {
		if err := b.do("confirm the disconnection", chromedp.Click(chromedp.CSS("#confirm-disconnect")),
			chromedp.WaitVisible(chromedp.CSS("#disconnected-message"))); err != nil {
			return err
		}
	}
	return b.shot("disconnect", "The researcher disconnects",
		"From their invitation link the researcher disconnects at any time: orcidlink revokes its tokens at ORCID, "+
			"deletes them and the iD, and says so. Administrators can also remove an iD, with the same revocation.")
}

// invitationEmail finds the run's invitation email in the outbox.
func (b *browserRun) invitationEmail() (string, bool) {
	p, err := b.cfg.Store.Person(b.ctx, b.cfg.Tenant.ID, b.person)
	if err != nil {
		return "", false
	}
	es, err := b.cfg.Store.SearchEmails(b.ctx, store.EmailQuery{TenantIDs: []int64{b.cfg.Tenant.ID}, Search: p.Email, Limit: 5})
	if err != nil || len(es) == 0 {
		return "", false
	}
	e := es[0]
	if e.HTMLBody != "" {
		return e.HTMLBody, true
	}
	return "<pre style=\"font: 16px/1.5 sans-serif; white-space: pre-wrap; max-width: 40em; margin: 2em\">" +
		htmlEscape("Subject: "+e.Subject+"\n\n"+e.TextBody) + "</pre>", true
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

// readBackSummary says what the record read back holds of the work: its
// title and put-code as ORCID returned them.
func readBackSummary(rec json.RawMessage, title string) string {
	return "orcidlink read the record back with the Member API (GET /v3.0/{iD}/record) after the write: it holds the work \u201c" +
		title + "\u201d (" + fmt.Sprint(len(rec)) + " bytes of ORCID v3.0 JSON read)."
}
