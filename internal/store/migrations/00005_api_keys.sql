-- The REST API (issue 7): per-tenant API keys and the stored answers of
-- POST requests sent with an Idempotency-Key. Written once for both
-- engines, with the schema words of dialect.go.

-- +goose Up
-- A tenant's API keys. The key is "olk_<prefix>_<secret>": the prefix is
-- random, unique and shown in lists; only the SHA-256 of the secret (32
-- random bytes) is kept, so the key is shown once, when it is created.
CREATE TABLE api_keys (
    id           {{.ID}},
    tenant_id    BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL CONSTRAINT api_keys_prefix UNIQUE,
    secret_hash  {{.Bytes}} NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   {{.Time}} NOT NULL,
    last_used_at {{.Time}},
    revoked_at   {{.Time}}
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);

-- The first answer to a POST per (API key, Idempotency-Key): a replay with
-- the same body gets it back, and creates nothing. status is 0 while the
-- first request is still running.
CREATE TABLE api_idempotency (
    api_key_id      BIGINT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    request_hash    {{.Bytes}} NOT NULL, -- SHA-256 of method, path and body
    status          INTEGER NOT NULL,
    content_type    TEXT NOT NULL,
    location        TEXT NOT NULL,
    body            {{.Bytes}},
    created_at      {{.Time}} NOT NULL,
    PRIMARY KEY (api_key_id, idempotency_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);

-- +goose Down
DROP TABLE api_idempotency;
DROP TABLE api_keys;
