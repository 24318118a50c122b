DROP TABLE use_cases;
DROP TABLE ai_service_changes;
DROP TABLE ai_services;
ALTER TABLE vendors DROP COLUMN reassessment_reason;
ALTER TABLE vendors DROP COLUMN reassessment_due;
