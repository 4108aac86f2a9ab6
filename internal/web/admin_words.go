package web

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/store"
)

// The admin UI is read by journal managers, not by the people who wrote
// the store: states and history are shown in words. The store's names
// ("none", "failed-retryable", "admin:1") stay the filters' values and the
// CSS classes, so URLs and tests keep working; only what is read changes.

// personStateText names where a person stands with the tenant.
func personStateText(s store.PersonStatus) string {
	switch s {
	case store.StatusNone:
		return "Not invited yet"
	case store.StatusInvited:
		return "Invited, no answer yet"
	case store.StatusDenied:
		return "Declined"
	case store.StatusConnected:
		return "Connected"
	case store.StatusRevoked:
		return "Access withdrawn at ORCID"
	case store.StatusRemoved:
		return "iD removed"
	}
	return string(s)
}

// linkStateText names a link's state (a link under another credential).
func linkStateText(s store.LinkState) string {
	return personStateText(store.PersonStatus(s))
}

// itemStateText names where an item stands on its way to the record.
func itemStateText(s store.ItemState) string {
	switch s {
	case store.ItemPending:
		return "Waiting for the person to connect"
	case store.ItemQueued:
		return "Waiting to be sent"
	case store.ItemInFlight:
		return "Being sent"
	case store.ItemSynced:
		return "On the ORCID record"
	case store.ItemFailedRetryable:
		return "Failed, will be tried again"
	case store.ItemFailedPermanent:
		return "Failed, needs attention"
	case store.ItemDeletedByResearcher:
		return "Deleted by the researcher"
	case store.ItemRetracting:
		return "Being taken off the record"
	case store.ItemRetracted:
		return "Taken off the record"
	}
	return string(s)
}

// adminActorText names who did something: an administrator by email (the
// id alone means nothing to a reader), the researcher by name.
func adminActorText(actor, personName string, adminEmails map[int64]string) string {
	switch {
	case actor == store.ActorPerson:
		if personName != "" {
			return personName
		}
		return "The researcher"
	case actor == store.ActorSystem:
		return "orcidlink"
	case strings.HasPrefix(actor, "admin:"):
		id, err := strconv.ParseInt(strings.TrimPrefix(actor, "admin:"), 10, 64)
		if email, ok := adminEmails[id]; ok && err == nil {
			return email
		}
		return "an administrator since deleted"
	case strings.HasPrefix(actor, "api"):
		return "the tenant's system (REST API)"
	}
	return actor
}

// adminAuditSentence says what an event of a person's history did, as a
// sentence ("Ana García connected https://orcid.org/0009-…", "Invited by
// admin@example.org"). ok is false for an action it does not know: the
// page then shows the raw detail beside the action's name rather than
// guess.
func adminAuditSentence(e store.AuditEvent, personName string, adminEmails map[int64]string) (sentence string, ok bool) {
	var d struct {
		ORCID          string   `json:"orcid"`
		Scopes         []string `json:"scopes"`
		Email          bool     `json:"email"`
		RevokedAtORCID *bool    `json:"revoked_at_orcid"`
		Kind           string   `json:"kind"`
		Key            string   `json:"key"`
		ReturnOrigin   string   `json:"return_origin"`
		Hint           string   `json:"hint"`
		Authenticated  string   `json:"authenticated"`
		AdoptedWorks   int      `json:"adopted_works"`
		Source         string   `json:"source"`
	}
	_ = json.Unmarshal(e.Detail, &d) // a detail we cannot read leaves the fields empty
	who := adminActorText(e.Actor, personName, adminEmails)
	name := personName
	if name == "" {
		name = "The person"
	}
	switch e.Action {
	case "person.created":
		return "Added by " + who, true
	case "person.updated":
		return "Details changed by " + who, true
	case "invitation.created":
		s := "Invited by " + who
		if e.Actor == store.ActorSystem {
			s = "Invited automatically"
		}
		if d.Email {
			s += ", by email"
		} else {
			s += " (link only, no email)"
		}
		return s, true
	case "connect_link.created":
		return "Connect link made by " + who + ", returning to " + orDash(d.ReturnOrigin), true
	case "invitation.denied":
		return name + " declined the invitation at ORCID", true
	case "link.connected":
		s := name + " connected " + orDash(d.ORCID)
		if len(d.Scopes) > 0 {
			s += ", granting " + strings.Join(d.Scopes, " ")
		}
		return s, true
	case "link.imported":
		return "Connection to " + orDash(d.ORCID) + " imported by " + who + " (verified with ORCID; " +
			strconv.Itoa(d.AdoptedWorks) + " works already on the record adopted)", true
	case "link.hint_mismatch":
		return name + " connected " + orDash(d.Authenticated) + ", not the iD on file " + orDash(d.Hint) + ": check which is right", true
	case "person.orcid_hint":
		return "Unconfirmed iD " + orDash(d.ORCID) + " put on file by " + who + " (from " + orDash(d.Source) + ")", true
	case "person.orcid_hint_deleted":
		return "Unconfirmed iD on file forgotten by " + who, true
	case "link.disconnected":
		return name + " disconnected " + orDash(d.ORCID) + revokedText(d.RevokedAtORCID), true
	case "link.removed":
		return "iD " + orDash(d.ORCID) + " removed by " + who + revokedText(d.RevokedAtORCID), true
	case "link.revoked":
		return "ORCID no longer accepts our access to " + orDash(d.ORCID) + " (withdrawn by the researcher or expired)", true
	case "item.requeued":
		return "Sending of " + orDash(d.Kind+" "+d.Key) + " retried by " + who, true
	case "record.import_requested":
		return "Reading of the ORCID record asked by " + who, true
	}
	return e.Action + " by " + who, false
}

func revokedText(revoked *bool) string {
	switch {
	case revoked == nil:
		return ""
	case *revoked:
		return "; access revoked at ORCID"
	default:
		return "; ORCID could not be told to revoke access"
	}
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return strings.TrimSpace(s)
}

// adminEmails maps administrators' ids to their emails, to name them in
// history. There are a handful of administrators: one query per page.
func (s *Server) adminEmails(ctx context.Context) (map[int64]string, error) {
	users, err := s.store.ListAdminUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(users))
	for _, u := range users {
		out[u.ID] = u.Email
	}
	return out, nil
}
