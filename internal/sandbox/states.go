package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// RecordState is the state of a record as ORCID's profile keeps it:
// primary_record set (deprecated), record_locked, deactivation_date, and
// claimed. A record has one state at a time here; ORCID's checkProfile
// reports the first that applies (deprecated, unclaimed, locked,
// deactivated), so combinations add nothing a client could see.
type RecordState string

const (
	// StateActive is a claimed record in good standing.
	StateActive RecordState = "active"
	// StateDeprecated is a duplicate merged into a primary record.
	StateDeprecated RecordState = "deprecated"
	// StateLocked is a record ORCID's staff locked (spam, disputes).
	StateLocked RecordState = "locked"
	// StateDeactivated is a record its owner closed.
	StateDeactivated RecordState = "deactivated"
	// StateUnclaimed is a record created by a member client that its
	// owner has not claimed yet.
	StateUnclaimed RecordState = "unclaimed"
)

// RecordStates lists the states in the order the documentation gives them.
func RecordStates() []RecordState {
	return []RecordState{StateActive, StateDeprecated, StateLocked, StateDeactivated, StateUnclaimed}
}

func (s RecordState) valid() bool {
	for _, x := range RecordStates() {
		if s == x {
			return true
		}
	}
	return false
}

// claimWaitPeriod is org.orcid.core.claimWaitPeriodDays (default 10):
// an unclaimed record younger than this is closed to everyone but the
// client that created it (OrcidSecurityManagerImpl.checkProfile).
const claimWaitPeriod = 10 * 24 * time.Hour

// StateChange is the body of PUT /_sandbox/researchers/{orcid}/state and
// the state fields of a seeded or created researcher.
type StateChange struct {
	State RecordState `json:"state"`
	// Primary is the record a deprecated one points to; it must exist and
	// be neither deprecated nor deactivated.
	Primary string `json:"primary,omitempty"`
	// CreatedBy is the client that created an unclaimed record (ORCID's
	// profile source); it alone may use the record during the claim wait
	// period. Optional.
	CreatedBy string `json:"created_by,omitempty"`
}

// SetResearcherState moves a record to another state, doing what ORCID
// does alongside (ProfileEntityManagerImpl): deprecating or deactivating
// clears the record (items removed, names replaced by "Given Names
// Deactivated"/"Family Name Deactivated", biography removed, default
// visibility private); deactivating also disables every token of the
// record (revoke reason RECORD_DEACTIVATED). Going back to "active"
// (reactivation, unlocking, claiming) restores nothing that was cleared.
func (r *Registry) SetResearcherState(ctx context.Context, orcidID string, ch StateChange) (Researcher, error) {
	res, err := r.store.Researcher(ctx, orcidID)
	if err != nil {
		return res, err
	}
	if ch.State == "" {
		return res, &FieldError{"state", "required: one of " + stateList()}
	}
	if !ch.State.valid() {
		return res, &FieldError{"state", fmt.Sprintf("%q is not a record state; use one of %s", ch.State, stateList())}
	}
	u := stateUpdate{ORCID: res.ORCID, State: ch.State, At: r.now()}
	switch ch.State {
	case StateDeprecated:
		p, err := orcid.ParseID(strings.TrimSpace(ch.Primary))
		if err != nil {
			return res, &FieldError{"primary", "a deprecated record needs the iD of its primary record: " + err.Error()}
		}
		if p.String() == res.ORCID {
			return res, &FieldError{"primary", "a record cannot be deprecated in favour of itself"}
		}
		prim, err := r.store.Researcher(ctx, p.String())
		if errors.Is(err, ErrNotFound) {
			return res, &FieldError{"primary", "no record " + p.String() + " in this registry"}
		}
		if err != nil {
			return res, err
		}
		if prim.State == StateDeprecated || prim.State == StateDeactivated {
			return res, &FieldError{"primary", "the primary record " + p.String() + " is " + string(prim.State)}
		}
		u.PrimaryORCID, u.Clear, u.EndSessions = prim.ORCID, true, true
	case StateDeactivated:
		u.Clear, u.RevokeReason, u.EndSessions = true, RevokedRecordDeactivated, true
	case StateUnclaimed:
		if ch.CreatedBy != "" {
			if _, err := r.store.Client(ctx, ch.CreatedBy); err != nil {
				if errors.Is(err, ErrNotFound) {
					return res, &FieldError{"created_by", "no client " + ch.CreatedBy}
				}
				return res, err
			}
		}
		u.CreatedByClient, u.EndSessions = ch.CreatedBy, true
	}
	if ch.State != StateDeprecated && ch.Primary != "" {
		return res, &FieldError{"primary", "only a deprecated record has a primary record"}
	}
	if ch.State != StateUnclaimed && ch.CreatedBy != "" {
		return res, &FieldError{"created_by", "only an unclaimed record has a creating client"}
	}
	if err := r.store.ApplyState(ctx, u); err != nil {
		return res, err
	}
	return r.store.Researcher(ctx, res.ORCID)
}

// RevokedRecordDeactivated is ORCID's RevokeReason.RECORD_DEACTIVATED.
const RevokedRecordDeactivated = "RECORD_DEACTIVATED"

func stateList() string {
	var s []string
	for _, x := range RecordStates() {
		s = append(s, string(x))
	}
	return strings.Join(s, ", ")
}

// checkProfile is ORCID's OrcidSecurityManagerImpl.checkProfile, which the
// v3.0 delegators call before anything else on every record resource:
//
//   - deprecated: 9007, 301 with Location on GET, 409 otherwise
//     (OrcidExceptionMapper.getOrcidErrorResponse);
//   - unclaimed and younger than the claim wait period, and the caller
//     is not the client that created it: 409 9036;
//   - locked: 409 9018;
//   - deactivated: 409 9044, on reads too since ORCID-Source #7000/#7004
//     (2024; before, reads got an empty record).
func (r *Registry) checkProfile(a *apiRequest, res Researcher) error {
	switch res.State {
	case StateDeprecated:
		return r.errDeprecated(a, res)
	case StateUnclaimed:
		if r.now().Sub(res.StateChangedAt) < claimWaitPeriod &&
			(res.CreatedByClient == "" || res.CreatedByClient != a.caller.clientID()) {
			return newAPIError(9036, nil, "")
		}
	case StateLocked:
		return newAPIError(9018, map[string]string{"orcid": res.ORCID}, res.ORCID+" is locked")
	case StateDeactivated:
		// DeactivatedException.setOrcid sets no params, so the text keeps
		// no placeholder to fill; its message is appended.
		return newAPIError(9044, nil, res.ORCID+" is deactivated")
	}
	return nil
}

// errDeprecated is OrcidDeprecatedException as the exception mapper turns
// it into a response. Its params are the primary and the deprecated record
// as URIs on the registry's base URL; it has no message. Only GET is a 301:
// any other method (HEAD included) gets 409 and a body whose
// developer-message is the user-message (getDeprecatedOrcidErrorV3). Both
// carry a Location: the request URL, without its query, with the
// deprecated iD replaced by the primary one (getPrimaryRecordLocation).
func (r *Registry) errDeprecated(a *apiRequest, res Researcher) *apiError {
	params := map[string]string{
		"orcid":            r.IDURI(res.PrimaryORCID),
		"deprecated_orcid": r.IDURI(res.ORCID),
	}
	e := newAPIError(9007, params, "")
	if a.req.Method != http.MethodGet {
		e.status = http.StatusConflict
		e.userAsDeveloper = true
	}
	e.location = strings.ReplaceAll(r.BaseURL()+a.req.URL.EscapedPath(), res.ORCID, res.PrimaryORCID)
	return e
}

// profileUnchecked lists the Public API resources whose delegator methods
// never call checkProfile (PublicV3ApiServiceDelegatorImpl at ORCID-Source
// v3.0.43: the five professional-activity kinds, research resources and
// the bulk works read, which only checks that the record exists), so a
// deprecated, locked, deactivated or unclaimed record answers them as
// any other.
func profileUnchecked(a *apiRequest) bool {
	if !a.public {
		return false
	}
	if a.op == opBulkRead {
		return true
	}
	switch a.kind {
	case orcid.KindDistinction, orcid.KindInvitedPosition, orcid.KindMembership,
		orcid.KindQualification, orcid.KindService, orcid.KindResearchResource:
		return a.op == opSection || a.op == opRead || a.op == opReadSummary
	}
	return false
}

// signInBlocked is the message ORCID's sign-in shows for a record whose
// state refuses sign-in (OrcidUserDetailsServiceImpl.checkStatuses, texts
// of javascript_en.properties orcid.frontend.security.*), or "". Locked
// records may sign in: checkStatuses does not look at the lock.
func (r *Registry) signInBlocked(res Researcher) string {
	switch res.State {
	case StateDeprecated:
		return "This account is deprecated. Please refer to account: " + res.PrimaryORCID
	case StateDeactivated:
		return "Account deactivated - please contact support."
	case StateUnclaimed:
		return "The ORCID record exists but has not been claimed. Would you like to resend the claim email?"
	}
	return ""
}

// postedVisibility is the visibility a member's POST gets
// (WorkManagerImpl.setIncomingWorkPrivacy, and the same rule in the other
// managers): on a claimed record the researcher's default, whatever the
// body says; on an unclaimed one the body's visibility, or private when it
// gives none.
func postedVisibility(res Researcher, posted orcid.Visibility) orcid.Visibility {
	if res.State != StateUnclaimed {
		return orcid.Visibility(res.DefaultVisibility)
	}
	if posted == "" {
		return orcid.VisibilityPrivate
	}
	return posted
}
