DROP TABLE customer_questions;
DROP TABLE customer_questionnaires;
DROP TABLE answer_entry_versions;
DROP TABLE answer_entries;
