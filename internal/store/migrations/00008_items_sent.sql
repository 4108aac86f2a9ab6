-- What the write under way (or last tried) of an item sent: a write whose
-- outcome is unknown is looked for on the record by the identifiers it
-- carried, which an edit since (a corrected DOI) may have changed.
-- Written once for both engines.

-- +goose Up
ALTER TABLE orcid_items ADD COLUMN pushing_content TEXT;

-- +goose Down
ALTER TABLE orcid_items DROP COLUMN pushing_content;
