-- A vendor's tags and external ids, as the JSON arrays the API shows, on the vendor row itself:
-- a page of fifty vendors is then one statement instead of three (the two lookups were a
-- quarter of the list's server time). vendor_tags and vendor_external_ids stay the indexes that
-- filter by tag, find a vendor by external id and keep external ids unique; the same
-- transaction writes both.
ALTER TABLE vendors ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE vendors ADD COLUMN external_ids TEXT NOT NULL DEFAULT '[]';
-- Byte order ("C"), as the application sorts them.
UPDATE vendors SET
    tags = COALESCE(
        (SELECT json_agg(tag ORDER BY tag COLLATE "C")::text
         FROM vendor_tags t WHERE t.vendor_id = vendors.id),
        '[]'),
    external_ids = COALESCE(
        (SELECT json_agg(json_build_object('source', source, 'id', external_id)
                         ORDER BY source COLLATE "C")::text
         FROM vendor_external_ids e WHERE e.vendor_id = vendors.id),
        '[]')
WHERE id IN (SELECT vendor_id FROM vendor_tags UNION SELECT vendor_id FROM vendor_external_ids);
