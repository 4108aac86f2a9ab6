package webhooks_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestVerify(t *testing.T) {
	const secret = "whsec_test"
	body := []byte(`{"id":"evt_1","type":"item.synced"}`)
	at := time.Unix(1_800_000_000, 0)
	good := webhooks.Sign(secret, at, body)
	if !strings.HasPrefix(good, "t=1800000000,v1=") {
		t.Fatalf("header = %q", good)
	}
	tests := []struct {
		name   string
		secret string
		header string
		body   string
		now    time.Time
		want   error
	}{
		{"good", secret, good, string(body), at, nil},
		{"good, a minute later", secret, good, string(body), at.Add(time.Minute), nil},
		{"good among others", secret, "t=1800000000,v1=00ff," + strings.TrimPrefix(good, "t=1800000000,") + ",v2=zz", string(body), at, nil},
		{"tampered body", secret, good, strings.Replace(string(body), "item.synced", "item.failed", 1), at, webhooks.ErrBadSignature},
		{"wrong secret", "whsec_other", good, string(body), at, webhooks.ErrBadSignature},
		{"stale", secret, good, string(body), at.Add(webhooks.DefaultTolerance + time.Second), webhooks.ErrStaleSignature},
		{"from the future", secret, good, string(body), at.Add(-webhooks.DefaultTolerance - time.Second), webhooks.ErrStaleSignature},
		{"timestamp changed", secret, strings.Replace(good, "t=1800000000", "t=1800000001", 1), string(body), at, webhooks.ErrBadSignature},
		{"empty", secret, "", string(body), at, webhooks.ErrMalformedSignature},
		{"no v1", secret, "t=1800000000", string(body), at, webhooks.ErrMalformedSignature},
		{"no t", secret, strings.TrimPrefix(good, "t=1800000000,"), string(body), at, webhooks.ErrMalformedSignature},
		{"v1 not hex", secret, "t=1800000000,v1=xyz", string(body), at, webhooks.ErrMalformedSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhooks.Verify(tt.secret, tt.header, []byte(tt.body), tt.now, 0)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	// A tolerance of the receiver's own.
	if err := webhooks.Verify(secret, good, body, at.Add(time.Hour), 2*time.Hour); err != nil {
		t.Fatalf("with a 2h tolerance: %v", err)
	}
}

// TestBody: the envelope, byte for byte, for each kind of event (golden
// file testdata/envelopes.json; go test -update rewrites it). Any change is
// a change receivers see.
func TestBody(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 123456000, time.UTC)
	link := store.Link{TenantID: 1, PersonID: 2, ORCIDURI: "https://orcid.org/0000-0002-1825-0097",
		Scopes: []string{"/read-limited", "/activities/update"}, ExpiresAt: at.AddDate(20, 0, 0), AccessToken: "SECRET-TOKEN",
		RefreshToken: "SECRET-REFRESH"}
	item := store.Item{ID: 7, TenantID: 1, PersonID: 2, Kind: "work", Key: "article:12", PutCode: 1234}
	failed := item
	failed.State, failed.PutCode, failed.LastError = store.ItemFailedPermanent, 0, "invalid work type"
	synced := item
	synced.State = store.ItemSynced
	retracted := item
	retracted.State, retracted.PutCode = store.ItemRetracted, 0
	inFlight := item
	inFlight.State = store.ItemInFlight
	retracting := item
	retracting.State = store.ItemRetracting
	itemEvent := func(before, after store.Item) store.Event {
		ev, ok := webhooks.ItemEvent(before, after)
		if !ok {
			t.Fatalf("no event for %s -> %s", before.State, after.State)
		}
		return ev
	}
	events := []store.Event{
		webhooks.Connected(link),
		webhooks.Denied(store.Invitation{ID: 5, TenantID: 1, PersonID: 2}),
		webhooks.Disconnected(link, true, true),
		webhooks.Revoked(link, "ORCID refused our token (401)"),
		itemEvent(inFlight, synced),
		itemEvent(inFlight, failed),
		itemEvent(retracting, retracted),
		webhooks.Imported(1, 2, link.ORCIDURI, at),
	}
	var all []json.RawMessage
	for i, ev := range events {
		ev.UID, ev.TenantSlug, ev.PersonEmail, ev.PersonExternalRef, ev.CreatedAt = "evt_golden", "journal", "ada@example.org", "HR-1", at
		if ev.Type != webhooks.EventTypes()[i] {
			t.Fatalf("event %d is %s, want %s", i, ev.Type, webhooks.EventTypes()[i])
		}
		b := webhooks.Body(ev)
		if strings.Contains(string(b), "SECRET") {
			t.Fatalf("a token in the body: %s", b)
		}
		var env webhooks.Envelope
		if err := json.Unmarshal(b, &env); err != nil || env.Person == nil || env.Person.ExternalRef != "HR-1" || env.Tenant.Slug != "journal" {
			t.Fatalf("decode %s: %+v, %v", b, env, err)
		}
		all = append(all, b)
	}
	got, _ := json.MarshalIndent(all, "", "  ")
	golden := filepath.Join("testdata", "envelopes.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantB, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(wantB) {
		t.Fatalf("envelopes changed:\n%s\nwant:\n%s", got, wantB)
	}
	// No event when nothing a receiver cares about changed.
	for _, pair := range [][2]store.Item{{synced, synced}, {inFlight, inFlight}, {failed, failed}} {
		if _, ok := webhooks.ItemEvent(pair[0], pair[1]); ok {
			t.Fatalf("event for %s -> %s", pair[0].State, pair[1].State)
		}
	}
	queued := item
	queued.State = store.ItemQueued
	if _, ok := webhooks.ItemEvent(inFlight, queued); ok {
		t.Fatal("event for in-flight -> queued")
	}
}
