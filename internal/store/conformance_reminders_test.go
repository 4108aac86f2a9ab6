package store_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testInvitationReminders: an invitation keeps its reason, and its token
// sealed for reminders only while one may follow; a reminder is recorded
// once (two runs cannot both send it); cancelling kills every live link
// of the person but the one kept; tenants' asks and schedules keep "none"
// apart from "the default".
func testInvitationReminders(t *testing.T, e *env) {
	c := e.credential(t, "APP-R")
	tn := e.tenant(t, "reminders", c.ID)
	p := e.person(t, tn.ID, "Rita", "Reminded")
	day := 24 * time.Hour
	mk := func(remind bool, why store.InvitationReason) (store.Invitation, string) {
		t.Helper()
		inv, token, err := e.s.CreateInvitation(e.ctx, store.NewInvitation{TenantID: tn.ID, PersonID: p.ID,
			ExpiresAt: e.clock.Now().Add(30 * day), CreatedBy: store.ActorSystem, Reason: why, Remind: remind})
		want(t, "create", err, nil)
		want(t, "sent", e.s.MarkInvitationSent(e.ctx, tn.ID, inv.ID, e.clock.Now()), nil)
		return inv, token
	}
	why := store.InvitationReason{Kind: store.ReasonArticle, Detail: "On Remembering"}
	inv, token := mk(true, why)
	if got, _ := e.s.Invitation(e.ctx, tn.ID, inv.ID); got.Reason != why || got.Reminders != 0 {
		t.Fatalf("stored %+v", got)
	}
	if _, _, err := e.s.CreateInvitation(e.ctx, store.NewInvitation{TenantID: tn.ID, PersonID: p.ID,
		ExpiresAt: e.clock.Now().Add(day), Reason: store.InvitationReason{Kind: "bribe"}}); err == nil {
		t.Error("an unknown reason was stored")
	}
	// Sealed at rest, and read back whole.
	if raw := e.rawBytes(t, `SELECT reminder_token FROM invitations WHERE id = ?`, inv.ID); len(raw) == 0 || bytes.Contains(raw, []byte(token)) {
		t.Fatalf("reminder_token at rest: %q", raw)
	}
	rs, err := e.s.RemindableInvitations(e.ctx, e.clock.Now(), 0, 10)
	want(t, "remindable", err, nil)
	if len(rs) != 1 || rs[0].ID != inv.ID || rs[0].Token != token {
		t.Fatalf("remindable %+v", rs)
	}

	// One reminder, recorded once: a second run with the same count is
	// refused.
	want(t, "first reminder", e.s.MarkInvitationReminded(e.ctx, tn.ID, inv.ID, 0, 1, e.clock.Now(), false), nil)
	want(t, "the same reminder again", e.s.MarkInvitationReminded(e.ctx, tn.ID, inv.ID, 0, 1, e.clock.Now(), false), store.ErrNotFound)
	want(t, "last reminder", e.s.MarkInvitationReminded(e.ctx, tn.ID, inv.ID, 1, 2, e.clock.Now(), true), nil)
	if got, _ := e.s.Invitation(e.ctx, tn.ID, inv.ID); got.Reminders != 2 || got.RemindedAt.IsZero() {
		t.Errorf("after reminders %+v", got)
	}
	if rs, _ := e.s.RemindableInvitations(e.ctx, e.clock.Now(), 0, 10); len(rs) != 0 {
		t.Errorf("remindable after the last reminder: %+v", rs)
	}

	// Leaving pending, or expiring, drops the token.
	tests := []struct {
		name string
		end  func(inv store.Invitation)
	}{
		{"denied", func(inv store.Invitation) {
			want(t, "deny", e.s.SetInvitationState(e.ctx, tn.ID, inv.ID, store.InvitationDenied), nil)
		}},
		{"expired", func(store.Invitation) {
			e.clock.Add(31 * day)
			_, err := e.s.DropStaleReminderTokens(e.ctx, e.clock.Now())
			want(t, "drop stale", err, nil)
		}},
		{"cancelled", func(store.Invitation) {
			_, err := e.s.CancelInvitations(e.ctx, tn.ID, p.ID, 0)
			want(t, "cancel", err, nil)
		}},
	}
	for _, tc := range tests {
		inv, _ := mk(true, store.InvitationReason{})
		tc.end(inv)
		if raw := e.rawBytes(t, `SELECT reminder_token FROM invitations WHERE id = ?`, inv.ID); len(raw) != 0 {
			t.Errorf("%s: the token is kept", tc.name)
		}
	}

	// Cancelling kills every live link, used ones too, but the one kept.
	a, _ := mk(false, store.InvitationReason{})
	want(t, "accept", e.s.SetInvitationState(e.ctx, tn.ID, a.ID, store.InvitationAccepted), nil)
	keep, _ := mk(false, store.InvitationReason{})
	n, err := e.s.CancelInvitations(e.ctx, tn.ID, p.ID, keep.ID)
	want(t, "cancel all but one", err, nil)
	if n != 1 {
		t.Errorf("cancelled %d, want 1 (the accepted one)", n)
	}
	if got, _ := e.s.Invitation(e.ctx, tn.ID, a.ID); got.State != store.InvitationCancelled {
		t.Errorf("used link: %s", got.State)
	}
	if got, _ := e.s.Invitation(e.ctx, tn.ID, keep.ID); got.State != store.InvitationPending {
		t.Errorf("kept link: %s", got.State)
	}

	// Asks and reminder schedules: nil is the default, [] is none.
	settings := []struct {
		asks     []store.Ask
		days     []int
		wantAsks int
		wantDays []int
		bad      bool
	}{
		{nil, nil, 4, []int{7, 21}, false},
		{[]store.Ask{}, []int{}, 0, []int{}, false},
		{[]store.Ask{store.AskPerson, store.AskWorks, store.AskWorks}, []int{21, 3, 3}, 2, []int{3, 21}, false},
		{[]store.Ask{"everything"}, nil, 0, nil, true},
		{nil, []int{0}, 0, nil, true},
		{nil, []int{1, 2, 3, 4, 5, 6}, 0, nil, true},
	}
	for i, s := range settings {
		cur := tn
		cur.Settings.Asks, cur.Settings.ReminderDays = s.asks, s.days
		got, err := e.s.UpdateTenant(e.ctx, cur)
		if s.bad {
			want(t, "bad settings", err, store.ErrInvalid)
			continue
		}
		want(t, "settings", err, nil)
		got, _ = e.s.Tenant(e.ctx, got.ID)
		if len(got.Settings.AskList()) != s.wantAsks || len(got.Settings.Reminders()) != len(s.wantDays) ||
			(len(s.wantDays) > 0 && got.Settings.Reminders()[0] != s.wantDays[0]) || (s.asks != nil) != (got.Settings.Asks != nil) {
			t.Errorf("case %d: stored asks %v, days %v", i, got.Settings.Asks, got.Settings.ReminderDays)
		}
	}
}
