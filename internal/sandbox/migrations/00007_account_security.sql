-- +goose Up
-- What ORCID keeps about signing in and about the record's emails, apart
-- from the researchers table so that a record without a row keeps the
-- defaults every earlier record had: a verified email and no two-factor
-- sign-in.
--
-- ORCID's columns: email.is_verified and email.date_verified (the primary
-- email, and here a backup email added on the OAuth interstitial),
-- profile.using_2fa and profile.secret_for_2fa (ProfileEntity; the secret is
-- kept while setup is unfinished, TwoFactorAuthenticationManagerImpl
-- .getQRCode), backup_code (BackupCodeEntity: hashed, marked used) and
-- profile_interstitial_flag (the interstitials a researcher has seen,
-- ProfileInterstitialFlagManagerImpl).
CREATE TABLE account_security (
    orcid                 TEXT PRIMARY KEY REFERENCES researchers(orcid) ON DELETE CASCADE,
    email_verified        INTEGER NOT NULL DEFAULT 1,
    email_verified_at     INTEGER NOT NULL DEFAULT 0,
    totp_secret           TEXT NOT NULL DEFAULT '', -- base32; set at setup, kept while enabled
    using_2fa             INTEGER NOT NULL DEFAULT 0,
    backup_email          TEXT NOT NULL DEFAULT '',
    backup_email_verified INTEGER NOT NULL DEFAULT 0,
    email_domain_public   INTEGER NOT NULL DEFAULT 0,
    interstitials_seen    TEXT NOT NULL DEFAULT '' -- space-separated interstitial names
);

CREATE TABLE backup_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    orcid      TEXT NOT NULL REFERENCES researchers(orcid) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL, -- hex SHA-256 of the code
    created_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX backup_codes_orcid ON backup_codes (orcid);

-- Registry-wide switches the control API sets (ORCID's togglz features),
-- kept in the database so that they survive a restart as the registry does.
CREATE TABLE registry_switches (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- +goose Down
DROP TABLE registry_switches;
DROP TABLE backup_codes;
DROP TABLE account_security;
