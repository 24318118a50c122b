DROP TABLE control_crosswalk;
DROP TABLE controls;
DROP TABLE frameworks;
