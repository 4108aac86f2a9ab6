-- Problems first (issue 14). A credential is checked with ORCID (a
-- two-legged token) when saved, periodically, and whenever ORCID refuses
-- it: health says how the last check went ('unchecked' before the first),
-- problem what ORCID said, broken_since when it stopped working (for
-- telling the tenants' managers once per breakage: managers_told_at).
-- credential_waiters are the researchers who met the "being repaired" page,
-- to be emailed once the credential works again. admin_digests holds each
-- administrator's choice of a daily email of what needs them (off unless
-- chosen). Written once for both engines.

-- +goose Up
ALTER TABLE credentials ADD COLUMN health TEXT NOT NULL DEFAULT 'unchecked'
    CHECK (health IN ('unchecked', 'working', 'broken'));
ALTER TABLE credentials ADD COLUMN checked_at {{.Time}};
ALTER TABLE credentials ADD COLUMN problem TEXT NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN broken_since {{.Time}};
ALTER TABLE credentials ADD COLUMN managers_told_at {{.Time}};

CREATE TABLE credential_waiters (
    credential_id BIGINT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    person_id     BIGINT NOT NULL,
    tenant_id     BIGINT NOT NULL,
    created_at    {{.Time}} NOT NULL,
    PRIMARY KEY (credential_id, person_id),
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);

CREATE TABLE admin_digests (
    admin_id     BIGINT NOT NULL PRIMARY KEY REFERENCES admin_users (id) ON DELETE CASCADE,
    enabled      INTEGER NOT NULL,
    last_sent_at {{.Time}}
);

-- +goose Down
DROP TABLE admin_digests;
DROP TABLE credential_waiters;
ALTER TABLE credentials DROP COLUMN managers_told_at;
ALTER TABLE credentials DROP COLUMN broken_since;
ALTER TABLE credentials DROP COLUMN problem;
ALTER TABLE credentials DROP COLUMN checked_at;
ALTER TABLE credentials DROP COLUMN health;
