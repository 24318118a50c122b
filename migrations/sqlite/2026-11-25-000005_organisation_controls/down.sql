CREATE TABLE control_crosswalk (
    control_id TEXT NOT NULL REFERENCES controls (id),
    related_id TEXT NOT NULL REFERENCES controls (id),
    org_id TEXT,
    PRIMARY KEY (control_id, related_id)
);
INSERT INTO control_crosswalk (control_id, related_id, org_id)
    SELECT control_id, related_id, org_id FROM control_links WHERE org_id IS NULL;
CREATE INDEX control_crosswalk_related ON control_crosswalk (related_id);
DROP TABLE control_links;
DELETE FROM profile_controls WHERE control_id IN (SELECT id FROM controls WHERE org_id IS NOT NULL);
DELETE FROM controls WHERE org_id IS NOT NULL;
DELETE FROM frameworks WHERE org_id IS NOT NULL;
DROP INDEX controls_org_position;
DROP INDEX controls_framework_ref;
ALTER TABLE controls DROP COLUMN description;
