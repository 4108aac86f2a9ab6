package problems

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// DigestEvery is how often an administrator who chose the digest may get
// one. The periodic job runs hourly, so a digest is due a little early
// rather than an hour late.
const DigestEvery = 24 * time.Hour

// digestSlack lets an hourly job send a daily digest at the same hour each
// day despite small delays.
const digestSlack = 30 * time.Minute

// Summaries counts what needs action in each tenant an administrator sees.
func (s *Service) Summaries(ctx context.Context, adminID int64) ([]Summary, error) {
	ts, err := s.st.TenantsOfUser(ctx, adminID)
	if err != nil {
		return nil, fmt.Errorf("problems: %w", err)
	}
	now := s.now()
	out := make([]Summary, 0, len(ts))
	for _, t := range ts {
		sum, err := Summarize(ctx, s.st, t, now)
		if err != nil {
			return nil, fmt.Errorf("problems: tenant %d: %w", t.ID, err)
		}
		out = append(out, sum)
	}
	return out, nil
}

// SendDigests emails every administrator who chose the daily digest, at
// most once per DigestEvery, what needs them, when something does.
func (s *Service) SendDigests(ctx context.Context) error {
	before := s.now().Add(-DigestEvery + digestSlack)
	due, err := s.st.DigestsDue(ctx, before)
	if err != nil {
		return fmt.Errorf("problems: %w", err)
	}
	var errs []error
	sent := 0
	for _, a := range due {
		sums, err := s.Summaries(ctx, a.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e, ok := digestEmail(s.cfg.PublicURL, a, sums)
		if !ok {
			continue // nothing needs them: no email, and the next run looks again
		}
		claimed, err := s.st.ClaimDigest(ctx, a.ID, before)
		if err != nil || !claimed {
			errs = append(errs, err)
			continue
		}
		if _, err := s.st.QueueEmail(ctx, e); err != nil {
			errs = append(errs, err)
			continue
		}
		sent++
	}
	if sent > 0 && s.cfg.EmailQueued != nil {
		s.cfg.EmailQueued()
	}
	return errors.Join(errs...)
}

// digestEmail writes the digest of what needs an administrator; false when
// nothing does.
func digestEmail(base string, a store.AdminUser, sums []Summary) (store.Email, bool) {
	var b strings.Builder
	n := 0
	for _, s := range sums {
		if !s.NeedsAction() {
			continue
		}
		n++
		tenant := base + "/admin/tenants/" + strconv.FormatInt(s.Tenant.ID, 10)
		fmt.Fprintf(&b, "%s\n", s.Tenant.Name)
		if s.Broken() {
			fmt.Fprintf(&b, "- ORCID refuses its API credential %q: researchers cannot connect and nothing is sent. ORCID said: %s\n",
				s.Credential.Name, s.Credential.Problem)
		}
		for _, f := range s.Failed {
			fmt.Fprintf(&b, "- %d failed: %s\n  %s/failed?reason=%s\n", f.Count, f.Text, tenant, f.Key)
		}
		if s.Undelivered > 0 {
			fmt.Fprintf(&b, "- %d emails could not be delivered (the mail server refused them)\n  %s/admin/outbox\n", s.Undelivered, base)
		}
		if s.WebhooksFailing > 0 {
			fmt.Fprintf(&b, "- %d webhook deliveries failing\n  %s/webhooks\n", s.WebhooksFailing, tenant)
		}
		if s.Stuck {
			fmt.Fprintf(&b, "- %d items waiting to be sent, the oldest since %s\n  %s/failed?waiting=1\n", s.Backlog,
				s.OldestWaiting.UTC().Format("2006-01-02 15:04 UTC"), tenant)
		}
		for _, m := range s.HintMismatches {
			fmt.Fprintf(&b, "- %s connected the iD %s, not the one on file (%s): check it\n  %s/people/%d\n",
				personName(m.Person), m.Hint.MismatchORCID, m.Hint.ORCID, tenant, m.Person.ID)
		}
		b.WriteString("\n")
	}
	if n == 0 {
		return store.Email{}, false
	}
	body := fmt.Sprintf("Hello %s,\n\nThis is what needs you in orcidlink today.\n\n%sThe dashboard: %s/admin/\n\n"+
		"You get this email because you chose the daily digest; turn it off on %s/admin/account/digest\n",
		firstNonEmpty(a.Name, a.Email), b.String(), base, base)
	subject := "orcidlink: " + strconv.Itoa(n) + " tenant needs you"
	if n > 1 {
		subject = "orcidlink: " + strconv.Itoa(n) + " tenants need you"
	}
	return store.Email{Recipient: a.Email, Subject: subject, TextBody: body}, true
}

// personName is how a person is named to an administrator.
func personName(p store.Person) string {
	if n := strings.TrimSpace(p.GivenNames + " " + p.FamilyNames); n != "" {
		return n
	}
	return p.Email
}
