-- Signed webhooks: the endpoints a tenant's systems listen on, the events
-- orcidlink reports, and one delivery per (event, endpoint) as the durable
-- queue of what is still to be sent. Written once for both engines, with the
-- schema words of dialect.go.

-- +goose Up
CREATE TABLE webhook_endpoints (
    id          {{.ID}},
    tenant_id   BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url         TEXT NOT NULL,
    description TEXT NOT NULL,
    event_types TEXT NOT NULL, -- "person.connected,item.synced"
    secret      {{.Bytes}},    -- sealed; NULL only inside the transaction that creates the row
    active      INTEGER NOT NULL,
    created_at  {{.Time}} NOT NULL,
    updated_at  {{.Time}} NOT NULL,
    CONSTRAINT webhook_endpoints_tenant UNIQUE (id, tenant_id)
);
CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (tenant_id, id);

-- What happened, with a snapshot of whom it concerned: the body sent is
-- built from this row, so a redelivery sends the same facts.
CREATE TABLE webhook_events (
    id                  {{.ID}},
    uid                 TEXT NOT NULL UNIQUE, -- "evt_...", the envelope's id
    tenant_id           BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    tenant_slug         TEXT NOT NULL,
    person_id           BIGINT,               -- no foreign key: the event outlives the person
    person_email        TEXT NOT NULL,
    person_external_ref TEXT NOT NULL,
    type                TEXT NOT NULL,
    data                TEXT NOT NULL,        -- the envelope's data object, JSON
    created_at          {{.Time}} NOT NULL
);
CREATE INDEX webhook_events_by_tenant ON webhook_events (tenant_id, id);

CREATE TABLE webhook_deliveries (
    id              {{.ID}},
    tenant_id       BIGINT NOT NULL,
    endpoint_id     BIGINT NOT NULL,
    event_id        BIGINT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    -- The ordering lane is (endpoint_id, person_id); 0 for an event about
    -- no one.
    person_id       BIGINT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL,
    next_attempt_at {{.Time}} NOT NULL,
    -- Set while a process is sending it; a lease that ran out belongs to a
    -- process that died.
    lease_until     {{.Time}},
    last_attempt_at {{.Time}},
    last_status     INTEGER NOT NULL,     -- HTTP status; 0 for none
    last_response   TEXT NOT NULL,        -- the start of the response body
    last_error      TEXT NOT NULL,
    delivered_at    {{.Time}},
    created_at      {{.Time}} NOT NULL,
    FOREIGN KEY (endpoint_id, tenant_id) REFERENCES webhook_endpoints (id, tenant_id) ON DELETE CASCADE
);
-- The head of each lane, and what is due.
CREATE INDEX webhook_deliveries_lane ON webhook_deliveries (endpoint_id, person_id, state, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_endpoints;
