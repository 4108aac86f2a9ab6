-- The journal workflow (issue 6): a tenant's articles, their authors and
-- their reviews. Written once for both engines, with the schema words of
-- dialect.go.

-- +goose Up
-- One row per article of a tenant, named by the tenant's own key.
CREATE TABLE articles (
    id            {{.ID}},
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    article_key   TEXT NOT NULL,  -- the tenant's own name for the article
    title         TEXT NOT NULL,
    journal_title TEXT NOT NULL,
    issn          TEXT NOT NULL,  -- the journal's ISSN; '' for none
    work_type     TEXT NOT NULL,  -- ORCID work type
    doi           TEXT NOT NULL,
    url           TEXT NOT NULL,
    pub_year      INTEGER NOT NULL, -- 0 for none
    pub_month     INTEGER NOT NULL, -- 0 for none
    pub_day       INTEGER NOT NULL, -- 0 for none
    state         TEXT NOT NULL CHECK (state IN ('draft', 'published', 'unpublished')),
    created_at    {{.Time}} NOT NULL,
    updated_at    {{.Time}} NOT NULL,
    CONSTRAINT articles_key UNIQUE (tenant_id, article_key),
    CONSTRAINT articles_tenant UNIQUE (id, tenant_id)
);

-- The authors of an article, in order. A person of another tenant cannot
-- be one: the foreign keys carry the tenant.
CREATE TABLE article_contributors (
    article_id BIGINT NOT NULL,
    tenant_id  BIGINT NOT NULL,
    person_id  BIGINT NOT NULL,
    sequence   INTEGER NOT NULL,
    PRIMARY KEY (article_id, person_id),
    FOREIGN KEY (article_id, tenant_id) REFERENCES articles (id, tenant_id) ON DELETE CASCADE,
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX article_contributors_person ON article_contributors (person_id);

-- Completed reviews of an article, one per reviewer.
CREATE TABLE article_reviews (
    id           {{.ID}},
    article_id   BIGINT NOT NULL,
    tenant_id    BIGINT NOT NULL,
    person_id    BIGINT NOT NULL, -- the reviewer
    review_key   TEXT NOT NULL,   -- the tenant's own name for the review
    completed_on TEXT NOT NULL,   -- YYYY-MM-DD
    created_at   {{.Time}} NOT NULL,
    updated_at   {{.Time}} NOT NULL,
    CONSTRAINT article_reviews_reviewer UNIQUE (article_id, person_id),
    FOREIGN KEY (article_id, tenant_id) REFERENCES articles (id, tenant_id) ON DELETE CASCADE,
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX article_reviews_person ON article_reviews (person_id);

-- +goose Down
DROP TABLE article_reviews;
DROP TABLE article_contributors;
DROP TABLE articles;
