package api_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestRecordWebhooksAsServed: orcidlink as serve assembles it, with a
// premium credential: a researcher's connection registers ORCID's webhook
// with a callback on orcidlink's public URL; ORCID's call after the record
// changed goes through the whole site and marks the record; the
// researcher's disconnection removes the webhook at ORCID.
func TestRecordWebhooksAsServed(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := newEnv(t, driver, envOptions{})
		if err := e.reg.Registry.ApplySeed(e.ctx, sandbox.Seed{Clients: []sandbox.NewClient{{ID: e.cred.ClientID,
			Secret: e.cred.ClientSecret, Name: "Journal of Tests", RedirectURIs: []string{e.svc.RedirectURI()},
			Type: "member", Premium: true, GroupIDRecords: true}}}); err != nil {
			t.Fatal(err)
		}
		// What the credential check finds out (TestCheckRecordsWebhooks).
		if err := e.st.SetCredentialWebhooks(e.ctx, e.cred.ID, true); err != nil {
			t.Fatal(err)
		}
		c := e.client(t, e.keyA)
		p := c.want(201, "POST", "/people", map[string]any{"given_names": "Josiah", "family_names": "Carberry",
			"email": "josiah@example.org"})
		pid := int64(p["id"].(float64))
		inv := c.want(201, "POST", "/people/"+strconv.FormatInt(pid, 10)+"/invitations", map[string]any{"send_email": false})
		e.connect(t, inv["url"].(string))
		link, err := e.st.Link(e.ctx, e.a.ID, pid)
		if err != nil {
			t.Fatal(err)
		}

		registered := func() []sandbox.Webhook {
			t.Helper()
			hs, err := e.reg.Registry.Webhooks(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			return hs
		}
		eventually(t, "the webhook registered at connection", func() bool { return len(registered()) == 1 })
		h, err := e.st.RecordWebhookOfLink(e.ctx, link.ID)
		if err != nil {
			t.Fatal(err)
		}
		if hs := registered(); hs[0].ORCID != string(link.ORCID) ||
			hs[0].URI != e.base+jobs.RecordWebhookPath+strconv.FormatInt(link.ID, 10)+"/"+h.Token {
			t.Fatalf("registered %+v, want %s's callback under %s", hs[0], link.ORCID, e.base)
		}
		eventually(t, "the registration acknowledged", func() bool {
			h, err := e.st.RecordWebhookOfLink(e.ctx, link.ID)
			return err == nil && !h.RegisteredAt.IsZero()
		})

		// The record changes; the registry's scheduler calls orcidlink.
		c.want(201, "POST", "/people/"+strconv.FormatInt(pid, 10)+"/works", map[string]any{"key": "w1", "item": work("w1", "Changed Since")})
		eventually(t, "the work synced", func() bool {
			it, err := e.st.ItemByKey(e.ctx, e.a.ID, pid, "work", "w1")
			return err == nil && it.State == store.ItemSynced
		})
		run, err := e.reg.Registry.DeliverWebhooks(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if run.Failed != 0 {
			t.Fatalf("delivery run %+v", run)
		}
		eventually(t, "the record marked changed", func() bool {
			h, err := e.st.RecordWebhookOfLink(e.ctx, link.ID)
			return err == nil && !h.ChangedAt.IsZero()
		})

		// The researcher disconnects: the webhook goes.
		if err := e.svc.Disconnect(e.ctx, e.a.ID, pid, store.ActorPerson); err != nil && !strings.Contains(err.Error(), "revoke") {
			t.Fatal(err)
		}
		eventually(t, "the webhook removed at ORCID", func() bool { return len(registered()) == 0 })
		eventually(t, "the webhook forgotten", func() bool {
			_, err := e.st.RecordWebhookOfLink(e.ctx, link.ID)
			return err != nil
		})
	})
}
