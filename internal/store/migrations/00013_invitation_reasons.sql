-- Invitations that get answered (issue 14): an invitation says why it is
-- sent (reason, with its detail: an article's title, the permissions a
-- scope upgrade adds), and is followed by reminders on the tenant's
-- schedule. reminders counts those sent; reminded_at is the last one.
-- reminder_token holds the link's token sealed, for the reminders only:
-- the store otherwise keeps just its hash, and a reminder must carry the
-- same link as the first email (a new one would kill the old). It is
-- dropped as soon as no reminder can follow (answered, cancelled, expired,
-- schedule done). Written once for both engines.

-- +goose Up
ALTER TABLE invitations ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE invitations ADD COLUMN reason_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE invitations ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invitations ADD COLUMN reminded_at {{.Time}};
ALTER TABLE invitations ADD COLUMN reminder_token {{.Bytes}};
-- The reminder job reads only invitations that still hold a token.
CREATE INDEX invitations_reminder ON invitations (state, expires_at) WHERE reminder_token IS NOT NULL;

-- +goose Down
DROP INDEX invitations_reminder;
ALTER TABLE invitations DROP COLUMN reminder_token;
ALTER TABLE invitations DROP COLUMN reminded_at;
ALTER TABLE invitations DROP COLUMN reminders;
ALTER TABLE invitations DROP COLUMN reason_detail;
ALTER TABLE invitations DROP COLUMN reason;
