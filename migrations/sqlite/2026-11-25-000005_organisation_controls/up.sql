-- Organisations define their own controls (in a framework of their own, `org:<org>`) and their
-- own crosswalk links, also between built-in controls. The crosswalk gets a surrogate key so
-- two organisations can each record the same link.
ALTER TABLE controls ADD COLUMN description TEXT;
CREATE UNIQUE INDEX controls_framework_ref ON controls (framework_id, ref);
CREATE UNIQUE INDEX controls_org_position ON controls (COALESCE(org_id, ''), position);

CREATE TABLE control_links (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT,
    control_id TEXT NOT NULL REFERENCES controls (id),
    related_id TEXT NOT NULL REFERENCES controls (id)
);
INSERT INTO control_links (id, org_id, control_id, related_id)
    SELECT control_id || '|' || related_id, org_id, control_id, related_id FROM control_crosswalk;
DROP TABLE control_crosswalk;
CREATE INDEX control_links_control ON control_links (control_id);
CREATE INDEX control_links_related ON control_links (related_id);
CREATE UNIQUE INDEX control_links_unique ON control_links (COALESCE(org_id, ''), control_id, related_id);
