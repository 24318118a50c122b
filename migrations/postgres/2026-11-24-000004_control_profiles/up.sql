-- Which controls a vendor must evidence, per tier. org_id NULL rows are the built-in
-- defaults; an organisation's own rows for a tier replace the defaults for that tier.
CREATE TABLE profile_controls (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT,
    tier TEXT NOT NULL,
    control_id TEXT NOT NULL REFERENCES controls (id),
    position INTEGER NOT NULL
);
CREATE INDEX profile_controls_tier ON profile_controls (tier, org_id, position);

INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:low:iso42001:A.10.2', NULL, 'low', 'iso42001:A.10.2', 1);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:low:iso42001:A.10.3', NULL, 'low', 'iso42001:A.10.3', 2);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:medium:iso42001:A.10.2', NULL, 'medium', 'iso42001:A.10.2', 1);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:medium:iso42001:A.10.3', NULL, 'medium', 'iso42001:A.10.3', 2);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:medium:iso42001:A.9.4', NULL, 'medium', 'iso42001:A.9.4', 3);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:medium:iso42001:A.8.4', NULL, 'medium', 'iso42001:A.8.4', 4);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:medium:iso42001:A.6.2.6', NULL, 'medium', 'iso42001:A.6.2.6', 5);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:iso42001:A.10.2', NULL, 'high', 'iso42001:A.10.2', 1);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:iso42001:A.10.3', NULL, 'high', 'iso42001:A.10.3', 2);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:iso42001:A.9.4', NULL, 'high', 'iso42001:A.9.4', 3);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:iso42001:A.8.4', NULL, 'high', 'iso42001:A.8.4', 4);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:iso42001:A.6.2.6', NULL, 'high', 'iso42001:A.6.2.6', 5);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:iso42001:A.7.3', NULL, 'high', 'iso42001:A.7.3', 6);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:iso42001:A.7.5', NULL, 'high', 'iso42001:A.7.5', 7);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:iso42001:A.4.3', NULL, 'high', 'iso42001:A.4.3', 8);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:iso42001:A.4.4', NULL, 'high', 'iso42001:A.4.4', 9);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:iso42001:A.6.2.7', NULL, 'high', 'iso42001:A.6.2.7', 10);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:iso42001:A.6.2.8', NULL, 'high', 'iso42001:A.6.2.8', 11);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:high:nist-ai-rmf:GOVERN 6.1', NULL, 'high', 'nist-ai-rmf:GOVERN 6.1', 12);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.10.2', NULL, 'critical', 'iso42001:A.10.2', 1);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.10.3', NULL, 'critical', 'iso42001:A.10.3', 2);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.9.4', NULL, 'critical', 'iso42001:A.9.4', 3);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.8.4', NULL, 'critical', 'iso42001:A.8.4', 4);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.6.2.6', NULL, 'critical', 'iso42001:A.6.2.6', 5);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.7.3', NULL, 'critical', 'iso42001:A.7.3', 6);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.7.5', NULL, 'critical', 'iso42001:A.7.5', 7);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.4.3', NULL, 'critical', 'iso42001:A.4.3', 8);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.4.4', NULL, 'critical', 'iso42001:A.4.4', 9);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.6.2.7', NULL, 'critical', 'iso42001:A.6.2.7', 10);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.6.2.8', NULL, 'critical', 'iso42001:A.6.2.8', 11);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:nist-ai-rmf:GOVERN 6.1', NULL, 'critical', 'nist-ai-rmf:GOVERN 6.1', 12);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.10.4', NULL, 'critical', 'iso42001:A.10.4', 13);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.6.2.5', NULL, 'critical', 'iso42001:A.6.2.5', 14);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.5.4', NULL, 'critical', 'iso42001:A.5.4', 15);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:iso42001:A.8.2', NULL, 'critical', 'iso42001:A.8.2', 16);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:nist-ai-rmf:GOVERN 6.2', NULL, 'critical', 'nist-ai-rmf:GOVERN 6.2', 17);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:nist-ai-rmf:MANAGE 3.1', NULL, 'critical', 'nist-ai-rmf:MANAGE 3.1', 18);
INSERT INTO profile_controls (id, org_id, tier, control_id, position) VALUES ('default:critical:eu-ai-act:Art. 25(4)', NULL, 'critical', 'eu-ai-act:Art. 25(4)', 19);
