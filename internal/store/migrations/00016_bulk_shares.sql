-- Bulk writes and fair shares of a credential's budget (issue 16).
-- bulk_leases: the one job at a time that may POST a person's new works
-- (one bulk request for up to 100 of them) through a link; holder names
-- that job's run, and the lease lapses at until_us (microseconds since the
-- Unix epoch), after the longest a live holder can still be writing.
-- rate_shares: per budget ("credential:<id>") and share (a tenant), the
-- requests the share has taken (its virtual time, vt) and until when it
-- counts as waiting for more (active_until_us): a share that is ahead of
-- the other active ones waits for them, so tenants on one credential get
-- fair shares of it. Integers, so that one statement means the same on
-- both engines. Written once for both engines.

-- +goose Up
CREATE TABLE bulk_leases (
    link_id  BIGINT PRIMARY KEY,
    holder   TEXT NOT NULL,
    until_us BIGINT NOT NULL
);
CREATE TABLE rate_shares (
    budget_key      TEXT NOT NULL,
    share_key       TEXT NOT NULL,
    vt              BIGINT NOT NULL,
    active_until_us BIGINT NOT NULL,
    PRIMARY KEY (budget_key, share_key)
);

-- +goose Down
DROP TABLE rate_shares;
DROP TABLE bulk_leases;
