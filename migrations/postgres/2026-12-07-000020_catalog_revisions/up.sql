-- A stamp that every change to an organisation's own controls or tier profiles replaces, in
-- the transaction that makes the change: a server keeps the catalog it read under the stamp
-- and reads it again once the stamp has moved, whichever server moved it. An organisation
-- without a row has changed nothing and sees the built-in catalog alone.
CREATE TABLE catalog_revisions (
    org_id TEXT PRIMARY KEY NOT NULL,
    stamp TEXT NOT NULL
);

-- Organisations that changed their catalog before stamps existed.
INSERT INTO catalog_revisions (org_id, stamp)
SELECT org_id, md5(random()::text || clock_timestamp()::text || org_id)
FROM (
    SELECT org_id FROM controls WHERE org_id IS NOT NULL
    UNION
    SELECT org_id FROM profile_controls WHERE org_id IS NOT NULL
) AS changed;
