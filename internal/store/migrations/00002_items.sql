-- Items orcidlink writes to ORCID records (design note 2 in doc/design.md)
-- and the shared rate budgets of ORCID credentials (design note 3). Written
-- once for both engines, with the schema words of dialect.go.

-- +goose Up
-- One row per (tenant, person, item kind, our key for the item): what we
-- want on the record, what ORCID last confirmed, and where the push stands.
-- The log of calls (orcid_calls) says how it got there.
CREATE TABLE orcid_items (
    id             {{.ID}},
    tenant_id      BIGINT NOT NULL,
    person_id      BIGINT NOT NULL,
    kind           TEXT NOT NULL,  -- orcid.ItemKind
    item_key       TEXT NOT NULL,  -- ours: "article:123/author:4"
    content        TEXT NOT NULL,  -- the item's ORCID JSON, normalized
    content_hash   {{.Bytes}} NOT NULL, -- SHA-256 of content
    -- The link the put-code belongs to: a put-code means nothing on another
    -- registry or another researcher's record.
    link_id        BIGINT REFERENCES orcid_links (id) ON DELETE SET NULL,
    put_code       BIGINT,
    confirmed_hash {{.Bytes}}, -- content_hash ORCID last accepted; NULL for none
    pushing_hash   {{.Bytes}}, -- content_hash of the write under way; NULL for none
    -- 1 from just before a write is sent until its outcome is stored: after
    -- a crash, the write may have reached ORCID, so look before posting.
    call_open      INTEGER NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'queued', 'in-flight', 'synced', 'failed-retryable',
                       'failed-permanent', 'deleted-by-researcher', 'retracting', 'retracted')),
    state_reason   TEXT NOT NULL, -- why pending, for people
    attempts       INTEGER NOT NULL,
    last_error     TEXT NOT NULL, -- ORCID's message
    created_at     {{.Time}} NOT NULL,
    updated_at     {{.Time}} NOT NULL,
    synced_at      {{.Time}},
    CONSTRAINT orcid_items_key UNIQUE (tenant_id, person_id, kind, item_key),
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX orcid_items_state ON orcid_items (tenant_id, state, id);
CREATE INDEX orcid_items_person ON orcid_items (person_id, id);
CREATE INDEX orcid_items_link ON orcid_items (link_id);

-- GCRA state, one row per budget ("credential:<id>"): the theoretical
-- arrival time in microseconds since the Unix epoch. An integer, so that
-- one statement means the same on both engines.
CREATE TABLE rate_budgets (
    budget_key TEXT PRIMARY KEY,
    tat_us     BIGINT NOT NULL
);

-- +goose Down
DROP TABLE rate_budgets;
DROP TABLE orcid_items;
