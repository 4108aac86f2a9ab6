-- Batch files (issue 7): uploads of people and items, their validation
-- report and the progress of their import. Written once for both engines,
-- with the schema words of dialect.go.

-- +goose Up
-- One row per uploaded file. The counts are kept here so that the progress
-- bar reads one row, not the file's rows.
CREATE TABLE batches (
    id           {{.ID}},
    tenant_id    BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,  -- people, affiliations, works, fundings, peer-reviews
    format       TEXT NOT NULL,  -- csv, json
    filename     TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,  -- actor, e.g. "admin:3" or "api-key:7"
    state        TEXT NOT NULL CHECK (state IN ('validating', 'invalid', 'ready', 'importing', 'done', 'failed')),
    total_rows   INTEGER NOT NULL,
    valid_rows   INTEGER NOT NULL,
    invalid_rows INTEGER NOT NULL,
    done_rows    INTEGER NOT NULL,
    -- Problems of the file as a whole (encoding, header), as JSON.
    file_problems TEXT NOT NULL,
    only_valid   INTEGER NOT NULL, -- 1: import the valid rows of a file with errors
    invite       INTEGER NOT NULL, -- 1: invite people who are not connected
    message      TEXT NOT NULL,    -- why the import failed, for people
    created_at   {{.Time}} NOT NULL,
    updated_at   {{.Time}} NOT NULL,
    started_at   {{.Time}},
    finished_at  {{.Time}},
    CONSTRAINT batches_tenant UNIQUE (id, tenant_id)
);
CREATE INDEX batches_tenant_created ON batches (tenant_id, id);

-- One row per data row of a file: what it said (normalized), what is wrong
-- with it, and what importing it did. The import works through the rows
-- without an outcome, so it resumes after a restart where it stopped.
CREATE TABLE batch_rows (
    batch_id   BIGINT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    row_num    INTEGER NOT NULL,  -- 1 for the first data row
    line       INTEGER NOT NULL,  -- where the row starts in a CSV file; 0 for JSON
    data       TEXT NOT NULL,     -- the row as a JSON object of column to value
    problems   TEXT NOT NULL,     -- JSON array; '[]' for none
    valid      INTEGER NOT NULL,  -- 1 when problems is empty
    person_id  BIGINT,            -- set by the import
    item_id    BIGINT,            -- set by the import (item kinds)
    outcome    TEXT NOT NULL CHECK (outcome IN ('', 'done', 'skipped', 'failed')),
    message    TEXT NOT NULL,
    PRIMARY KEY (batch_id, row_num)
);
CREATE INDEX batch_rows_todo ON batch_rows (batch_id, outcome, row_num);

-- +goose Down
DROP TABLE batch_rows;
DROP TABLE batches;
