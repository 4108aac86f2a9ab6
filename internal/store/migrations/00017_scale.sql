-- A national consortium on one database (issue 16, "scale, measured":
-- `orcidlink bench scale`, doc/performance.md). At a million people and
-- ten million items, what the admin UI asks on every page view must not
-- read every row of a tenant:
--
-- item_counts keeps the number of items per tenant and state, kept by
-- triggers in the transaction of each change, so the dashboard's and the
-- metrics' counts read a few rows instead of counting millions. A change
-- appends a row (+1 for the new state, -1 for the old) rather than
-- updating one row per state: concurrent workers of one tenant would
-- otherwise queue on (and deadlock over) the same few rows. The store adds
-- the rows up, and folds a tenant's rows into one per state when they
-- have piled up (Store.CountItems).
--
-- Partial indexes serve the failed list (by id), the failed items by
-- reason (from the index alone), the waiting list and the undelivered
-- emails, each reading only the rows concerned.
--
-- On PostgreSQL, trigram indexes (pg_trgm) let a search for part of a
-- name, an email address or an iD find its rows instead of scanning the
-- tenant's people (or the outbox). Creating the extension needs the
-- CREATE privilege on the database (pg_trgm is a trusted extension);
-- without it the migration goes on without these indexes, and searches
-- work as before, by scanning. SQLite has no such index: a database the
-- size that needs one belongs on PostgreSQL.

-- +goose Up
CREATE TABLE item_counts (
    tenant_id BIGINT NOT NULL,
    state     TEXT NOT NULL,
    n         BIGINT NOT NULL
);
CREATE INDEX item_counts_tenant ON item_counts (tenant_id, state);
INSERT INTO item_counts (tenant_id, state, n) SELECT tenant_id, state, COUNT(*) FROM orcid_items GROUP BY tenant_id, state;

{{if .Postgres -}}
-- +goose StatementBegin
CREATE FUNCTION orcid_items_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO item_counts (tenant_id, state, n) VALUES (NEW.tenant_id, NEW.state, 1);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO item_counts (tenant_id, state, n) VALUES (OLD.tenant_id, OLD.state, -1);
    ELSE
        INSERT INTO item_counts (tenant_id, state, n) VALUES (OLD.tenant_id, OLD.state, -1), (NEW.tenant_id, NEW.state, 1);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER orcid_items_count AFTER INSERT OR DELETE ON orcid_items
    FOR EACH ROW EXECUTE FUNCTION orcid_items_count();
CREATE TRIGGER orcid_items_count_update AFTER UPDATE OF tenant_id, state ON orcid_items
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
    EXECUTE FUNCTION orcid_items_count();
{{- else -}}
-- +goose StatementBegin
CREATE TRIGGER orcid_items_count_insert AFTER INSERT ON orcid_items BEGIN
    INSERT INTO item_counts (tenant_id, state, n) VALUES (NEW.tenant_id, NEW.state, 1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER orcid_items_count_delete AFTER DELETE ON orcid_items BEGIN
    INSERT INTO item_counts (tenant_id, state, n) VALUES (OLD.tenant_id, OLD.state, -1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER orcid_items_count_update AFTER UPDATE OF tenant_id, state ON orcid_items
    WHEN OLD.state IS NOT NEW.state OR OLD.tenant_id IS NOT NEW.tenant_id BEGIN
    INSERT INTO item_counts (tenant_id, state, n) VALUES (OLD.tenant_id, OLD.state, -1), (NEW.tenant_id, NEW.state, 1);
END;
-- +goose StatementEnd
{{- end}}

CREATE INDEX orcid_items_failed ON orcid_items (tenant_id, id) WHERE state IN ('failed-permanent', 'failed-retryable');
CREATE INDEX orcid_items_failed_error ON orcid_items (tenant_id, last_error) WHERE state IN ('failed-permanent', 'failed-retryable');
CREATE INDEX orcid_items_waiting ON orcid_items (tenant_id, updated_at) WHERE state IN ('queued', 'in-flight');
CREATE INDEX emails_undelivered ON emails (tenant_id) WHERE sent_at IS NULL AND error <> '';

{{if .Postgres -}}
-- +goose StatementBegin
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
    RAISE NOTICE 'pg_trgm is not available (%): searches scan instead of using trigram indexes', SQLERRM;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX people_search_trgm ON people USING gin (search_text gin_trgm_ops);
        CREATE INDEX orcid_links_uri_trgm ON orcid_links USING gin (lower(orcid_uri) gin_trgm_ops);
        CREATE INDEX emails_recipient_trgm ON emails USING gin (lower(recipient) gin_trgm_ops);
        CREATE INDEX emails_subject_trgm ON emails USING gin (lower(subject) gin_trgm_ops);
    END IF;
END
$$;
-- +goose StatementEnd
{{- end}}

-- +goose Down
{{if .Postgres -}}
DROP INDEX IF EXISTS emails_subject_trgm;
DROP INDEX IF EXISTS emails_recipient_trgm;
DROP INDEX IF EXISTS orcid_links_uri_trgm;
DROP INDEX IF EXISTS people_search_trgm;
DROP TRIGGER orcid_items_count_update ON orcid_items;
DROP TRIGGER orcid_items_count ON orcid_items;
DROP FUNCTION orcid_items_count();
{{- else -}}
DROP TRIGGER orcid_items_count_update;
DROP TRIGGER orcid_items_count_delete;
DROP TRIGGER orcid_items_count_insert;
{{- end}}
DROP INDEX emails_undelivered;
DROP INDEX orcid_items_waiting;
DROP INDEX orcid_items_failed_error;
DROP INDEX orcid_items_failed;
DROP TABLE item_counts;
