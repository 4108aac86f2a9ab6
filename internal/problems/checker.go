package problems

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Config configures the Service.
type Config struct {
	Store *store.Store
	// PublicURL is the server's address browsers use, for links in
	// emails to administrators.
	PublicURL string
	// HTTPClient reaches ORCID; nil is the ORCID client's default.
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
	// Resume, if set, sends again the items that waited for a credential
	// to be repaired (jobs.Queue.ResumeCredential) and says how many.
	Resume func(ctx context.Context, credentialID int64) (int, error)
	// Reinvite, if set, emails a researcher who was told that the
	// connection is being repaired a new invitation once it works
	// (connect.Service.Invite, sending the email).
	Reinvite func(ctx context.Context, tenantID, personID int64) error
	// EmailQueued, if set, is called after emails were put in the outbox
	// (mail.Sender.Kick).
	EmailQueued func()
}

// Service checks credentials, tells administrators, and counts problems.
type Service struct {
	cfg Config
	st  *store.Store
	log *slog.Logger
	now func() time.Time
}

// New prepares the service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("problems: no store")
	}
	s := &Service{cfg: cfg, st: cfg.Store, log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	return s, nil
}

// Try asks ORCID whether a credential works, with a fresh two-legged token
// (orcid.Client.CheckCredential): nil if it does. Nothing is recorded; the
// admin UI tries a credential before saving it.
func (s *Service) Try(ctx context.Context, cred store.Credential) error {
	client, err := orcid.New(orcid.Config{Credential: cred.ORCID(), HTTPClient: s.cfg.HTTPClient,
		Retry: orcid.RetryPolicy{MaxAttempts: 2}})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return client.CheckCredential(ctx)
}

// TryMessage says in plain words why Try failed.
func TryMessage(err error) string {
	switch {
	case errors.Is(err, orcid.ErrCredentialRefused):
		return "ORCID refused this client id and secret. Check that both are exactly as ORCID gave them, " +
			"and that they are for this registry (sandbox or production): ORCID answered \"" + orcidWords(err) + "\"."
	case errors.Is(err, orcid.ErrTemporary), errors.Is(err, context.DeadlineExceeded):
		return "ORCID could not be reached to check the credential. Nothing was saved: try again in a moment."
	default:
		return "ORCID did not accept the credential: " + orcidWords(err)
	}
}

// orcidWords is ORCID's own message in an error, for showing beside ours.
func orcidWords(err error) string {
	var apiErr *orcid.APIError
	if errors.As(err, &apiErr) {
		if apiErr.Developer != "" {
			return apiErr.Developer
		}
		return apiErr.Error()
	}
	return err.Error()
}

// Check asks ORCID whether a credential works and records the outcome (see
// Record). A failure to reach ORCID records nothing and is returned.
func (s *Service) Check(ctx context.Context, cred store.Credential) (store.CredentialCheck, error) {
	err := s.Try(ctx, cred)
	switch {
	case err == nil:
		s.checkWebhooks(ctx, cred) // webhooks.go
		return s.Record(ctx, cred.ID, "")
	case errors.Is(err, orcid.ErrCredentialRefused):
		return s.Record(ctx, cred.ID, orcidWords(err))
	default:
		// Whether ORCID is down or we are cut off, the credential may
		// be fine: the next check will tell.
		return store.CredentialCheck{Credential: cred}, fmt.Errorf("problems: check credential %d: %w", cred.ID, err)
	}
}

// Record stores how a credential fares (problem "" when it works) and acts
// on a change: a credential that broke is reported to the managers of its
// tenants, once per breakage; one repaired has the items that waited for it
// sent again and the researchers who were told it was being repaired
// invited again.
func (s *Service) Record(ctx context.Context, credentialID int64, problem string) (store.CredentialCheck, error) {
	ctx = context.WithoutCancel(ctx) // what follows a change must happen once it is recorded
	chk, err := s.st.RecordCredentialCheck(ctx, credentialID, problem)
	if err != nil {
		return chk, fmt.Errorf("problems: %w", err)
	}
	chk.ClientSecret = ""
	switch {
	case chk.Broke:
		s.log.WarnContext(ctx, "ORCID refuses a credential", "credential", chk.ID, "name", chk.Name, "problem", problem)
	case chk.Repaired:
		s.log.InfoContext(ctx, "credential works again", "credential", chk.ID, "name", chk.Name)
		return chk, s.repaired(ctx, chk.Credential)
	}
	if chk.Health == store.CredentialBroken {
		// Also after a crash between recording the breakage and telling:
		// the claim makes it once.
		return chk, s.tellManagers(ctx, chk.Credential)
	}
	return chk, nil
}

// Refused is called when ORCID refused a credential in use
// (orcid.ErrCredentialRefused: unauthorized_client, invalid_client): it is
// checked again at once, and recorded broken either way, since ORCID
// refused it; the periodic check clears that when it works again.
func (s *Service) Refused(ctx context.Context, credentialID int64, cause error) {
	ctx = context.WithoutCancel(ctx)
	cred, err := s.st.Credential(ctx, credentialID)
	if err != nil {
		s.log.ErrorContext(ctx, "credential refused by ORCID", "credential", credentialID, "err", err)
		return
	}
	problem := orcidWords(cause)
	if err := s.Try(ctx, cred); errors.Is(err, orcid.ErrCredentialRefused) {
		problem = orcidWords(err)
	}
	if _, err := s.Record(ctx, credentialID, problem); err != nil {
		s.log.ErrorContext(ctx, "record a refused credential", "credential", credentialID, "err", err)
	}
}

// CheckAll checks every credential; one failing does not stop the others.
func (s *Service) CheckAll(ctx context.Context) error {
	cs, err := s.st.ListCredentials(ctx)
	if err != nil {
		return fmt.Errorf("problems: %w", err)
	}
	var errs []error
	for _, c := range cs {
		if _, err := s.Check(ctx, c); err != nil {
			s.log.WarnContext(ctx, "could not check a credential", "credential", c.ID, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// repaired sends what waited for the credential.
func (s *Service) repaired(ctx context.Context, c store.Credential) error {
	var errs []error
	if s.cfg.Resume != nil {
		n, err := s.cfg.Resume(ctx, c.ID)
		if err != nil {
			errs = append(errs, err)
		}
		s.log.InfoContext(ctx, "items resumed after a credential was repaired", "credential", c.ID, "items", n)
	}
	waiters, err := s.st.TakeCredentialWaiters(ctx, c.ID)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, w := range waiters {
		if s.cfg.Reinvite == nil {
			break
		}
		// One person's failure must not keep the others waiting.
		if err := s.cfg.Reinvite(ctx, w.TenantID, w.PersonID); err != nil {
			s.log.WarnContext(ctx, "could not invite again a researcher who waited for a repair", "tenant", w.TenantID,
				"person", w.PersonID, "err", err)
		}
	}
	return errors.Join(errs...)
}

// tellManagers emails the managers of the credential's tenants (site
// administrators when a tenant has none) that it is broken, once per
// breakage.
func (s *Service) tellManagers(ctx context.Context, c store.Credential) error {
	ok, err := s.st.ClaimBrokenNotice(ctx, c.ID)
	if err != nil || !ok {
		return err
	}
	tenants, err := s.st.ListTenantsUsingCredential(ctx, c.ID)
	if err != nil {
		return err
	}
	type recipient struct {
		admin   store.AdminUser
		tenants []store.Tenant
	}
	var order []string
	by := map[string]*recipient{}
	add := func(a store.AdminUser, t store.Tenant) {
		key := strings.ToLower(a.Email)
		r, ok := by[key]
		if !ok {
			r = &recipient{admin: a}
			by[key] = r
			order = append(order, key)
		}
		r.tenants = append(r.tenants, t)
	}
	var sites []store.AdminUser
	for _, t := range tenants {
		ms, err := s.st.TenantManagers(ctx, t.ID)
		if err != nil {
			return err
		}
		if len(ms) == 0 && sites == nil {
			if sites, err = s.st.SiteAdmins(ctx); err != nil {
				return err
			}
		}
		if len(ms) == 0 {
			ms = sites
		}
		for _, m := range ms {
			add(m, t)
		}
	}
	for _, key := range order {
		r := by[key]
		e := brokenEmail(s.cfg.PublicURL, c, r.admin, r.tenants)
		if _, err := s.st.QueueEmail(ctx, e); err != nil {
			return err
		}
	}
	if len(order) > 0 && s.cfg.EmailQueued != nil {
		s.cfg.EmailQueued()
	}
	s.log.InfoContext(ctx, "told administrators of a broken credential", "credential", c.ID, "recipients", len(order))
	return nil
}

// brokenEmail tells an administrator that their tenants' credential is
// broken: what researchers see, what ORCID said, and who can fix it.
func brokenEmail(base string, c store.Credential, a store.AdminUser, tenants []store.Tenant) store.Email {
	names := make([]string, len(tenants))
	for i, t := range tenants {
		names[i] = t.Name
	}
	who := strings.Join(names, ", ")
	link := base + "/admin/"
	fix := "A site administrator of orcidlink can fix it"
	if a.Role == store.RoleSiteAdmin {
		link = base + "/admin/credentials/" + strconv.FormatInt(c.ID, 10)
		fix = "You can fix it"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", firstNonEmpty(a.Name, a.Email))
	fmt.Fprintf(&b, "ORCID no longer accepts the API credential %q that %s uses to connect researchers to ORCID.\n\n", c.Name, who)
	fmt.Fprintf(&b, "ORCID said: %s\n\n", firstNonEmpty(c.Problem, "(no message)"))
	b.WriteString("Until it is fixed, researchers who try to connect see a page saying that the connection to ORCID is being " +
		"repaired and that they will be emailed; nothing is sent to ORCID records, and items wait. Once it works again, " +
		"orcidlink sends the waiting items and invites those researchers again by itself.\n\n")
	fmt.Fprintf(&b, "%s: enter the client id and secret exactly as ORCID shows them for this client (ORCID may have reset the secret; "+
		"its developer tools or ORCID's support say what it is now) on the credential's page:\n%s\n\n", fix, link)
	b.WriteString("This email is sent once for each time the credential breaks.\n")
	e := store.Email{Recipient: a.Email, Subject: "Action needed: " + who + " cannot reach ORCID", TextBody: b.String()}
	if len(tenants) == 1 {
		e.TenantID = tenants[0].ID
	}
	return e
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
