-- The initial schema, written once for both engines. The words in double
-- braces are the schema words of the dialect table in dialect.go; every
-- other line must mean the same on SQLite and PostgreSQL.
--
-- Sealed columns hold seal.Ring output ("v1:<key id>:..."), never plain
-- text; NULL means "none". JSON columns are TEXT checked by the store.

-- +goose Up
CREATE TABLE credentials (
    id             {{.ID}},
    name           TEXT NOT NULL,
    environment    TEXT NOT NULL CHECK (environment IN ('production', 'sandbox', 'custom')),
    site_url       TEXT NOT NULL,
    member_api_url TEXT NOT NULL,
    public_api_url TEXT NOT NULL,
    api_type       TEXT NOT NULL CHECK (api_type IN ('member', 'public')),
    client_id      TEXT NOT NULL,
    client_secret  {{.Bytes}}, -- sealed, AAD "credentials/<id>/client_secret"
    client_name    TEXT NOT NULL,
    created_at     {{.Time}} NOT NULL,
    updated_at     {{.Time}} NOT NULL,
    CONSTRAINT credentials_client UNIQUE (site_url, client_id)
);

CREATE TABLE tenants (
    id               {{.ID}},
    slug             TEXT NOT NULL CONSTRAINT tenants_slug UNIQUE,
    name             TEXT NOT NULL,
    support_email    TEXT NOT NULL,
    support_url      TEXT NOT NULL,
    languages        TEXT NOT NULL, -- "en,es,fr"
    default_language TEXT NOT NULL,
    branding         TEXT NOT NULL, -- JSON
    credential_id    BIGINT NOT NULL REFERENCES credentials (id),
    settings         TEXT NOT NULL, -- JSON
    created_at       {{.Time}} NOT NULL,
    updated_at       {{.Time}} NOT NULL
);
CREATE INDEX tenants_credential ON tenants (credential_id);

CREATE TABLE people (
    id           {{.ID}},
    tenant_id    BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    given_names  TEXT NOT NULL,
    family_names TEXT NOT NULL,
    email        TEXT NOT NULL,
    external_ref TEXT,
    language     TEXT NOT NULL,
    -- Both computed by the store with Go's Unicode case folding, so that
    -- search and order agree on both engines (SQLite's lower() is ASCII only).
    search_text  TEXT NOT NULL,
    sort_key     {{.ByteText}} NOT NULL,
    created_at   {{.Time}} NOT NULL,
    updated_at   {{.Time}} NOT NULL,
    -- The target of the (person_id, tenant_id) foreign keys below: a link or
    -- an invitation cannot name a person of another tenant.
    CONSTRAINT people_tenant UNIQUE (id, tenant_id)
);
CREATE UNIQUE INDEX people_email ON people (tenant_id, lower(email));
CREATE UNIQUE INDEX people_external_ref ON people (tenant_id, external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX people_order ON people (tenant_id, sort_key, id);

-- A person's link to ORCID, one per (credential, person): see design note 1
-- in doc/design.md.
CREATE TABLE orcid_links (
    id               {{.ID}},
    credential_id    BIGINT NOT NULL REFERENCES credentials (id),
    person_id        BIGINT NOT NULL,
    tenant_id        BIGINT NOT NULL,
    orcid            TEXT,  -- bare iD; NULL once removed
    orcid_uri        TEXT,  -- full URI on the issuing registry
    name             TEXT NOT NULL,
    access_token     {{.Bytes}}, -- sealed, AAD "orcid_links/<id>/<orcid>/access_token"
    refresh_token    {{.Bytes}}, -- sealed, likewise
    id_token         {{.Bytes}}, -- sealed, likewise
    scopes           TEXT NOT NULL, -- space separated
    expires_at       {{.Time}},
    authenticated_at {{.Time}},
    state            TEXT NOT NULL CHECK (state IN ('connected', 'revoked', 'removed')),
    state_reason     TEXT NOT NULL,
    created_at       {{.Time}} NOT NULL,
    updated_at       {{.Time}} NOT NULL,
    CONSTRAINT orcid_links_credential_person UNIQUE (credential_id, person_id),
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);
-- One connected person per iD in a tenant.
CREATE UNIQUE INDEX orcid_links_connected_id ON orcid_links (tenant_id, orcid_uri) WHERE state = 'connected';
CREATE INDEX orcid_links_person ON orcid_links (person_id);

CREATE TABLE invitations (
    id         {{.ID}},
    tenant_id  BIGINT NOT NULL,
    person_id  BIGINT NOT NULL,
    token_hash {{.Bytes}} NOT NULL CONSTRAINT invitations_token UNIQUE, -- SHA-256 of the link token
    scopes     TEXT NOT NULL,
    created_at {{.Time}} NOT NULL,
    expires_at {{.Time}} NOT NULL,
    sent_at    {{.Time}},
    opened_at  {{.Time}},
    state      TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'denied', 'expired', 'cancelled')),
    created_by TEXT NOT NULL,
    FOREIGN KEY (person_id, tenant_id) REFERENCES people (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX invitations_person ON invitations (person_id, id);

-- The one-time state of an OAuth round trip.
CREATE TABLE oauth_states (
    id              {{.ID}},
    state_hash      {{.Bytes}} NOT NULL CONSTRAINT oauth_states_state UNIQUE,
    invitation_id   BIGINT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    session_binding {{.Bytes}} NOT NULL, -- SHA-256 of a browser-session value
    nonce           TEXT NOT NULL,
    created_at      {{.Time}} NOT NULL,
    expires_at      {{.Time}} NOT NULL,
    used_at         {{.Time}}
);
CREATE INDEX oauth_states_expires ON oauth_states (expires_at);

CREATE TABLE audit_events (
    id         {{.ID}},
    tenant_id  BIGINT REFERENCES tenants (id) ON DELETE CASCADE, -- NULL: site-wide
    person_id  BIGINT REFERENCES people (id) ON DELETE SET NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL, -- JSON
    created_at {{.Time}} NOT NULL
);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, id);
CREATE INDEX audit_events_person ON audit_events (person_id, id);

-- The log of ORCID calls that ORCID asks members to keep. Bodies arrive
-- redacted; they are bytes because a broken peer may send anything.
CREATE TABLE orcid_calls (
    id               {{.ID}},
    tenant_id        BIGINT REFERENCES tenants (id) ON DELETE CASCADE, -- NULL: not for a tenant
    person_id        BIGINT REFERENCES people (id) ON DELETE SET NULL,
    credential_id    BIGINT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    method           TEXT NOT NULL,
    url              TEXT NOT NULL,
    status           INTEGER NOT NULL,
    duration_ms      BIGINT NOT NULL,
    request_headers  TEXT NOT NULL, -- JSON object of lists, as http.Header
    request_body     {{.Bytes}},
    response_headers TEXT NOT NULL,
    response_body    {{.Bytes}},
    error            TEXT NOT NULL,
    attempt          INTEGER NOT NULL,
    created_at       {{.Time}} NOT NULL
);
CREATE INDEX orcid_calls_person ON orcid_calls (person_id, id);
CREATE INDEX orcid_calls_tenant ON orcid_calls (tenant_id, id);
CREATE INDEX orcid_calls_created ON orcid_calls (created_at);

CREATE TABLE admin_users (
    id            {{.ID}},
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL, -- argon2id, encoded by the caller
    role          TEXT NOT NULL CHECK (role IN ('site_admin', 'tenant_manager')),
    failed_logins INTEGER NOT NULL,
    locked_until  {{.Time}},
    last_login_at {{.Time}},
    created_at    {{.Time}} NOT NULL
);
CREATE UNIQUE INDEX admin_users_email ON admin_users (lower(email));

CREATE TABLE admin_user_tenants (
    user_id   BIGINT NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, tenant_id)
);
CREATE INDEX admin_user_tenants_tenant ON admin_user_tenants (tenant_id);

-- The outbox.
CREATE TABLE emails (
    id         {{.ID}},
    tenant_id  BIGINT REFERENCES tenants (id) ON DELETE CASCADE, -- NULL: site-wide
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    text_body  TEXT NOT NULL,
    html_body  TEXT NOT NULL,
    created_at {{.Time}} NOT NULL,
    sent_at    {{.Time}},
    error      TEXT NOT NULL
);
CREATE INDEX emails_tenant ON emails (tenant_id, id);
CREATE INDEX emails_unsent ON emails (id) WHERE sent_at IS NULL;

-- Exactly the table github.com/alexedwards/scs expects (sqlite3store on
-- SQLite, postgresstore on PostgreSQL), so the web layer can use either.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   {{.Bytes}} NOT NULL,
    expiry {{.SessionExpiry}} NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
DROP TABLE emails;
DROP TABLE admin_user_tenants;
DROP TABLE admin_users;
DROP TABLE orcid_calls;
DROP TABLE audit_events;
DROP TABLE oauth_states;
DROP TABLE invitations;
DROP TABLE orcid_links;
DROP TABLE people;
DROP TABLE tenants;
DROP TABLE credentials;
