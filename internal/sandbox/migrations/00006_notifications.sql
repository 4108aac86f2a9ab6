-- +goose Up
-- Permission notifications (ORCID's notification table, type PERMISSION):
-- what a premium member client puts in a researcher's ORCID inbox
-- (notifications.go). The client is the source; the dates are ORCID's
-- read, actioned and archived dates.
CREATE TABLE notifications (
    put_code    INTEGER PRIMARY KEY AUTOINCREMENT,
    orcid       TEXT NOT NULL REFERENCES researchers(orcid) ON DELETE CASCADE,
    client_id   TEXT NOT NULL,
    body        TEXT NOT NULL, -- authorization-url, subject, intro and items as JSON
    created_at  INTEGER NOT NULL,
    read_at     INTEGER,
    actioned_at INTEGER,
    archived_at INTEGER
);
CREATE INDEX notifications_orcid_client ON notifications (orcid, client_id);

-- +goose Down
DROP TABLE notifications;
