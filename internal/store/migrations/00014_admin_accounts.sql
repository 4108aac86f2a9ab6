-- Administrators' accounts (issue 14). must_change_password marks a
-- password someone else saw (printed by `orcidlink admin reset-password` or
-- at first start): the next sign-in leads to the account page until the
-- administrator chooses their own. session_generation moves on at every
-- password change; a session remembers the generation it signed in under,
-- so a change ends every other session of the account, in every process.
-- admin_invitations are the links that let a new administrator choose
-- their own password: only the SHA-256 of the link's token is kept, as for
-- researchers' invitations. Deleting the inviter cancels their pending
-- invitations (the authority was theirs). Written once for both engines.

-- +goose Up
ALTER TABLE admin_users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE admin_users ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0;
CREATE TABLE admin_invitations (
    id          {{.ID}},
    email       TEXT NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('site_admin', 'tenant_manager')),
    token_hash  {{.Bytes}} NOT NULL,
    invited_by  BIGINT NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    created_at  {{.Time}} NOT NULL,
    expires_at  {{.Time}} NOT NULL,
    accepted_at {{.Time}}
);
CREATE UNIQUE INDEX admin_invitations_token ON admin_invitations (token_hash);
CREATE INDEX admin_invitations_email ON admin_invitations (lower(email));
CREATE INDEX admin_invitations_invited_by ON admin_invitations (invited_by);
CREATE TABLE admin_invitation_tenants (
    invitation_id BIGINT NOT NULL REFERENCES admin_invitations (id) ON DELETE CASCADE,
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    PRIMARY KEY (invitation_id, tenant_id)
);
CREATE INDEX admin_invitation_tenants_tenant ON admin_invitation_tenants (tenant_id);

-- +goose Down
DROP TABLE admin_invitation_tenants;
DROP TABLE admin_invitations;
ALTER TABLE admin_users DROP COLUMN session_generation;
ALTER TABLE admin_users DROP COLUMN must_change_password;
