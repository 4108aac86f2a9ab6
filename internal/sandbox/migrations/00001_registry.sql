-- +goose Up
CREATE TABLE clients (
    client_id     TEXT PRIMARY KEY,
    client_secret TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    website       TEXT NOT NULL DEFAULT '',
    redirect_uris TEXT NOT NULL DEFAULT '[]', -- JSON array
    type          TEXT NOT NULL CHECK (type IN ('member', 'public')),
    premium       INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE researchers (
    orcid          TEXT PRIMARY KEY,
    given_names    TEXT NOT NULL,
    family_names   TEXT NOT NULL DEFAULT '',
    credit_name    TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash  TEXT NOT NULL,
    biography      TEXT NOT NULL DEFAULT '',
    -- visibility ORCID gives to items a member posts (the user's default)
    default_visibility TEXT NOT NULL DEFAULT 'public',
    names_visibility   TEXT NOT NULL DEFAULT 'public',
    created_at     INTEGER NOT NULL,
    modified_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    orcid      TEXT NOT NULL REFERENCES researchers(orcid) ON DELETE CASCADE,
    auth_time  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE codes (
    code         TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
    orcid        TEXT NOT NULL REFERENCES researchers(orcid) ON DELETE CASCADE,
    scopes       TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    nonce        TEXT NOT NULL DEFAULT '',
    auth_time    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER -- set on exchange; a second exchange disables the tokens minted from it
);

CREATE TABLE tokens (
    access_token  TEXT PRIMARY KEY,
    refresh_token TEXT NOT NULL UNIQUE,
    client_id     TEXT NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
    orcid         TEXT REFERENCES researchers(orcid) ON DELETE CASCADE, -- NULL for client_credentials
    scopes        TEXT NOT NULL,
    code          TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    revoke_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tokens_client_orcid ON tokens (client_id, orcid);
CREATE INDEX tokens_code ON tokens (code) WHERE code <> '';

CREATE TABLE items (
    put_code     INTEGER PRIMARY KEY AUTOINCREMENT,
    orcid        TEXT NOT NULL REFERENCES researchers(orcid) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    source_client_id TEXT NOT NULL DEFAULT '', -- '' when the researcher is the source
    visibility   TEXT NOT NULL,
    body         TEXT NOT NULL, -- the item as ORCID JSON, source and dates included
    created_at   INTEGER NOT NULL,
    modified_at  INTEGER NOT NULL
);
CREATE INDEX items_orcid_kind ON items (orcid, kind);

CREATE TABLE emails (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- +goose Down
DROP TABLE signing_keys;
DROP TABLE emails;
DROP TABLE items;
DROP TABLE tokens;
DROP TABLE codes;
DROP TABLE sessions;
DROP TABLE researchers;
DROP TABLE clients;
