-- Researchers' ORCID records as last imported, for the tenant's own
-- systems. Written once for both engines, with the schema words of dialect.go.

-- +goose Up
CREATE TABLE orcid_records (
    id          {{.ID}},
    tenant_id   BIGINT NOT NULL,
    person_id   BIGINT NOT NULL,
    link_id     BIGINT REFERENCES orcid_links (id) ON DELETE SET NULL,
    orcid_uri   TEXT NOT NULL,
    record      TEXT NOT NULL, -- the record as ORCID's JSON
    fetched_at  {{.Time}} NOT NULL,
    CONSTRAINT orcid_records_person UNIQUE (tenant_id, person_id),
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE orcid_records;
