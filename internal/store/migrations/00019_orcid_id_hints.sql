-- Legacy iDs as hints only (issue 17). An organisation moving to orcidlink
-- often holds iDs its old system collected without ORCID's OAuth (typed in
-- a form, copied from a CV). Such an iD proves nothing: it is kept here,
-- apart from orcid_links, so that no query that reads authenticated iDs
-- (articles' contributors, JATS and Crossref metadata, webhooks) can ever
-- pick it up. It serves to show "iD on file, unconfirmed" and to ask the
-- person to confirm it by signing in. When the person connects with
-- another iD, mismatch_orcid keeps the authenticated one for the
-- administrator to look at (mismatch_at: when). Written once for both
-- engines.

-- +goose Up
CREATE TABLE orcid_id_hints (
    person_id      BIGINT PRIMARY KEY,
    tenant_id      BIGINT NOT NULL,
    orcid          TEXT NOT NULL,  -- bare iD, never authenticated
    source         TEXT NOT NULL,  -- where it came from, e.g. "import"
    mismatch_orcid TEXT,           -- the authenticated iD when it differs
    mismatch_at    {{.Time}},
    created_at     {{.Time}} NOT NULL,
    updated_at     {{.Time}} NOT NULL,
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX orcid_id_hints_mismatch ON orcid_id_hints (tenant_id) WHERE mismatch_orcid IS NOT NULL;

-- +goose Down
DROP TABLE orcid_id_hints;
