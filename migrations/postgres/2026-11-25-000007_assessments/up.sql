-- Assessments: a published template version sent to a vendor, the vendor's answers, and the
-- links that let the vendor answer without an account (revocable: a link is live only while
-- its row says so).
CREATE TABLE assessments (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL REFERENCES vendors (id),
    ai_service_id TEXT REFERENCES ai_services (id),
    template_version_id TEXT NOT NULL REFERENCES questionnaire_versions (id),
    contact_id TEXT REFERENCES vendor_contacts (id),
    status TEXT NOT NULL,
    due_date TEXT,
    score DOUBLE PRECISION,
    scorecard TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    submitted_at TEXT,
    completed_at TEXT
);
CREATE INDEX assessments_org ON assessments (org_id, id);
CREATE INDEX assessments_vendor ON assessments (org_id, vendor_id, id);
CREATE INDEX assessments_due ON assessments (org_id, status, due_date);

CREATE TABLE assessment_answers (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    question_key TEXT NOT NULL,
    value TEXT NOT NULL,
    not_applicable BOOLEAN NOT NULL,
    comment TEXT,
    verdict TEXT,
    review_comment TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (assessment_id, question_key)
);

CREATE TABLE vendor_links (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX vendor_links_assessment ON vendor_links (assessment_id);
