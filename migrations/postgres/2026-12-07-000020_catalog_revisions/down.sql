DROP TABLE catalog_revisions;
