ALTER TABLE vendors DROP COLUMN external_ids;
ALTER TABLE vendors DROP COLUMN tags;
