-- ORCID enables the two-legged group-id-record scopes for a member client on
-- request; a client has them only once enabled (Client.GroupIDRecords).

-- +goose Up
ALTER TABLE clients ADD COLUMN group_id_records INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE clients DROP COLUMN group_id_records;
