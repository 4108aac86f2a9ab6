-- Connecting from the host's own page (issue 17). A connect link is an
-- invitation made through the API that remembers where to send the
-- researcher back (return_url, on an origin the tenant allowed in its
-- settings): connect_links holds that beside the invitation, so the
-- invitation itself, its token, states and audit stay what they are.
-- connect_result_uses are the results (their jti) a host verified through
-- the API: each is accepted once, and a row goes once the result expired.
-- connect_signing_keys are the Ed25519 keys results are signed with,
-- sealed like every other secret; the newest that opens signs, all that
-- open are published. Written once for both engines.

-- +goose Up
CREATE TABLE connect_links (
    invitation_id BIGINT PRIMARY KEY REFERENCES invitations (id) ON DELETE CASCADE,
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    return_url    TEXT NOT NULL,
    created_at    {{.Time}} NOT NULL
);
CREATE INDEX connect_links_tenant ON connect_links (tenant_id);
CREATE TABLE connect_result_uses (
    jti        TEXT PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    used_at    {{.Time}} NOT NULL,
    expires_at {{.Time}} NOT NULL
);
CREATE INDEX connect_result_uses_expiry ON connect_result_uses (expires_at);
CREATE INDEX connect_result_uses_tenant ON connect_result_uses (tenant_id);
CREATE TABLE connect_signing_keys (
    id          {{.ID}},
    kid         TEXT NOT NULL UNIQUE,
    private_key {{.Bytes}} NOT NULL,
    created_at  {{.Time}} NOT NULL
);

-- +goose Down
DROP TABLE connect_signing_keys;
DROP TABLE connect_result_uses;
DROP TABLE connect_links;
