-- +goose Up
-- Put-codes numbered per kind, as ORCID numbers them: every item table of
-- ORCID's database draws its ids from its own sequence (@SequenceGenerator
-- on the entities of ORCID-Source orcid-persistence/.../jpa/entities/:
-- WorkBaseEntity work_seq, ProfileFundingEntity profile_funding_seq,
-- OrgAffiliationRelationEntity org_affiliation_relation_seq (all seven
-- affiliation kinds share it), PeerReviewEntity peer_review_seq,
-- ResearchResourceEntity research_resource_seq, OtherNameEntity
-- other_name_seq, ProfileKeywordEntity keyword_seq, ResearcherUrlEntity
-- researcher_url_seq, AddressEntity address_seq, ExternalIdentifierEntity
-- external_identifier_id_seq). So a work and a funding may both have
-- put-code 5, and a put-code only means something together with its kind.
CREATE TABLE putcode_sequences (
    name TEXT PRIMARY KEY, -- ORCID's sequence name
    last INTEGER NOT NULL  -- the last put-code handed out
);

-- The old AUTOINCREMENT key stays as an internal row id (insertion order);
-- the put-code becomes a column keyed by (seq, put_code). Renaming and
-- adding columns instead of rebuilding the table keeps whatever columns
-- other migrations give items.
ALTER TABLE items RENAME COLUMN put_code TO id;
ALTER TABLE items ADD COLUMN seq TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN put_code INTEGER NOT NULL DEFAULT 0;
-- ORCID's display-index: 1 for items written through the API, 0 for those
-- the researcher entered (DisplayIndexCalculatorHelper.setDisplayIndex).
ALTER TABLE items ADD COLUMN display_index INTEGER NOT NULL DEFAULT 1;

-- Existing items keep their put-codes (they were unique across kinds, so
-- they stay unique within each sequence) and each sequence resumes after
-- the highest one it holds.
UPDATE items SET put_code = id,
    display_index = CASE WHEN source_client_id = '' THEN 0 ELSE 1 END,
    seq = CASE kind
        WHEN 'work' THEN 'work_seq'
        WHEN 'funding' THEN 'profile_funding_seq'
        WHEN 'distinction' THEN 'org_affiliation_relation_seq'
        WHEN 'education' THEN 'org_affiliation_relation_seq'
        WHEN 'employment' THEN 'org_affiliation_relation_seq'
        WHEN 'invited-position' THEN 'org_affiliation_relation_seq'
        WHEN 'membership' THEN 'org_affiliation_relation_seq'
        WHEN 'qualification' THEN 'org_affiliation_relation_seq'
        WHEN 'service' THEN 'org_affiliation_relation_seq'
        WHEN 'peer-review' THEN 'peer_review_seq'
        WHEN 'research-resource' THEN 'research_resource_seq'
        WHEN 'other-name' THEN 'other_name_seq'
        WHEN 'keyword' THEN 'keyword_seq'
        WHEN 'researcher-url' THEN 'researcher_url_seq'
        WHEN 'address' THEN 'address_seq'
        WHEN 'external-identifier' THEN 'external_identifier_id_seq'
        ELSE kind || '_seq' END;
INSERT INTO putcode_sequences (name, last) SELECT seq, MAX(put_code) FROM items GROUP BY seq;
CREATE UNIQUE INDEX items_seq_put_code ON items (seq, put_code);

-- +goose Down
DROP INDEX items_seq_put_code;
ALTER TABLE items DROP COLUMN display_index;
ALTER TABLE items DROP COLUMN put_code;
ALTER TABLE items DROP COLUMN seq;
ALTER TABLE items RENAME COLUMN id TO put_code;
DROP TABLE putcode_sequences;
