-- +goose Up
-- Peer-review groups (ORCID's group_id_record table): every peer review
-- names one in review-group-id. Put-codes are numbered apart from record
-- items, as ORCID's own sequence is.
CREATE TABLE group_id_records (
    put_code         INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id         TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '', -- '' for issn: groups the registry creates, as ORCID leaves it null
    type             TEXT NOT NULL,
    source_client_id TEXT NOT NULL DEFAULT '', -- '' when the registry itself is the source (seeded and issn: groups)
    created_at       INTEGER NOT NULL,
    modified_at      INTEGER NOT NULL
);
-- ORCID compares group ids with trim(lower(...)) everywhere (GroupIdRecordDaoImpl).
CREATE UNIQUE INDEX group_id_records_group_id ON group_id_records (lower(trim(group_id)));

-- The organisation registry: the (identifier, source) pairs a
-- disambiguated-organization may name (ORCID's org_disambiguated table,
-- matched on source_id and source_type exactly).
CREATE TABLE organizations (
    identifier TEXT NOT NULL,
    source     TEXT NOT NULL,
    name       TEXT NOT NULL,
    city       TEXT NOT NULL DEFAULT '',
    region     TEXT NOT NULL DEFAULT '',
    country    TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (identifier, source)
);

-- +goose Down
DROP TABLE organizations;
DROP TABLE group_id_records;
