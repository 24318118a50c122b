-- Evidence files the vendor (or staff) attach to an assessment: the bytes live in the evidence
-- directory under the row's id; the row records what they are and their SHA-256.
CREATE TABLE evidence_files (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX evidence_files_assessment ON evidence_files (assessment_id, id);

-- Reminders sent to the vendor about an assessment, as recorded by staff.
CREATE TABLE assessment_reminders (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    channel TEXT NOT NULL,
    note TEXT,
    sent_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX assessment_reminders_assessment ON assessment_reminders (assessment_id, sent_at);

-- Set when the assessment.overdue event is raised, so that it is raised once.
ALTER TABLE assessments ADD COLUMN overdue_notified_at TEXT;
