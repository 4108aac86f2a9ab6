-- Reading records at scale (issue 16): ORCID answers no conditional
-- requests, so the only way to know a record is unchanged without reading
-- it is a premium webhook (ORCID-Source orcid-api-web/WEBHOOKS.md,
-- WebhookManagerImpl). credentials.orcid_webhooks records whether ORCID
-- grants the credential's client the /webhook scope ('unknown' until
-- asked, at the credential check or the first registration).
-- record_webhooks holds one registration per link: the secret token its
-- callback URL carries (ORCID does not sign its calls), when ORCID
-- acknowledged the registration, and when ORCID last said the record
-- changed. Written once for both engines.

-- +goose Up
ALTER TABLE credentials ADD COLUMN orcid_webhooks TEXT NOT NULL DEFAULT 'unknown'
    CHECK (orcid_webhooks IN ('unknown', 'yes', 'no'));
ALTER TABLE credentials ADD COLUMN orcid_webhooks_checked_at {{.Time}};

CREATE TABLE record_webhooks (
    link_id       BIGINT NOT NULL PRIMARY KEY REFERENCES orcid_links (id) ON DELETE CASCADE,
    tenant_id     BIGINT NOT NULL,
    person_id     BIGINT NOT NULL,
    credential_id BIGINT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    orcid         TEXT NOT NULL,
    token         TEXT NOT NULL UNIQUE,
    registered_at {{.Time}},
    changed_at    {{.Time}},
    created_at    {{.Time}} NOT NULL
);
CREATE INDEX record_webhooks_person ON record_webhooks (tenant_id, person_id);

-- +goose Down
DROP TABLE record_webhooks;
ALTER TABLE credentials DROP COLUMN orcid_webhooks_checked_at;
ALTER TABLE credentials DROP COLUMN orcid_webhooks;
