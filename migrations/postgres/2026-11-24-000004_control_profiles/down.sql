DROP TABLE profile_controls;
