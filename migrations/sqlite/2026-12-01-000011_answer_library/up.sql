-- The answer library: approved answers to customers' AI-governance questions, with the
-- history of every change, and the customer questionnaires answered from it.
CREATE TABLE answer_entries (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    question TEXT NOT NULL,
    -- JSON arrays: other wordings of the question, tags, control ids, evidence links.
    alternatives TEXT NOT NULL,
    answer_short TEXT NOT NULL,
    answer_long TEXT,
    owner TEXT,
    tags TEXT NOT NULL,
    control_ids TEXT NOT NULL,
    evidence TEXT NOT NULL,
    -- draft, approved, retired
    status TEXT NOT NULL,
    review_by TEXT,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX answer_entries_org ON answer_entries (org_id, id);
-- The search index is rebuilt when an organisation's (count, latest change) moves.
CREATE INDEX answer_entries_org_updated ON answer_entries (org_id, updated_at);

-- Each version an entry had before it changed.
CREATE TABLE answer_entry_versions (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    entry_id TEXT NOT NULL REFERENCES answer_entries (id),
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    replaced_by TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    UNIQUE (entry_id, version)
);

CREATE TABLE customer_questionnaires (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    customer TEXT NOT NULL,
    title TEXT NOT NULL,
    -- json, csv or xlsx: what it came as, and so what it is exported as by default.
    source_format TEXT NOT NULL,
    -- JSON: the file's header row and the columns the questions, sections, ids and answers are in.
    layout TEXT NOT NULL,
    -- imported, in_progress, in_review, approved, exported
    status TEXT NOT NULL,
    owner TEXT,
    due_date TEXT,
    question_count INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX customer_questionnaires_org ON customer_questionnaires (org_id, id);

CREATE TABLE customer_questions (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    questionnaire_id TEXT NOT NULL REFERENCES customer_questionnaires (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    row_number INTEGER,
    section TEXT,
    reference TEXT,
    text TEXT NOT NULL,
    -- JSON: the row's cells as imported, written back on export.
    cells TEXT NOT NULL,
    -- JSON: ranked suggestions from the library.
    suggestions TEXT NOT NULL,
    needs_human BOOLEAN NOT NULL,
    answer TEXT,
    -- library, edited or written
    answer_source TEXT,
    entry_id TEXT,
    answered_by TEXT,
    answered_at TEXT
);
CREATE INDEX customer_questions_questionnaire ON customer_questions (questionnaire_id, position);
