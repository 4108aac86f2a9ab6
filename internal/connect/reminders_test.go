package connect_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

const testDay = 24 * time.Hour

// reminders are the reminder emails in the outbox to recipient, oldest
// first.
func (f *fixture) reminders(t *testing.T, recipient string) []store.Email {
	t.Helper()
	emails, err := f.st.ListEmails(f.ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Email
	for _, e := range emails {
		if e.Recipient == recipient && strings.HasPrefix(e.Subject, "Reminder: ") {
			out = append(out, e)
		}
	}
	slices.Reverse(out)
	return out
}

// rawOf is the token of an invitation's link.
func rawOf(t *testing.T, inv connect.Invitation) string {
	t.Helper()
	raw, ok := strings.CutPrefix(inv.Link, publicURL+"/i/")
	if !ok {
		t.Fatalf("link %q", inv.Link)
	}
	return raw
}

// TestReminders: a reminder goes out on the tenant's schedule, carries the
// same link and says it is one and why; none goes after the person
// connects, denies, is removed, or the invitation expires or is replaced.
func TestReminders(t *testing.T) {
	type step struct {
		at   int // days after the invitation email
		want int // reminders sent so far
	}
	tests := []struct {
		name  string
		days  []int // the tenant's schedule; nil is the default (7 and 21)
		ttl   time.Duration
		after func(t *testing.T, f *fixture, inv connect.Invitation) // at day 10
		steps []step
	}{
		{name: "default schedule", steps: []step{{6, 0}, {7, 1}, {8, 1}, {20, 1}, {21, 2}, {29, 2}}},
		{name: "tenant's schedule", days: []int{2, 5, 9}, steps: []step{{1, 0}, {2, 1}, {5, 2}, {9, 3}, {29, 3}}},
		{name: "no reminders", days: []int{}, steps: []step{{7, 0}, {29, 0}}},
		{name: "missed schedule sends one", steps: []step{{25, 1}, {29, 1}}},
		{name: "expired", ttl: 15 * testDay, steps: []step{{7, 1}, {21, 1}, {29, 1}}},
		{name: "connects", after: func(t *testing.T, f *fixture, inv connect.Invitation) {
			authURL, err := f.svc.Start(f.ctx, rawOf(t, inv), "s", "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Complete(f.ctx, f.authorize(t, authURL), "s"); err != nil {
				t.Fatal(err)
			}
		}, steps: []step{{7, 1}, {10, 1}, {21, 1}, {29, 1}}},
		{name: "denies", after: func(t *testing.T, f *fixture, inv connect.Invitation) {
			authURL, err := f.svc.Start(f.ctx, rawOf(t, inv), "s", "")
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.svc.Complete(f.ctx, url.Values{"error": {"access_denied"}, "state": {stateOf(t, authURL)}}, "s")
			if !errors.Is(err, connect.ErrDenied) {
				t.Fatal(err)
			}
		}, steps: []step{{7, 1}, {10, 1}, {21, 1}}},
		{name: "replaced by a newer invitation", after: func(t *testing.T, f *fixture, _ connect.Invitation) {
			// Not emailed: the old one's reminders stop, and the new one
			// has nothing to remind of.
			if _, err := f.svc.Invite(f.ctx, f.tenant.ID, f.alice.ID, store.ActorAdmin(1), false); err != nil {
				t.Fatal(err)
			}
		}, steps: []step{{7, 1}, {10, 1}, {21, 1}}},
		{name: "person deleted", after: func(t *testing.T, f *fixture, _ connect.Invitation) {
			if err := f.st.DeletePerson(f.ctx, f.tenant.ID, f.alice.ID); err != nil {
				t.Fatal(err)
			}
		}, steps: []step{{7, 1}, {10, 1}, {21, 1}}},
	}
	storetest.Engines(t, func(t *testing.T, driver string) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f := newFixture(t, fixtureOpts{driver: driver, invitationTTL: tc.ttl})
				f.tenant.Settings.ReminderDays = tc.days
				if _, err := f.st.UpdateTenant(f.ctx, f.tenant); err != nil {
					t.Fatal(err)
				}
				start := f.clock.Now()
				inv, err := f.svc.InviteWithReason(f.ctx, f.tenant.ID, f.alice.ID, store.ActorAdmin(1), true,
					store.InvitationReason{Kind: store.ReasonArticle, Detail: "On Reminders"})
				if err != nil {
					t.Fatal(err)
				}
				didAfter := false
				for _, st := range tc.steps {
					if tc.after != nil && !didAfter && st.at >= 10 {
						f.clock.Advance(start.Add(10 * testDay).Sub(f.clock.Now()))
						tc.after(t, f, inv)
						didAfter = true
					}
					f.clock.Advance(start.Add(time.Duration(st.at) * testDay).Sub(f.clock.Now()))
					if _, err := f.svc.SendReminders(f.ctx); err != nil {
						t.Fatalf("day %d: %v", st.at, err)
					}
					got := f.reminders(t, f.alice.Email)
					if len(got) != st.want {
						t.Fatalf("day %d: %d reminders, want %d", st.at, len(got), st.want)
					}
					for _, e := range got {
						// The same link as the first email, the reason again,
						// and that it is a reminder.
						// It links to their page too.
						for _, want := range []string{inv.Link, connect.PageLink(inv.Link) + "\n", "This is a reminder: Journal of Tests wrote to you on " +
							start.Format(time.DateOnly), "“On Reminders” has just been published"} {
							if !strings.Contains(e.TextBody, want) {
								t.Fatalf("day %d: reminder lacks %q:\n%s", st.at, want, e.TextBody)
							}
						}
					}
				}
			})
		}
	})
}

// TestReminderInPersonsLanguage: the reminder and its reason are in the
// person's language.
func TestReminderInPersonsLanguage(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	if _, err := f.svc.InviteWithReason(f.ctx, f.tenant.ID, f.bob.ID, store.ActorAdmin(1), true,
		store.InvitationReason{Kind: store.ReasonReview}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(7 * testDay)
	if n, err := f.svc.SendReminders(f.ctx); err != nil || n != 1 {
		t.Fatalf("SendReminders: %d, %v", n, err)
	}
	emails, _ := f.st.ListEmails(f.ctx, 10)
	e := emails[0]
	for _, want := range []string{"Ceci est un rappel", "Merci pour votre évaluation par les pairs pour Journal of Tests"} {
		if !strings.Contains(e.TextBody, want) {
			t.Errorf("Bob's reminder lacks %q:\n%s", want, e.TextBody)
		}
	}
	if !strings.HasPrefix(e.Subject, "Rappel : ") {
		t.Errorf("subject %q", e.Subject)
	}
}

// TestOldLinkDies: an invitation link stops working when an administrator
// removes the person's iD, or a newer invitation is sent, even if it was
// already used; the researcher's own disconnection keeps it (they may
// reconnect from the same email).
func TestOldLinkDies(t *testing.T) {
	tests := []struct {
		name     string
		then     func(t *testing.T, f *fixture)
		dead     bool
		canStart bool // the link still leads to ORCID
	}{
		{"admin removes the iD", func(t *testing.T, f *fixture) {
			if err := f.svc.Disconnect(f.ctx, f.tenant.ID, f.alice.ID, store.ActorAdmin(1)); err != nil {
				t.Fatal(err)
			}
		}, true, false},
		{"a newer invitation", func(t *testing.T, f *fixture) {
			// Revoked at ORCID, the person can be invited again.
			l, _ := f.st.Link(f.ctx, f.tenant.ID, f.alice.ID)
			if err := f.svc.MarkRevoked(f.ctx, l, "401"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Invite(f.ctx, f.tenant.ID, f.alice.ID, store.ActorAdmin(1), false); err != nil {
				t.Fatal(err)
			}
		}, true, false},
		{"the researcher disconnects", func(t *testing.T, f *fixture) {
			if err := f.svc.Disconnect(f.ctx, f.tenant.ID, f.alice.ID, store.ActorPerson); err != nil {
				t.Fatal(err)
			}
		}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{})
			_, raw := f.invite(t, f.alice)
			authURL, err := f.svc.Start(f.ctx, raw, "s", "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Complete(f.ctx, f.authorize(t, authURL), "s"); err != nil {
				t.Fatal(err)
			}
			tc.then(t, f)
			v, err := f.svc.Lookup(f.ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			if dead := v.Invitation.State == store.InvitationCancelled; dead != tc.dead || v.Usable == tc.dead {
				t.Errorf("old link: state %s, usable %v; want dead %v", v.Invitation.State, v.Usable, tc.dead)
			}
			_, err = f.svc.Start(f.ctx, raw, "s2", "")
			if started := err == nil; started != tc.canStart {
				t.Errorf("Start with the old link: %v, want it to work: %v", err, tc.canStart)
			}
			if tc.dead && !errors.Is(err, connect.ErrInvitationExpired) {
				t.Errorf("Start with a dead link: %v, want ErrInvitationExpired", err)
			}
			if _, err := f.svc.DisconnectByInvitation(f.ctx, raw); tc.dead && !errors.Is(err, connect.ErrInvitationExpired) {
				t.Errorf("DisconnectByInvitation with a dead link: %v", err)
			}
		})
	}
}

// TestScopesPerTenant: a tenant's asks map to the fewest ORCID scopes, and
// the invitation and the authorize URL ask exactly those.
func TestScopesPerTenant(t *testing.T) {
	tests := []struct {
		asks []store.Ask
		want []string
	}{
		{nil, []string{"openid", "/read-limited", "/activities/update", "/person/update"}},
		{[]store.Ask{store.AskWorks}, []string{"openid", "/activities/update"}},
		{[]store.Ask{store.AskAffiliations}, []string{"openid", "/activities/update"}},
		{[]store.Ask{store.AskWorks, store.AskAffiliations}, []string{"openid", "/activities/update"}},
		{[]store.Ask{store.AskPerson}, []string{"openid", "/person/update"}},
		{[]store.Ask{store.AskReadLimited, store.AskWorks}, []string{"openid", "/read-limited", "/activities/update"}},
		{[]store.Ask{}, []string{"openid", "/authenticate"}},
	}
	for _, tc := range tests {
		f := newFixture(t, fixtureOpts{})
		if got := connect.ScopesFor(tc.asks); !slices.Equal(got, tc.want) && tc.asks != nil {
			t.Errorf("ScopesFor(%v) = %v, want %v", tc.asks, got, tc.want)
		}
		f.tenant.Settings.Asks = tc.asks
		var err error
		if f.tenant, err = f.st.UpdateTenant(f.ctx, f.tenant); err != nil {
			t.Fatal(err)
		}
		inv, raw := f.invite(t, f.alice)
		if !slices.Equal(inv.Scopes, tc.want) {
			t.Errorf("asks %v: invitation scopes %v, want %v", tc.asks, inv.Scopes, tc.want)
		}
		authURL, err := f.svc.Start(f.ctx, raw, "s", "")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(authURL)
		if got := strings.Fields(u.Query().Get("scope")); !slices.Equal(got, tc.want) {
			t.Errorf("asks %v: authorize URL asks %v, want %v", tc.asks, got, tc.want)
		}
		// The registry grants them, and the person then counts as
		// connected with what the tenant asks.
		if _, err := f.svc.Complete(f.ctx, f.authorize(t, authURL), "s"); err != nil {
			t.Fatalf("asks %v: %v", tc.asks, err)
		}
		if v, err := f.svc.Lookup(f.ctx, raw); err != nil || !v.Connected {
			t.Errorf("asks %v: connected %v, %v", tc.asks, v.Connected, err)
		}
	}
	// A Public API credential asks for the iD alone, whatever the tenant
	// chose.
	pub := newFixture(t, fixtureOpts{api: orcid.PublicAPI})
	pub.tenant.Settings.Asks = []store.Ask{store.AskWorks}
	if got := pub.svc.TenantScopes(pub.tenant, pub.cred); !slices.Equal(got, []string{"openid", "/authenticate"}) {
		t.Errorf("Public API tenant asks %v", got)
	}
}

// TestScopeUpgrade: widening a tenant's asks leaves connected people
// connected, and InviteUpgrades asks each of them, saying what is new;
// once they agree, they need nothing more.
func TestScopeUpgrade(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.tenant.Settings.Asks = []store.Ask{store.AskWorks}
	var err error
	if f.tenant, err = f.st.UpdateTenant(f.ctx, f.tenant); err != nil {
		t.Fatal(err)
	}
	f.connect(t, f.alice, "s")
	if pl, err := f.svc.PlanUpgrades(f.ctx, f.tenant.ID); err != nil || len(pl.Invite) != 0 || pl.Connected != 1 {
		t.Fatalf("plan before widening: %+v, %v", pl, err)
	}
	f.tenant.Settings.Asks = []store.Ask{store.AskWorks, store.AskPerson}
	if f.tenant, err = f.st.UpdateTenant(f.ctx, f.tenant); err != nil {
		t.Fatal(err)
	}
	pl, err := f.svc.PlanUpgrades(f.ctx, f.tenant.ID)
	if err != nil || len(pl.Invite) != 1 || pl.Invite[0].ID != f.alice.ID {
		t.Fatalf("plan after widening: %+v, %v", pl, err)
	}
	res, err := f.svc.InviteUpgrades(f.ctx, f.tenant.ID, store.ActorAdmin(1))
	if err != nil || res.Invited != 1 {
		t.Fatalf("InviteUpgrades: %+v, %v", res, err)
	}
	invs, _ := f.st.ListInvitations(f.ctx, f.tenant.ID, f.alice.ID)
	if invs[0].Reason != (store.InvitationReason{Kind: store.ReasonUpgrade, Detail: "person"}) {
		t.Errorf("upgrade reason %+v", invs[0].Reason)
	}
	emails, _ := f.st.ListEmails(f.ctx, 10)
	if e := emails[0]; e.Subject != "Journal of Tests asks for a further permission on your ORCID record" ||
		!strings.Contains(e.TextBody, "already connected to Journal of Tests, which now also asks for your permission to: "+
			"update biographical information in your ORCID record") {
		t.Errorf("upgrade email %q:\n%s", e.Subject, e.TextBody)
	}
	// Still connected meanwhile; after agreeing, covered.
	if l, err := f.st.Link(f.ctx, f.tenant.ID, f.alice.ID); err != nil || l.State != store.LinkConnected {
		t.Fatalf("link during upgrade: %+v, %v", l, err)
	}
}

// connectAs runs the whole flow for p as a researcher of their own at the
// registry (the fixture's one researcher can hold one link at a time).
func (f *fixture) connectAs(t *testing.T, p store.Person, binding string) {
	t.Helper()
	email, pw := strings.ToLower(p.GivenNames)+"@researchers.example", "correct horse battery staple"
	if _, err := f.env.Registry.CreateResearcher(f.ctx, sandbox.NewResearcher{GivenNames: p.GivenNames,
		FamilyNames: p.FamilyNames, Email: email, Password: pw}); err != nil {
		t.Fatal(err)
	}
	_, raw := f.invite(t, p)
	authURL, err := f.svc.Start(f.ctx, raw, binding, "en")
	if err != nil {
		t.Fatal(err)
	}
	q, err := sandboxtest.SignInAndAuthorize(authURL, f.svc.RedirectURI(), email, pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Complete(f.ctx, q, binding); err != nil {
		t.Fatal(err)
	}
}

// TestInviteAllLeavesOutThoseWhoSaidNo: inviting everyone passes by the
// connected and those who disconnected, revoked or denied.
func TestInviteAllLeavesOutThoseWhoSaidNo(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	carol := f.person(t, "Carol", "Castro", "carol@example.org", "c-3", "")
	dan := f.person(t, "Dan", "Diaz", "dan@example.org", "d-4", "")
	fay := f.person(t, "Fay", "Fox", "fay@example.org", "f-6", "")
	gus := f.person(t, "Gus", "Gray", "gus@example.org", "g-7", "")

	// Alice disconnects on purpose; Carol's access is revoked at ORCID;
	// Dan denies; Fay is connected; Gus's iD was removed by an
	// administrator (asked again); Bob and Gus are invited.
	f.connectAs(t, f.alice, "a")
	if err := f.svc.Disconnect(f.ctx, f.tenant.ID, f.alice.ID, store.ActorPerson); err != nil {
		t.Fatal(err)
	}
	f.connectAs(t, carol, "c")
	l, _ := f.st.Link(f.ctx, f.tenant.ID, carol.ID)
	if err := f.svc.MarkRevoked(f.ctx, l, "401 invalid_token"); err != nil {
		t.Fatal(err)
	}
	_, raw := f.invite(t, dan)
	authURL, _ := f.svc.Start(f.ctx, raw, "d", "")
	if _, err := f.svc.Complete(f.ctx, url.Values{"error": {"access_denied"}, "state": {stateOf(t, authURL)}}, "d"); !errors.Is(err, connect.ErrDenied) {
		t.Fatal(err)
	}
	f.connectAs(t, gus, "g")
	if err := f.svc.Disconnect(f.ctx, f.tenant.ID, gus.ID, store.ActorAdmin(1)); err != nil {
		t.Fatal(err)
	}
	f.connectAs(t, fay, "f")

	pl, err := f.svc.PlanInviteAll(f.ctx, f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	var invite []string
	for _, p := range pl.Invite {
		invite = append(invite, p.GivenNames)
	}
	left := map[string]connect.LeftOut{}
	for _, lo := range pl.LeftOut {
		left[lo.Person.GivenNames] = lo.Why
	}
	slices.Sort(invite)
	wantLeft := map[string]connect.LeftOut{"Alice": connect.LeftDisconnected, "Carol": connect.LeftRevoked,
		"Dan": connect.LeftDenied}
	if !slices.Equal(invite, []string{"Bob", "Gus"}) || pl.Connected != 1 || len(left) != len(wantLeft) {
		t.Fatalf("plan: invite %v, connected %d, left out %v", invite, pl.Connected, left)
	}
	for name, why := range wantLeft {
		if left[name] != why {
			t.Errorf("%s left out as %q, want %q", name, left[name], why)
		}
	}
	res, err := f.svc.InviteAll(f.ctx, f.tenant.ID, store.ActorAdmin(1))
	if err != nil || res.Invited != 2 || res.LeftOut != 3 || res.Connected != 1 || res.Failed != 0 {
		t.Fatalf("InviteAll: %+v, %v", res, err)
	}
	for _, p := range []store.Person{f.alice, carol, dan} {
		invs, _ := f.st.ListInvitations(f.ctx, f.tenant.ID, p.ID)
		if len(invs) > 0 && invs[0].State == store.InvitationPending && !invs[0].SentAt.IsZero() {
			t.Errorf("%s was emailed an invitation", p.GivenNames)
		}
	}
}

// TestReasonTextsComplete: every reason reads in every language orcidlink
// speaks, naming what it should.
func TestReasonTextsComplete(t *testing.T) {
	tn := store.Tenant{Name: "Journal of Tests"}
	for _, lang := range i18n.Codes() {
		for _, why := range []store.InvitationReason{
			{Kind: store.ReasonArticle, Detail: "On Tests"},
			{Kind: store.ReasonReview, Detail: "On Tests"},
			{Kind: store.ReasonReview},
			{Kind: store.ReasonUpgrade, Detail: "works affiliations person read-limited"},
		} {
			got := connect.ReasonText(lang, tn, why)
			if !strings.Contains(got, "Journal of Tests") || (why.Kind != store.ReasonUpgrade && why.Detail != "" && !strings.Contains(got, "On Tests")) {
				t.Errorf("%s %+v: %q", lang, why, got)
			}
			if why.Kind == store.ReasonUpgrade {
				for _, id := range []string{"reason.ask.works", "reason.ask.affiliations", "reason.ask.person", "reason.ask.read_limited"} {
					if ask := i18n.T(lang, id, nil); !strings.Contains(got, ask) {
						t.Errorf("%s: upgrade does not list %q: %q", lang, ask, got)
					}
				}
			}
		}
		if got := connect.ReasonText(lang, tn, store.InvitationReason{}); got != "" {
			t.Errorf("%s: no reason gives %q", lang, got)
		}
	}
}
