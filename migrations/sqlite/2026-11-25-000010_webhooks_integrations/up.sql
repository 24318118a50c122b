-- Outbound webhooks: endpoints, one delivery per event and endpoint, every attempt.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    url TEXT NOT NULL,
    description TEXT,
    -- JSON array of event types; empty means every event.
    event_types TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    disabled_reason TEXT,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at TEXT,
    -- Set at the first failure of a run of failures, cleared by a success.
    failing_since TEXT,
    -- The dispatcher holding the endpoint's queue, and until when.
    lease_owner TEXT,
    lease_until TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, id);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES outbox_events (id),
    event_type TEXT NOT NULL,
    -- pending, in_flight, succeeded, failed
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    last_status_code INTEGER,
    replay_of TEXT,
    created_at TEXT NOT NULL,
    completed_at TEXT
);
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (endpoint_id, status, id);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    attempted_at TEXT NOT NULL,
    status_code INTEGER,
    latency_ms INTEGER NOT NULL,
    response_snippet TEXT,
    error TEXT,
    succeeded BOOLEAN NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);

-- Inbound: procurement systems announcing supplier requests.
CREATE TABLE procurement_integrations (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    name TEXT NOT NULL,
    system TEXT NOT NULL,
    secret TEXT NOT NULL,
    template_id TEXT REFERENCES questionnaire_templates (id),
    send_assessment BOOLEAN NOT NULL,
    assessment_due_days INTEGER NOT NULL,
    enabled BOOLEAN NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX procurement_integrations_org ON procurement_integrations (org_id, id);

CREATE TABLE procurement_requests (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    integration_id TEXT NOT NULL REFERENCES procurement_integrations (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    assessment_id TEXT,
    request TEXT NOT NULL,
    received_count INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (integration_id, external_id)
);
CREATE INDEX procurement_requests_vendor ON procurement_requests (org_id, vendor_id);

-- Signed inbound messages already handled, by webhook-id: a redelivery gets the first answer.
CREATE TABLE inbound_messages (
    integration_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (integration_id, message_id)
);

-- Ticketing: Jira Cloud and ServiceNow connections, and the ticket each finding was pushed to.
CREATE TABLE ticketing_integrations (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    base_url TEXT NOT NULL,
    username TEXT NOT NULL,
    credential TEXT NOT NULL,
    project_key TEXT,
    issue_type TEXT,
    table_name TEXT,
    field_mapping TEXT NOT NULL,
    auto_push_severity TEXT,
    inbound_secret TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ticketing_integrations_org ON ticketing_integrations (org_id, id);

CREATE TABLE finding_tickets (
    finding_id TEXT PRIMARY KEY NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL,
    integration_id TEXT NOT NULL REFERENCES ticketing_integrations (id) ON DELETE CASCADE,
    -- pending, created, failed
    status TEXT NOT NULL,
    ticket_key TEXT,
    ticket_url TEXT,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX finding_tickets_key ON finding_tickets (integration_id, ticket_key);
CREATE INDEX finding_tickets_queue ON finding_tickets (status, next_attempt_at);
