ALTER TABLE vendors ADD COLUMN reassessment_due BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE vendors ADD COLUMN reassessment_reason TEXT;

-- Lists (endpoints, regions, data categories, documentation links) are JSON text.
CREATE TABLE ai_services (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    model_name TEXT,
    model_version TEXT,
    endpoints TEXT NOT NULL DEFAULT '[]',
    hosting_regions TEXT NOT NULL DEFAULT '[]',
    data_categories TEXT NOT NULL DEFAULT '[]',
    retention_days INTEGER,
    trains_on_customer_data TEXT NOT NULL,
    subprocessors_see_data BOOLEAN,
    eu_ai_act_role TEXT,
    eu_ai_act_risk_class TEXT,
    human_oversight TEXT,
    documentation TEXT NOT NULL DEFAULT '[]',
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ai_services_org ON ai_services (org_id, id);
CREATE INDEX ai_services_vendor ON ai_services (vendor_id, id);

CREATE TABLE ai_service_changes (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    ai_service_id TEXT NOT NULL REFERENCES ai_services (id) ON DELETE CASCADE,
    changed_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX ai_service_changes_service ON ai_service_changes (ai_service_id, id);

CREATE TABLE use_cases (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    ai_service_id TEXT NOT NULL REFERENCES ai_services (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    business_owner TEXT,
    affected_people TEXT NOT NULL DEFAULT '[]',
    decision_impact TEXT NOT NULL,
    autonomy TEXT NOT NULL,
    human_oversight TEXT,
    monthly_volume BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX use_cases_service ON use_cases (ai_service_id, id);
