package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// What a researcher lets a tenant add to their ORCID record (issue 17,
// migration 00020). The one rule that holds items back is holdByChoice:
// every path that makes an item queued (UpsertItem, ResumeItems,
// RequeueItem, ReleaseHeld) ends with it, so the worker never sees an
// item the researcher did not let go. A held item is pending, with one of
// the Held* reasons, and no job: approving it queues it again.

// Choice is what a researcher lets a tenant do with one group of kinds.
type Choice string

const (
	ChoiceAuto  Choice = "auto"  // add automatically (no row)
	ChoiceAsk   Choice = "ask"   // each new item waits for their approval
	ChoiceNever Choice = "never" // nothing of the group goes
)

// Valid reports whether c is one of the three choices.
func (c Choice) Valid() bool { return c == ChoiceAuto || c == ChoiceAsk || c == ChoiceNever }

// Why an item is held back by the researcher: the state_reason of a
// pending item, which the admin UI and the API show as they are.
const (
	HeldAwaitingResearcher = "awaiting_researcher: waiting for the researcher's approval on their page"
	HeldWithheld           = "withheld_by_researcher: the researcher does not let this kind of item be added"
	HeldRefused            = "refused_by_researcher: the researcher refused this item on their page"
)

// HeldByResearcher reports whether a pending item's reason is one of the
// researcher's (not a missing connection or permission).
func HeldByResearcher(reason string) bool {
	return reason == HeldAwaitingResearcher || reason == HeldWithheld || reason == HeldRefused
}

// ChoiceGroup is a group of item kinds a researcher decides on at once.
type ChoiceGroup string

// The groups, in the order the researcher's page shows them.
const (
	GroupWorks        ChoiceGroup = "works"
	GroupPeerReviews  ChoiceGroup = "peer-reviews"
	GroupAffiliations ChoiceGroup = "affiliations"
	GroupFunding      ChoiceGroup = "funding"
	GroupPerson       ChoiceGroup = "person"
)

// ChoiceGroups lists the groups in page order.
func ChoiceGroups() []ChoiceGroup {
	return []ChoiceGroup{GroupWorks, GroupPeerReviews, GroupAffiliations, GroupFunding, GroupPerson}
}

// Kinds are the item kinds of a group.
func (g ChoiceGroup) Kinds() []orcid.ItemKind {
	switch g {
	case GroupWorks:
		return []orcid.ItemKind{orcid.KindWork}
	case GroupPeerReviews:
		return []orcid.ItemKind{orcid.KindPeerReview}
	case GroupAffiliations:
		return []orcid.ItemKind{orcid.KindEmployment, orcid.KindEducation, orcid.KindQualification,
			orcid.KindInvitedPosition, orcid.KindDistinction, orcid.KindMembership, orcid.KindService}
	case GroupFunding:
		return []orcid.ItemKind{orcid.KindFunding, orcid.KindResearchResource}
	case GroupPerson:
		return []orcid.ItemKind{orcid.KindOtherName, orcid.KindKeyword, orcid.KindResearcherURL, orcid.KindAddress,
			orcid.KindExternalIdentifier}
	}
	return nil
}

// GroupOf is the group an item kind belongs to ("" for none).
func GroupOf(k orcid.ItemKind) ChoiceGroup {
	for _, g := range ChoiceGroups() {
		if slices.Contains(g.Kinds(), k) {
			return g
		}
	}
	return ""
}

// Choices are a person's choices by group; a group without one is auto.
type Choices map[ChoiceGroup]Choice

// Of is the choice for a group, auto when none was made.
func (c Choices) Of(g ChoiceGroup) Choice {
	if x, ok := c[g]; ok {
		return x
	}
	return ChoiceAuto
}

// ResearcherChoices reads a person's choices.
func (o *ops) ResearcherChoices(ctx context.Context, tenantID, personID int64) (_ Choices, err error) {
	defer wrap(&err, "choices of person %d in tenant %d", personID, tenantID)
	rows, err := o.query(ctx, `SELECT kind, choice FROM researcher_choices WHERE tenant_id = ? AND person_id = ?`,
		tenantID, personID)
	type row struct{ kind, choice string }
	list, err := collect(rows, err, func(r scanner) (row, error) {
		var x row
		return x, r.Scan(&x.kind, &x.choice)
	})
	if err != nil {
		return nil, err
	}
	out := Choices{}
	for _, x := range list {
		if g := GroupOf(orcid.ItemKind(x.kind)); g != "" {
			out[g] = Choice(x.choice)
		}
	}
	return out, nil
}

// SetResearcherChoice records a person's choice for a group and applies
// it to their items at once: items held back that the choice now lets go
// are queued again, queued items it holds back are held. It returns the
// ids of the items now queued: a job must run for each (in the caller's
// transaction, as jobs.Queue.Enqueue does).
func (o *ops) SetResearcherChoice(ctx context.Context, tenantID, personID int64, g ChoiceGroup, c Choice) (_ []int64, err error) {
	defer wrap(&err, "set choice %s=%s of person %d in tenant %d", g, c, personID, tenantID)
	if !c.Valid() || len(g.Kinds()) == 0 {
		return nil, fmt.Errorf("%w: unknown choice or group", ErrInvalid)
	}
	var ids []int64
	err = o.atomic(ctx, func(o *ops) error {
		if err := o.personOfTenant(ctx, tenantID, personID); err != nil {
			return err
		}
		now := timeText(o.now())
		for _, k := range g.Kinds() {
			if c == ChoiceAuto {
				if _, err := o.exec(ctx, `DELETE FROM researcher_choices WHERE tenant_id = ? AND person_id = ? AND kind = ?`,
					tenantID, personID, string(k)); err != nil {
					return err
				}
				continue
			}
			if _, err := o.exec(ctx, `INSERT INTO researcher_choices (tenant_id, person_id, kind, choice, updated_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, person_id, kind) DO UPDATE SET choice = excluded.choice,
				updated_at = excluded.updated_at`, tenantID, personID, string(k), string(c), now); err != nil {
				return err
			}
		}
		var err error
		ids, err = o.releaseHeld(ctx, tenantID, personID, 0)
		return err
	})
	return ids, err
}

// holdByChoice is the one decision of what the researcher lets go: of the
// person's queued items (only itemID when not 0) that no write is under
// way for, it holds back those refused, those of a kind set to "never",
// and those of a kind set to "ask" that orcidlink never wrote (no
// put-code, or one adopted from another system's twin whose content
// orcidlink never confirmed: AdoptWorks), unless the researcher approved
// them (an approval also lets one item of a "never" kind go). An edit of
// an item orcidlink already wrote goes, unless its kind is "never".
func (o *ops) holdByChoice(ctx context.Context, tenantID, personID, itemID int64) error {
	return o.holdWhere(ctx, `tenant_id = ? AND person_id = ? AND (CAST(? AS BIGINT) = 0 OR id = ?)`,
		tenantID, personID, itemID, itemID)
}

// holdWhere is holdByChoice for the queued items that scope (a constant
// SQL condition over orcid_items, with its arguments) selects.
func (o *ops) holdWhere(ctx context.Context, scope string, args ...any) error {
	const choice = `(SELECT c.choice FROM researcher_choices c WHERE c.tenant_id = orcid_items.tenant_id
		AND c.person_id = orcid_items.person_id AND c.kind = orcid_items.kind)`
	const decision = `(SELECT d.decision FROM researcher_item_decisions d WHERE d.item_id = orcid_items.id)`
	_, err := o.exec(ctx, `UPDATE orcid_items SET state = 'pending', state_reason = CASE
			WHEN `+decision+` = 'refused' THEN ?
			WHEN `+choice+` = 'never' AND `+decision+` IS NULL THEN ?
			ELSE ? END, updated_at = ?
		WHERE `+scope+` AND state = 'queued' AND call_open = 0
		AND (`+decision+` = 'refused' OR (`+choice+` = 'never' AND `+decision+` IS NULL)
			OR (`+choice+` = 'ask' AND (put_code IS NULL OR confirmed_hash IS NULL) AND `+decision+` IS NULL))`,
		append([]any{HeldRefused, HeldWithheld, HeldAwaitingResearcher, timeText(o.now())}, args...)...)
	if err != nil {
		return fmt.Errorf("hold items by the researcher's choices: %w", err)
	}
	return nil
}

// releaseHeld queues the person's items held back by the researcher (only
// itemID when not 0), then holds again those their choices still hold,
// and returns the ids of the items left queued.
func (o *ops) releaseHeld(ctx context.Context, tenantID, personID, itemID int64) ([]int64, error) {
	rows, err := o.query(ctx, `UPDATE orcid_items SET state = 'queued', state_reason = '', updated_at = ?
		WHERE tenant_id = ? AND person_id = ? AND (CAST(? AS BIGINT) = 0 OR id = ?) AND state = 'pending'
		AND state_reason IN (?, ?, ?) RETURNING id`, timeText(o.now()), tenantID, personID, itemID, itemID,
		HeldAwaitingResearcher, HeldWithheld, HeldRefused)
	ids, err := collect(rows, err, func(r scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	if err := o.holdByChoice(ctx, tenantID, personID, itemID); err != nil {
		return nil, err
	}
	var out []int64
	for _, id := range ids {
		var st ItemState
		if err := o.queryRow(ctx, `SELECT state FROM orcid_items WHERE id = ?`, id).Scan(&st); err != nil {
			return nil, err
		}
		if st == ItemQueued {
			out = append(out, id)
		}
	}
	return out, nil
}

// ErrNotAwaiting means the item is not waiting for the researcher's decision
// (it was decided, retracted or changed meanwhile).
var ErrNotAwaiting = errors.New("the item is not waiting for the researcher")

// DecideItem records the researcher's approval (approve true) or refusal
// of one of their items held back by them. Approved, it is queued: queued
// is true and a job must run (in the caller's transaction). Refused, it
// stays off the record, whatever their choices later say.
func (o *ops) DecideItem(ctx context.Context, tenantID, personID, itemID int64, approve bool) (queued bool, err error) {
	defer wrap(&err, "decide item %d of person %d in tenant %d", itemID, personID, tenantID)
	decision := "refused"
	if approve {
		decision = "approved"
	}
	err = o.atomic(ctx, func(o *ops) error {
		var reason string
		var st ItemState
		err := o.queryRow(ctx, `SELECT state, state_reason FROM orcid_items WHERE id = ? AND tenant_id = ? AND person_id = ?`,
			itemID, tenantID, personID).Scan(&st, &reason)
		if err != nil {
			return notFound(err)
		}
		if st != ItemPending || !HeldByResearcher(reason) {
			return ErrNotAwaiting
		}
		if _, err := o.exec(ctx, `INSERT INTO researcher_item_decisions (item_id, decision, decided_at) VALUES (?, ?, ?)
			ON CONFLICT (item_id) DO UPDATE SET decision = excluded.decision, decided_at = excluded.decided_at`,
			itemID, decision, timeText(o.now())); err != nil {
			return err
		}
		if !approve {
			_, err := o.exec(ctx, `UPDATE orcid_items SET state_reason = ?, updated_at = ? WHERE id = ?`,
				HeldRefused, timeText(o.now()), itemID)
			return err
		}
		ids, err := o.releaseHeld(ctx, tenantID, personID, itemID)
		queued = len(ids) == 1
		return err
	})
	return queued, err
}

// ItemDecision is what the researcher said about an item: "approved",
// "refused", or "" for nothing.
func (o *ops) ItemDecision(ctx context.Context, itemID int64) (_ string, err error) {
	defer wrap(&err, "decision on item %d", itemID)
	var d string
	err = o.queryRow(ctx, `SELECT decision FROM researcher_item_decisions WHERE item_id = ?`, itemID).Scan(&d)
	if errors.Is(notFound(err), ErrNotFound) {
		return "", nil
	}
	return d, err
}

// ResearcherSignInTTL is how long an emailed link to the researcher's page
// stays usable: long enough to open the email, short enough that an old
// email in a shared mailbox is useless.
const ResearcherSignInTTL = 30 * time.Minute

// ErrTooManySignIns means too many links were emailed to the person lately.
var ErrTooManySignIns = errors.New("too many sign-in links sent lately")

// NewResearcherSignIn creates a one-time link token for a person's page
// and returns it raw (only its hash is stored). At most max links may be
// created per person within window; beyond, ErrTooManySignIns.
func (o *ops) NewResearcherSignIn(ctx context.Context, tenantID, personID int64, max int, window time.Duration) (_ string, err error) {
	defer wrap(&err, "sign-in link of person %d in tenant %d", personID, tenantID)
	raw, hash := newToken()
	err = o.atomic(ctx, func(o *ops) error {
		if err := o.personOfTenant(ctx, tenantID, personID); err != nil {
			return err
		}
		now := o.now()
		// Expired links are of no use to anyone: they go as new ones come.
		if _, err := o.exec(ctx, `DELETE FROM researcher_sign_ins WHERE expires_at < ?`, timeText(now.Add(-window))); err != nil {
			return err
		}
		var n int
		if err := o.queryRow(ctx, `SELECT COUNT(*) FROM researcher_sign_ins WHERE tenant_id = ? AND person_id = ?
			AND created_at > ?`, tenantID, personID, timeText(now.Add(-window))).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return ErrTooManySignIns
		}
		_, err := o.exec(ctx, `INSERT INTO researcher_sign_ins (token_hash, tenant_id, person_id, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, hash, tenantID, personID, timeText(now), timeText(now.Add(ResearcherSignInTTL)))
		return err
	})
	if err != nil {
		return "", err
	}
	return raw, nil
}

// UseResearcherSignIn spends a link token: it returns whose page it opens,
// once, before it expires; otherwise ErrNotFound.
func (o *ops) UseResearcherSignIn(ctx context.Context, raw string) (tenantID, personID int64, err error) {
	defer wrap(&err, "use sign-in link")
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 0, 0, ErrNotFound
	}
	now := timeText(o.now())
	err = o.queryRow(ctx, `UPDATE researcher_sign_ins SET used_at = ? WHERE token_hash = ? AND used_at IS NULL
		AND expires_at > ? RETURNING tenant_id, person_id`, now, hashToken(raw), now).Scan(&tenantID, &personID)
	return tenantID, personID, notFound(err)
}

// HeldItems lists a person's items held back by them (waiting for their
// approval, withheld or refused), newest first.
func (o *ops) HeldItems(ctx context.Context, tenantID, personID int64) (_ []Item, err error) {
	defer wrap(&err, "held items of person %d in tenant %d", personID, tenantID)
	rows, err := o.query(ctx, `SELECT `+itemCols+` FROM orcid_items WHERE tenant_id = ? AND person_id = ?
		AND state = 'pending' AND state_reason IN (?, ?, ?) ORDER BY id DESC LIMIT 500`,
		tenantID, personID, HeldAwaitingResearcher, HeldWithheld, HeldRefused)
	return collect(rows, err, scanItem)
}
