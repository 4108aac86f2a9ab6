-- A page of their own (issue 17): what a researcher lets a tenant add to
-- their ORCID record. researcher_choices holds, per person of a tenant and
-- per item kind, "ask" (each new item waits for their approval) or "never"
-- (nothing of that kind goes); no row means "auto". A choice is made per
-- group of kinds (works, affiliations, ...) and written for each kind of
-- the group, so that the one statement that holds items back
-- (store.holdByChoice) joins on the item's own kind.
-- researcher_item_decisions remembers what the researcher said about one
-- item: "approved" lets it (and its later edits) go under "ask",
-- "refused" keeps it off the record whatever the choice.
-- researcher_sign_ins are the one-time links that open the page, emailed
-- on request: only the token's SHA-256 is kept, as for invitations.
-- Written once for both engines.

-- +goose Up
CREATE TABLE researcher_choices (
    tenant_id  BIGINT NOT NULL,
    person_id  BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    choice     TEXT NOT NULL CHECK (choice IN ('ask', 'never')),
    updated_at {{.Time}} NOT NULL,
    PRIMARY KEY (tenant_id, person_id, kind),
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);
CREATE TABLE researcher_item_decisions (
    item_id    BIGINT PRIMARY KEY REFERENCES orcid_items (id) ON DELETE CASCADE,
    decision   TEXT NOT NULL CHECK (decision IN ('approved', 'refused')),
    decided_at {{.Time}} NOT NULL
);
CREATE TABLE researcher_sign_ins (
    token_hash {{.Bytes}} PRIMARY KEY,
    tenant_id  BIGINT NOT NULL,
    person_id  BIGINT NOT NULL,
    created_at {{.Time}} NOT NULL,
    expires_at {{.Time}} NOT NULL,
    used_at    {{.Time}},
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX researcher_sign_ins_person ON researcher_sign_ins (tenant_id, person_id, created_at);

-- +goose Down
DROP TABLE researcher_sign_ins;
DROP TABLE researcher_item_decisions;
DROP TABLE researcher_choices;
