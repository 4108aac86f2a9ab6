-- Peer reviews ORCID accepts (issue 12): each article's review model, and
-- the peer-review groups orcidlink registered at ORCID for journals with no
-- ISSN. Written once for both engines, with the schema words of dialect.go.

-- +goose Up
-- '' takes the tenant's review model (TenantSettings.ReviewMode).
ALTER TABLE articles ADD COLUMN review_mode TEXT NOT NULL DEFAULT '';
-- What a work can say of an article besides its title (issue 12).
ALTER TABLE articles ADD COLUMN subtitle TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN translated_title TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN translated_title_language TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN abstract TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN other_issns TEXT NOT NULL DEFAULT ''; -- space-separated

-- A group-id-record registered with a credential: groups live in one ORCID
-- registry (sandbox or production), so a tenant moved to another
-- credential registers its journal's group again there.
CREATE TABLE review_groups (
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    credential_id BIGINT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    journal       TEXT NOT NULL,  -- the journal's title, as the articles name it
    group_id      TEXT NOT NULL,  -- e.g. orcid-generated:…
    put_code      BIGINT NOT NULL,
    created_at    {{.Time}} NOT NULL,
    PRIMARY KEY (tenant_id, credential_id, journal)
);

-- An article's contributors in order: people of the tenant, and co-authors
-- known by name alone (person_id NULL), each with optional CRediT roles.
CREATE TABLE article_contributors_v2 (
    article_id BIGINT NOT NULL,
    tenant_id  BIGINT NOT NULL,
    sequence   INTEGER NOT NULL,
    person_id  BIGINT,                   -- NULL: a contributor named only
    name       TEXT NOT NULL DEFAULT '', -- for a contributor named only
    roles      TEXT NOT NULL DEFAULT '', -- CRediT role URIs, space-separated
    PRIMARY KEY (article_id, sequence),
    FOREIGN KEY (article_id, tenant_id) REFERENCES articles (id, tenant_id) ON DELETE CASCADE,
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);
INSERT INTO article_contributors_v2 (article_id, tenant_id, sequence, person_id)
    SELECT article_id, tenant_id, sequence, person_id FROM article_contributors;
DROP TABLE article_contributors;
ALTER TABLE article_contributors_v2 RENAME TO article_contributors;
CREATE UNIQUE INDEX article_contributors_person_once ON article_contributors (article_id, person_id) WHERE person_id IS NOT NULL;
CREATE INDEX article_contributors_person ON article_contributors (person_id);

-- The editorial board: each member holds a service affiliation on their
-- ORCID record (orcid_items key editor:<id>), ended when they leave.
CREATE TABLE editors (
    id         {{.ID}},
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    person_id  BIGINT NOT NULL,
    role       TEXT NOT NULL,            -- e.g. Associate Editor
    journal    TEXT NOT NULL,            -- the journal's title
    start_on   TEXT NOT NULL,            -- YYYY-MM-DD
    end_on     TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD; '' while on the board
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL,
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX editors_tenant ON editors (tenant_id, id);

-- A reviewer's answer to "may your reviews be added to your ORCID
-- record?", asked when they connect; no row means they were not asked,
-- which counts as yes.
CREATE TABLE review_consents (
    tenant_id  BIGINT NOT NULL,
    person_id  BIGINT NOT NULL,
    consent    INTEGER NOT NULL, -- 1 yes, 0 no
    updated_at {{.Time}} NOT NULL,
    PRIMARY KEY (tenant_id, person_id),
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE review_consents;
DROP TABLE editors;
ALTER TABLE articles DROP COLUMN other_issns;
ALTER TABLE articles DROP COLUMN language;
ALTER TABLE articles DROP COLUMN abstract;
ALTER TABLE articles DROP COLUMN translated_title_language;
ALTER TABLE articles DROP COLUMN translated_title;
ALTER TABLE articles DROP COLUMN subtitle;
DELETE FROM article_contributors WHERE person_id IS NULL;
ALTER TABLE article_contributors DROP COLUMN roles;
ALTER TABLE article_contributors DROP COLUMN name;
DROP TABLE review_groups;
ALTER TABLE articles DROP COLUMN review_mode;
