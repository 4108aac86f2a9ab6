package sandbox

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Account security: the primary email's verification, two-factor sign-in
// and the few things the OAuth interstitials record (interstitials.go),
// kept in account_security (migration 00007). A record without a row has
// what every record had before: a verified email and no second factor.

func (r *Registry) registerAccountSecurityRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /verify-email/{token}", r.handleVerifyEmail)
	mux.HandleFunc("POST /account/verify-email", r.handleResendVerification)
	r.registerTwoFactorRoutes(mux)
	r.registerInterstitialRoutes(mux)
}

// initSecurity writes a new record's row when it differs from the
// defaults: an unverified email, or 2FA switched on from the start.
func (r *Registry) initSecurity(ctx context.Context, orcid string, in NewResearcher) error {
	if in.EmailVerified != nil && !*in.EmailVerified {
		if err := r.store.setEmailVerified(ctx, orcid, false, 0); err != nil {
			return err
		}
	}
	if in.TwoFactorSecret != "" {
		secret := strings.ToUpper(strings.Join(strings.Fields(in.TwoFactorSecret), ""))
		if err := r.store.enable2FA(ctx, orcid, strings.TrimRight(secret, "="), nil, unix(r.now())); err != nil {
			return fmt.Errorf("2FA of %s: %w", orcid, err)
		}
	}
	return nil
}

// accountSecurity is a record's row of account_security.
type accountSecurity struct {
	EmailVerified       bool
	TOTPSecret          string
	Using2FA            bool
	BackupEmail         string
	BackupEmailVerified bool
	DomainPublic        bool
	Seen                []string // interstitials already shown
}

func (s *store) security(ctx context.Context, orcid string) (accountSecurity, error) {
	sec := accountSecurity{EmailVerified: true}
	var seen string
	err := s.db.QueryRowContext(ctx, `SELECT email_verified, totp_secret, using_2fa, backup_email,
		backup_email_verified, email_domain_public, interstitials_seen FROM account_security WHERE orcid = ?`, orcid).
		Scan(&sec.EmailVerified, &sec.TOTPSecret, &sec.Using2FA, &sec.BackupEmail, &sec.BackupEmailVerified, &sec.DomainPublic, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return sec, nil
	}
	if err != nil {
		return sec, fmt.Errorf("account security of %s: %w", orcid, err)
	}
	sec.Seen = strings.Fields(seen)
	return sec, nil
}

// updateSecurity sets columns of a record's row, creating the row (with
// the defaults) first. Column names come from this file only.
func (s *store) updateSecurity(ctx context.Context, orcid, set string, args ...any) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO account_security (orcid) VALUES (?) ON CONFLICT (orcid) DO NOTHING`, orcid); err != nil {
		return fmt.Errorf("account security of %s: %w", orcid, err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE account_security SET `+set+` WHERE orcid = ?`, append(args, orcid)...); err != nil {
		return fmt.Errorf("account security of %s: %w", orcid, err)
	}
	return nil
}

func (s *store) setEmailVerified(ctx context.Context, orcid string, verified bool, at int64) error {
	return s.updateSecurity(ctx, orcid, `email_verified = ?, email_verified_at = ?`, verified, at)
}

// orcidByBackupEmail finds the record a backup email was added to.
func (s *store) orcidByBackupEmail(ctx context.Context, email string) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT orcid FROM account_security WHERE backup_email = ? COLLATE NOCASE`, email).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return id, err
}

// enable2FA switches two-factor sign-in on with a secret and replaces the
// backup codes (BackupCodeManagerImpl.createBackupCodes keeps hashes only).
func (s *store) enable2FA(ctx context.Context, orcid, secret string, codes []string, at int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `INSERT INTO account_security (orcid) VALUES (?) ON CONFLICT (orcid) DO NOTHING`, orcid); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE account_security SET totp_secret = ?, using_2fa = 1 WHERE orcid = ?`, secret, orcid); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM backup_codes WHERE orcid = ?`, orcid); err != nil {
		return err
	}
	for _, c := range codes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO backup_codes (orcid, code_hash, created_at) VALUES (?, ?, ?)`, orcid, hashBackupCode(c), at); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// disable2FA switches two-factor sign-in off and forgets the secret and
// the unused backup codes (disable2FA, removeUnusedBackupCodes).
func (s *store) disable2FA(ctx context.Context, orcid string) error {
	if err := s.updateSecurity(ctx, orcid, `using_2fa = 0, totp_secret = ''`); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM backup_codes WHERE orcid = ? AND used_at IS NULL`, orcid)
	return err
}

// useBackupCode marks an unused backup code used and reports whether there
// was one (BackupCodeManagerImpl.verify).
func (s *store) useBackupCode(ctx context.Context, orcid, code string, at int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE backup_codes SET used_at = ? WHERE id = (
		SELECT id FROM backup_codes WHERE orcid = ? AND code_hash = ? AND used_at IS NULL LIMIT 1)`,
		at, orcid, hashBackupCode(code))
	if err != nil {
		return false, fmt.Errorf("backup code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *store) unusedBackupCodes(ctx context.Context, orcid string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM backup_codes WHERE orcid = ? AND used_at IS NULL`, orcid).Scan(&n)
	return n, err
}

func (s *store) markInterstitialSeen(ctx context.Context, orcid, name string) error {
	sec, err := s.security(ctx, orcid)
	if err != nil {
		return err
	}
	if slices.Contains(sec.Seen, name) {
		return nil
	}
	return s.updateSecurity(ctx, orcid, `interstitials_seen = ?`, strings.Join(append(sec.Seen, name), " "))
}

// ---- email verification ----

// verifyToken is the last part of a verification link: the address and a
// MAC over it, so that a link cannot be made for an address the registry
// did not write to. ORCID's link carries the address encrypted
// (VerifyEmailUtils.createVerificationUrl: /verify-email/{base64 of the
// encrypted address}) and never expires; neither does this one.
func (r *Registry) verifyToken(email string) string {
	mac := r.formToken("", "verify-email", strings.ToLower(email))
	return base64.RawURLEncoding.EncodeToString([]byte(email)) + "." + mac
}

func (r *Registry) verifyLink(email string) string {
	return r.BaseURL() + "/verify-email/" + r.verifyToken(email)
}

// emailFromVerifyToken returns the address a valid token names.
func (r *Registry) emailFromVerifyToken(tok string) (string, bool) {
	enc, mac, ok := strings.Cut(tok, ".")
	if !ok {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", false
	}
	email := string(b)
	return email, r.checkFormToken("", "verify-email", strings.ToLower(email), mac)
}

// sendVerification puts ORCID's verification message for an address in the
// outbox ("[ORCID] Verify your email address", email.subject.verify_reminder).
func (r *Registry) sendVerification(ctx context.Context, name, email string) error {
	body := fmt.Sprintf(`Dear %s,

Please verify your email address by following this link:
%s

Kind regards,
The ORCID team (offline sandbox)
`, name, r.verifyLink(email))
	if err := r.store.AddEmail(ctx, Email{To: email, Subject: "[ORCID] Verify your email address", Body: body, CreatedAt: r.now()}); err != nil {
		return fmt.Errorf("verification email: %w", err)
	}
	return nil
}

// handleVerifyEmail follows a verification link, as ORCID's
// RegistrationController.verifyEmail does: a bad link goes to the sign-in
// page with invalidVerifyUrl=true; a link of another researcher than the
// one signed in shows an error (ORCID's wrong_user page); otherwise the
// address is verified and the browser goes to the record page
// (/my-orcid?emailVerified=true) when its owner is signed in, else to the
// sign-in page (/signin?emailVerified=true).
func (r *Registry) handleVerifyEmail(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	email, ok := r.emailFromVerifyToken(req.PathValue("token"))
	if !ok {
		http.Redirect(w, req, r.BaseURL()+"/signin?invalidVerifyUrl=true", http.StatusFound)
		return
	}
	backup := false
	var id string
	if res, err := r.store.ResearcherByEmail(ctx, email); err == nil {
		id = res.ORCID
	} else if bid, berr := r.store.orcidByBackupEmail(ctx, email); berr == nil {
		id, backup = bid, true
	} else {
		http.Redirect(w, req, r.BaseURL()+"/signin", http.StatusFound)
		return
	}
	_, user, signedIn := r.currentSession(req)
	if signedIn && user.ORCID != id {
		pc := r.localized(req, "Wrong account", "")
		r.render(w, req, http.StatusForbidden, "error", errorPage{pageCommon: pc, Code: "wrong_user",
			Description: pc.T("This verification link belongs to another ORCID record. Sign out and follow the link again.")})
		return
	}
	var err error
	if backup {
		err = r.store.updateSecurity(ctx, id, `backup_email_verified = 1`)
	} else {
		err = r.store.setEmailVerified(ctx, id, true, unix(r.now()))
	}
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	if signedIn {
		http.Redirect(w, req, r.BaseURL()+"/my-orcid?emailVerified=true", http.StatusFound)
		return
	}
	http.Redirect(w, req, r.BaseURL()+"/signin?emailVerified=true", http.StatusFound)
}

// handleResendVerification is the account and record pages' "Resend
// verification email" button.
func (r *Registry) handleResendVerification(w http.ResponseWriter, req *http.Request) {
	_, res, ok := r.ownerForm(w, req, "account", "/account")
	if !ok {
		return
	}
	if !res.EmailVerified {
		if err := r.sendVerification(req.Context(), res.DisplayName(), res.Email); err != nil {
			r.serverError(w, req, err)
			return
		}
	}
	http.Redirect(w, req, r.BaseURL()+"/account?verification=sent", http.StatusSeeOther)
}
