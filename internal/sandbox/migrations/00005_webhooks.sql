-- +goose Up
-- Premium webhooks (webhooks.go), after ORCID's webhook table
-- (ORCID-Source orcid-persistence/src/main/resources/db/updates/webhooks.xml,
-- profile_hook_date.xml; WebhookEntity): one row per record and callback
-- URI, whichever client registered it first.
CREATE TABLE webhooks (
    orcid      TEXT NOT NULL REFERENCES researchers(orcid) ON DELETE CASCADE,
    uri        TEXT NOT NULL, -- as registered (decoded), without the http:// ORCID adds when posting
    client_id  TEXT NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    -- ORCID compares webhook.profile_last_modified (copied from the
    -- profile by ProfileDaoImpl whenever the record's last-modified date
    -- moves) with last_sent. Here the triggers below count changes and a
    -- delivery remembers the count it reported, so a change made while a
    -- POST is in flight is not lost, and the registry's test clock
    -- (Config.Now) plays no part in what is pending.
    changes         INTEGER NOT NULL DEFAULT 0,
    sent_changes    INTEGER NOT NULL DEFAULT 0,
    last_sent       INTEGER,          -- registry clock, ms
    last_failed     INTEGER,          -- registry clock, ms
    failed_attempts INTEGER NOT NULL DEFAULT 0, -- failed_attempt_count
    last_status     INTEGER NOT NULL DEFAULT 0, -- last HTTP status, 0 for none or a transport error
    last_error      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (orcid, uri)
);

-- Every write to a record's items (API, bulk, the researcher's own edits,
-- a state change clearing the record) and to the person data kept on the
-- researcher row is a change, as ORCID's @UpdateProfileLastModified aspect
-- makes it one. Triggers catch every writer, present and future.
-- +goose StatementBegin
CREATE TRIGGER webhooks_item_insert AFTER INSERT ON items BEGIN
    UPDATE webhooks SET changes = changes + 1 WHERE orcid = NEW.orcid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER webhooks_item_update AFTER UPDATE ON items BEGIN
    UPDATE webhooks SET changes = changes + 1 WHERE orcid = NEW.orcid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER webhooks_item_delete AFTER DELETE ON items BEGIN
    UPDATE webhooks SET changes = changes + 1 WHERE orcid = OLD.orcid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER webhooks_person_update AFTER UPDATE OF given_names, family_names, credit_name, email, biography,
        names_visibility, state ON researchers
    WHEN OLD.given_names IS NOT NEW.given_names OR OLD.family_names IS NOT NEW.family_names
      OR OLD.credit_name IS NOT NEW.credit_name OR OLD.email IS NOT NEW.email
      OR OLD.biography IS NOT NEW.biography OR OLD.names_visibility IS NOT NEW.names_visibility
      OR OLD.state IS NOT NEW.state BEGIN
    UPDATE webhooks SET changes = changes + 1 WHERE orcid = NEW.orcid;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER webhooks_person_update;
DROP TRIGGER webhooks_item_delete;
DROP TRIGGER webhooks_item_update;
DROP TRIGGER webhooks_item_insert;
DROP TABLE webhooks;
