ALTER TABLE assessments DROP COLUMN overdue_notified_at;
DROP TABLE assessment_reminders;
DROP TABLE evidence_files;
