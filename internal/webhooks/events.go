// Package webhooks tells a tenant's own systems what happened, as signed
// HTTP POSTs to the endpoints they registered: a person connected their
// ORCID iD, an item reached ORCID, an import finished (doc/webhooks.md).
//
// Code that changes state records an event with store.RecordEvent, in the
// same transaction as the change, using the constructors here
// (PersonConnected, ItemSynced, ...); the store fans it out into one
// pending delivery per subscribed endpoint. The rows are the queue: the
// job queue (package jobs) sends due deliveries with a Deliverer, which
// signs each body (Sign), retries with exponential backoff for days, and
// keeps deliveries about one person to one endpoint in order. Receivers
// check a body with Verify.
//
// Service manages endpoints for the admin UI and the REST API: it makes
// the signing secrets and nudges the queue on a redelivery.
package webhooks

import (
	"encoding/json"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// Event types.
const (
	PersonConnected    = "person.connected"
	PersonDenied       = "person.denied"
	PersonDisconnected = "person.disconnected"
	PersonRevoked      = "person.revoked"
	ItemSynced         = "item.synced"
	ItemFailed         = "item.failed"
	ItemRetracted      = "item.retracted"
	ImportFinished     = "import.finished"
)

// EventTypes lists every event type, in the order the documentation and
// the admin UI show them.
func EventTypes() []string {
	return []string{PersonConnected, PersonDenied, PersonDisconnected, PersonRevoked, ItemSynced, ItemFailed,
		ItemRetracted, ImportFinished}
}

// KnownType reports whether typ is an event type.
func KnownType(typ string) bool {
	for _, t := range EventTypes() {
		if t == typ {
			return true
		}
	}
	return false
}

// Envelope is the JSON body of every delivery. Its fields never change
// meaning; new fields may be added. It never contains a token.
type Envelope struct {
	ID        string          `json:"id"` // "evt_...": unique; a redelivery repeats it
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Tenant    EnvelopeTenant  `json:"tenant"`
	Person    *EnvelopePerson `json:"person"` // null for an event about no one
	Data      json.RawMessage `json:"data"`   // one of the *Data types, by Type
}

// EnvelopeTenant names the tenant the event belongs to.
type EnvelopeTenant struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
}

// EnvelopePerson is the person the event concerns, as they were when it
// happened.
type EnvelopePerson struct {
	ID          int64  `json:"id"`
	Email       string `json:"email"`
	ExternalRef string `json:"external_ref"` // the tenant's own reference; "" for none
}

// Body is the envelope of a recorded event, as sent. The same event always
// gives the same bytes.
func Body(ev store.Event) []byte {
	env := Envelope{ID: ev.UID, Type: ev.Type, CreatedAt: ev.CreatedAt.UTC(),
		Tenant: EnvelopeTenant{ID: ev.TenantID, Slug: ev.TenantSlug}, Data: ev.Data}
	if ev.PersonID != 0 {
		env.Person = &EnvelopePerson{ID: ev.PersonID, Email: ev.PersonEmail, ExternalRef: ev.PersonExternalRef}
	}
	if len(env.Data) == 0 {
		env.Data = json.RawMessage("{}")
	}
	b, err := json.Marshal(env)
	if err != nil {
		// Data came from the database as JSON the store checked.
		panic("webhooks: encode envelope: " + err.Error())
	}
	return b
}

// The data of each event type.

// PersonConnectedData is the data of person.connected: the person
// authorized the tenant at ORCID.
type PersonConnectedData struct {
	ORCID     string    `json:"orcid"` // the authenticated iD, as a full URI
	Scopes    []string  `json:"scopes"`
	ExpiresAt time.Time `json:"expires_at"` // of the authorization
}

// PersonDeniedData is the data of person.denied: the person clicked
// "Deny" at ORCID.
type PersonDeniedData struct {
	InvitationID int64 `json:"invitation_id"`
}

// PersonDisconnectedData is the data of person.disconnected: the person
// disconnected, or an administrator removed their link.
type PersonDisconnectedData struct {
	ORCID string `json:"orcid"`
	// By is "person" for the researcher and "admin" for an administrator.
	By string `json:"by"`
	// RevokedAtORCID: the tokens were also revoked at ORCID.
	RevokedAtORCID bool `json:"revoked_at_orcid"`
}

// PersonRevokedData is the data of person.revoked: ORCID refused the
// person's token (they revoked the tenant's access there); they must
// connect again.
type PersonRevokedData struct {
	ORCID  string `json:"orcid"`
	Reason string `json:"reason"`
}

// ItemData is the data of item.synced, item.failed and item.retracted.
type ItemData struct {
	ItemID  int64  `json:"item_id"`
	Kind    string `json:"kind"` // work, employment, funding, peer-review, ...
	Key     string `json:"key"`  // the key the item was created with
	State   string `json:"state"`
	PutCode int64  `json:"put_code,omitempty"` // ORCID's; for item.retracted the one removed
	Error   string `json:"error,omitempty"`    // item.failed: ORCID's message
}

// ImportFinishedData is the data of import.finished: the person's ORCID
// record was read and stored.
type ImportFinishedData struct {
	ORCID     string    `json:"orcid"`
	FetchedAt time.Time `json:"fetched_at"`
}

func event(tenantID, personID int64, typ string, data any) store.Event {
	b, err := json.Marshal(data)
	if err != nil {
		panic("webhooks: encode event data: " + err.Error()) // plain structs
	}
	return store.Event{TenantID: tenantID, PersonID: personID, Type: typ, Data: b}
}

// Constructors of the events, for store.RecordEvent.

// Connected is person.connected for a link just stored.
func Connected(l store.Link) store.Event {
	return event(l.TenantID, l.PersonID, PersonConnected,
		PersonConnectedData{ORCID: l.ORCIDURI, Scopes: l.Scopes, ExpiresAt: l.ExpiresAt.UTC()})
}

// Denied is person.denied for an invitation the person refused at ORCID.
func Denied(inv store.Invitation) store.Event {
	return event(inv.TenantID, inv.PersonID, PersonDenied, PersonDeniedData{InvitationID: inv.ID})
}

// Disconnected is person.disconnected for a removed link; byPerson says
// whether the researcher (rather than an administrator) did it.
func Disconnected(l store.Link, byPerson, revokedAtORCID bool) store.Event {
	by := "admin"
	if byPerson {
		by = "person"
	}
	return event(l.TenantID, l.PersonID, PersonDisconnected,
		PersonDisconnectedData{ORCID: l.ORCIDURI, By: by, RevokedAtORCID: revokedAtORCID})
}

// Revoked is person.revoked for a link whose token ORCID refused.
func Revoked(l store.Link, reason string) store.Event {
	return event(l.TenantID, l.PersonID, PersonRevoked, PersonRevokedData{ORCID: l.ORCIDURI, Reason: reason})
}

// ItemEvent is the event for an item whose state changed from before to
// it, if that change is one receivers hear about: synced, failed for good,
// or retracted.
func ItemEvent(before, it store.Item) (store.Event, bool) {
	if before.State == it.State {
		return store.Event{}, false // a job that found nothing to do
	}
	d := ItemData{ItemID: it.ID, Kind: string(it.Kind), Key: it.Key, State: string(it.State), PutCode: it.PutCode}
	var typ string
	switch it.State {
	case store.ItemSynced:
		typ = ItemSynced
	case store.ItemFailedPermanent:
		typ, d.Error = ItemFailed, it.LastError
	case store.ItemRetracted:
		typ, d.PutCode = ItemRetracted, before.PutCode
	default:
		return store.Event{}, false
	}
	return event(it.TenantID, it.PersonID, typ, d), true
}

// Imported is import.finished for a record just stored.
func Imported(tenantID, personID int64, orcidURI string, fetchedAt time.Time) store.Event {
	return event(tenantID, personID, ImportFinished, ImportFinishedData{ORCID: orcidURI, FetchedAt: fetchedAt.UTC()})
}
