-- The outbox keeps no readable invitation link (issue 13): a message with
-- secrets (the token of an invitation's link) keeps its full text sealed
-- here until it is sent, text_body and html_body holding a copy with each
-- secret redacted; once sent, the sealed text is dropped and only the
-- redacted copy stays, for the admin UI. Written once for both engines.

-- +goose Up
ALTER TABLE emails ADD COLUMN sealed {{.Bytes}};

-- +goose Down
ALTER TABLE emails DROP COLUMN sealed;
