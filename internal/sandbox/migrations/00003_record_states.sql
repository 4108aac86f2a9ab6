-- +goose Up
-- Record states (ORCID's profile columns primary_record, record_locked,
-- deactivation_date and claimed): one state per record, since ORCID's
-- checkProfile reports only the first of them that applies anyway.
ALTER TABLE researchers ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'deprecated', 'locked', 'deactivated', 'unclaimed'));
-- the primary record of a deprecated one (ORCID's primary_record)
ALTER TABLE researchers ADD COLUMN primary_orcid TEXT NOT NULL DEFAULT '';
-- when the state was set: the deprecated_date, the deactivation_date, or the
-- submission date an unclaimed record's claim wait period counts from
ALTER TABLE researchers ADD COLUMN state_changed_at INTEGER NOT NULL DEFAULT 0;
-- the client that created an unclaimed record (ORCID's profile source),
-- the one caller that may use it before it is claimed
ALTER TABLE researchers ADD COLUMN created_by_client TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE researchers DROP COLUMN created_by_client;
ALTER TABLE researchers DROP COLUMN state_changed_at;
ALTER TABLE researchers DROP COLUMN primary_orcid;
ALTER TABLE researchers DROP COLUMN state;
