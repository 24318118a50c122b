-- Contracts with a vendor; status `expired` is set by the scheduled check once the end date
-- passes on a contract that does not renew itself.
CREATE TABLE contracts (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL REFERENCES vendors (id),
    title TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    status TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    end_date TEXT,
    auto_renewal BOOLEAN NOT NULL,
    renewal_term_months INTEGER,
    notice_period_days INTEGER,
    -- end_date less notice_period_days, kept so that date windows are plain comparisons.
    notice_date TEXT,
    governing_law TEXT,
    notes TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contracts_vendor ON contracts (org_id, vendor_id, id);
CREATE INDEX contracts_end ON contracts (org_id, status, end_date);
CREATE INDEX contracts_notice ON contracts (org_id, status, notice_date);

-- Signed copies and annexes; the bytes live in the evidence directory under the row's id.
CREATE TABLE contract_documents (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX contract_documents_contract ON contract_documents (contract_id, id);

CREATE TABLE contract_clauses (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    reference TEXT NOT NULL,
    summary TEXT NOT NULL,
    category TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contract_clauses_contract ON contract_clauses (contract_id, id);

CREATE TABLE clause_mappings (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    clause_id TEXT NOT NULL REFERENCES contract_clauses (id),
    control_id TEXT NOT NULL REFERENCES controls (id),
    coverage TEXT NOT NULL,
    verification TEXT NOT NULL,
    verified_by TEXT,
    verified_at TEXT,
    note TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (clause_id, control_id)
);
CREATE INDEX clause_mappings_control ON clause_mappings (org_id, control_id);

-- A.10.2: who is responsible for a control in this supplier relationship.
CREATE TABLE control_responsibilities (
    vendor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    control_id TEXT NOT NULL REFERENCES controls (id),
    org_id TEXT NOT NULL,
    party TEXT NOT NULL,
    note TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (vendor_id, control_id)
);

-- One row per contract.expiring event raised, so that each threshold is raised once per date.
CREATE TABLE contract_notices (
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    milestone TEXT NOT NULL,
    milestone_date TEXT NOT NULL,
    threshold_days INTEGER NOT NULL,
    raised_at TEXT NOT NULL,
    PRIMARY KEY (contract_id, milestone, milestone_date, threshold_days)
);

-- Each organisation's risk model versions; the highest version is in force.
CREATE TABLE risk_models (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    config TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, version)
);

-- Every distinct risk computation, with the explanation as it was.
CREATE TABLE risk_scores (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    model_version INTEGER NOT NULL,
    inherent DOUBLE PRECISION NOT NULL,
    residual DOUBLE PRECISION NOT NULL,
    tier TEXT NOT NULL,
    explanation TEXT NOT NULL,
    cause TEXT NOT NULL,
    computed_at TEXT NOT NULL
);
CREATE INDEX risk_scores_vendor ON risk_scores (vendor_id, id);

-- The score in force per vendor, for lists and the portfolio.
CREATE TABLE vendor_risk (
    vendor_id TEXT PRIMARY KEY NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL,
    score_id TEXT NOT NULL,
    inherent DOUBLE PRECISION NOT NULL,
    residual DOUBLE PRECISION NOT NULL,
    tier TEXT NOT NULL,
    model_version INTEGER NOT NULL,
    computed_at TEXT NOT NULL
);
CREATE INDEX vendor_risk_residual ON vendor_risk (org_id, residual);

CREATE TABLE findings (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL REFERENCES vendors (id),
    control_id TEXT REFERENCES controls (id),
    source TEXT NOT NULL,
    -- `coverage:<vendor>:<control>` for findings raised from coverage gaps: one per pair.
    auto_key TEXT UNIQUE,
    title TEXT NOT NULL,
    description TEXT,
    severity TEXT NOT NULL,
    owner TEXT,
    due_date TEXT,
    status TEXT NOT NULL,
    status_reason TEXT,
    risk_accepted_until TEXT,
    risk_accepted_by TEXT,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX findings_org ON findings (org_id, id);
CREATE INDEX findings_vendor ON findings (org_id, vendor_id, status);

CREATE TABLE finding_comments (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    finding_id TEXT NOT NULL REFERENCES findings (id),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX finding_comments_finding ON finding_comments (finding_id, id);

-- Set while the vendor's only contracts have expired.
ALTER TABLE vendors ADD COLUMN contract_expired BOOLEAN NOT NULL DEFAULT FALSE;
