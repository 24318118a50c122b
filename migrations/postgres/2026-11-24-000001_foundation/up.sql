-- Times are RFC 3339 UTC text with microseconds (sortable as text); ids are UUIDv7 text.
CREATE TABLE vendors (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    legal_name TEXT NOT NULL,
    display_name TEXT,
    domains TEXT NOT NULL DEFAULT '[]',
    country TEXT,
    owner TEXT,
    status TEXT NOT NULL,
    tier TEXT,
    notes TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX vendors_org_id ON vendors (org_id, id);
CREATE INDEX vendors_org_status ON vendors (org_id, status, id);
CREATE INDEX vendors_org_tier ON vendors (org_id, tier, id);
CREATE INDEX vendors_org_owner ON vendors (org_id, owner, id);

CREATE TABLE vendor_tags (
    vendor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (vendor_id, tag)
);
CREATE INDEX vendor_tags_org_tag ON vendor_tags (org_id, tag, vendor_id);

CREATE TABLE vendor_external_ids (
    vendor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    PRIMARY KEY (vendor_id, source),
    UNIQUE (org_id, source, external_id)
);

CREATE TABLE vendor_contacts (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT,
    role TEXT,
    phone TEXT,
    is_primary BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX vendor_contacts_vendor ON vendor_contacts (vendor_id, id);

CREATE TABLE vendor_subprocessors (
    vendor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    subprocessor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL,
    service_description TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (vendor_id, subprocessor_id)
);
CREATE INDEX vendor_subprocessors_sub ON vendor_subprocessors (subprocessor_id);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    occurred_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_state TEXT,
    after_state TEXT,
    reason TEXT,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (org_id, seq)
);
CREATE INDEX audit_events_entity ON audit_events (org_id, entity_type, entity_id, seq);

-- The audit log is append-only: the database itself refuses edits and deletions.
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE outbox_events (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX outbox_events_org ON outbox_events (org_id, id);

CREATE TABLE idempotency_keys (
    org_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, scope, idempotency_key)
);
