-- A circuit per webhook endpoint (issue 13): an endpoint that keeps timing
-- out is parked for a while, so that its deliveries stop holding the
-- workers every tenant shares. timeouts counts the attempts in a row that
-- got no answer in time; parked_until is set when the circuit opens and
-- stays set (half-open: one attempt at a time) until an attempt is answered.
-- Written once for both engines.

-- +goose Up
ALTER TABLE webhook_endpoints ADD COLUMN timeouts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN parked_until {{.Time}};
-- In-flight deliveries of an endpoint, counted at every claim.
CREATE INDEX webhook_deliveries_in_flight ON webhook_deliveries (endpoint_id, state, lease_until);

-- +goose Down
DROP INDEX webhook_deliveries_in_flight;
ALTER TABLE webhook_endpoints DROP COLUMN parked_until;
ALTER TABLE webhook_endpoints DROP COLUMN timeouts;
