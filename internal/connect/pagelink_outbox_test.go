package connect_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestPageLinkLeavesOutboxOnceSent: the one-time link to the researcher's
// page signs in as the person, like an invitation's link: the sender gets
// it whole, and once sent the outbox keeps no copy of it, in any part.
func TestPageLinkLeavesOutboxOnceSent(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	if err := f.svc.EmailPageLink(f.ctx, f.tenant.ID, f.alice.ID); err != nil {
		t.Fatal(err)
	}
	emails, err := f.st.UnsentEmails(f.ctx, 10)
	if err != nil || len(emails) != 1 {
		t.Fatalf("outbox: %+v, %v", emails, err)
	}
	text := emails[0].TextBody
	i := strings.Index(text, connect.PageSignInPath)
	if i < 0 {
		t.Fatalf("the sender would not have the link:\n%s", text)
	}
	token := strings.Fields(text[i+len(connect.PageSignInPath):])[0]
	if len(token) < 20 || !strings.Contains(emails[0].HTMLBody, token) {
		t.Fatalf("link token %q; HTML:\n%s", token, emails[0].HTMLBody)
	}
	if err := f.st.MarkEmailSent(f.ctx, emails[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	sent, err := f.st.Email(f.ctx, emails[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for part, s := range map[string]string{"text": sent.TextBody, "html": sent.HTMLBody} {
		if strings.Contains(s, token) || !strings.Contains(s, store.RedactedSecret) {
			t.Errorf("%s once sent: %q", part, s)
		}
	}
	// The link still signs in: only the outbox forgot it.
	if tid, pid, err := f.st.UseResearcherSignIn(f.ctx, token); err != nil || tid != f.tenant.ID || pid != f.alice.ID {
		t.Errorf("the link signs in as tenant %d person %d, %v", tid, pid, err)
	}
}
