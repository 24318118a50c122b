-- Built-in control catalogs (org_id NULL: shared, read-only) and their crosswalk.
CREATE TABLE frameworks (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE controls (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT,
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    ref TEXT NOT NULL,
    group_ref TEXT NOT NULL,
    group_title TEXT NOT NULL,
    title TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX controls_framework ON controls (framework_id, position);
CREATE INDEX controls_position ON controls (position);
CREATE TABLE control_crosswalk (
    control_id TEXT NOT NULL REFERENCES controls (id),
    related_id TEXT NOT NULL REFERENCES controls (id),
    org_id TEXT,
    PRIMARY KEY (control_id, related_id)
);
CREATE INDEX control_crosswalk_related ON control_crosswalk (related_id);

INSERT INTO frameworks (id, org_id, name, description, position) VALUES ('iso42001', NULL, 'ISO/IEC 42001:2023 Annex A', 'AI management system reference controls (ids only; labels are annexa''s own)', 1);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.2.2', NULL, 'iso42001', 'A.2.2', 'A.2', 'Policies related to AI', 'AI policy is documented', 1);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.2.3', NULL, 'iso42001', 'A.2.3', 'A.2', 'Policies related to AI', 'AI policy aligned with other organisational policies', 2);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.2.4', NULL, 'iso42001', 'A.2.4', 'A.2', 'Policies related to AI', 'AI policy reviewed at planned intervals', 3);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.3.2', NULL, 'iso42001', 'A.3.2', 'A.3', 'Internal organisation', 'AI roles and responsibilities assigned', 4);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.3.3', NULL, 'iso42001', 'A.3.3', 'A.3', 'Internal organisation', 'Process to report concerns about AI systems', 5);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.4.2', NULL, 'iso42001', 'A.4.2', 'A.4', 'Resources for AI systems', 'AI system resources identified and documented', 6);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.4.3', NULL, 'iso42001', 'A.4.3', 'A.4', 'Resources for AI systems', 'Data resources documented', 7);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.4.4', NULL, 'iso42001', 'A.4.4', 'A.4', 'Resources for AI systems', 'Tooling resources documented', 8);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.4.5', NULL, 'iso42001', 'A.4.5', 'A.4', 'Resources for AI systems', 'System and computing resources documented', 9);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.4.6', NULL, 'iso42001', 'A.4.6', 'A.4', 'Resources for AI systems', 'Human resources and competences documented', 10);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.5.2', NULL, 'iso42001', 'A.5.2', 'A.5', 'Assessing impacts of AI systems', 'Impact assessment process established', 11);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.5.3', NULL, 'iso42001', 'A.5.3', 'A.5', 'Assessing impacts of AI systems', 'Impact assessments documented and retained', 12);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.5.4', NULL, 'iso42001', 'A.5.4', 'A.5', 'Assessing impacts of AI systems', 'Impact on individuals and groups assessed', 13);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.5.5', NULL, 'iso42001', 'A.5.5', 'A.5', 'Assessing impacts of AI systems', 'Societal impact assessed', 14);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.6.1.2', NULL, 'iso42001', 'A.6.1.2', 'A.6', 'AI system life cycle', 'Objectives for responsible development set', 15);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.6.1.3', NULL, 'iso42001', 'A.6.1.3', 'A.6', 'AI system life cycle', 'Responsible design and development processes defined', 16);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.6.2.2', NULL, 'iso42001', 'A.6.2.2', 'A.6', 'AI system life cycle', 'Requirements and specification documented', 17);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.6.2.3', NULL, 'iso42001', 'A.6.2.3', 'A.6', 'AI system life cycle', 'Design and development documented', 18);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.6.2.4', NULL, 'iso42001', 'A.6.2.4', 'A.6', 'AI system life cycle', 'Verification and validation performed', 19);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.6.2.5', NULL, 'iso42001', 'A.6.2.5', 'A.6', 'AI system life cycle', 'Deployment planned and controlled', 20);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.6.2.6', NULL, 'iso42001', 'A.6.2.6', 'A.6', 'AI system life cycle', 'Operation and monitoring in place', 21);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.6.2.7', NULL, 'iso42001', 'A.6.2.7', 'A.6', 'AI system life cycle', 'Technical documentation available to those who need it', 22);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.6.2.8', NULL, 'iso42001', 'A.6.2.8', 'A.6', 'AI system life cycle', 'Event logs recorded', 23);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.7.2', NULL, 'iso42001', 'A.7.2', 'A.7', 'Data for AI systems', 'Data management for development and enhancement', 24);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.7.3', NULL, 'iso42001', 'A.7.3', 'A.7', 'Data for AI systems', 'Data acquisition documented', 25);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.7.4', NULL, 'iso42001', 'A.7.4', 'A.7', 'Data for AI systems', 'Data quality requirements defined and met', 26);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.7.5', NULL, 'iso42001', 'A.7.5', 'A.7', 'Data for AI systems', 'Data provenance recorded', 27);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.7.6', NULL, 'iso42001', 'A.7.6', 'A.7', 'Data for AI systems', 'Data preparation methods documented', 28);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.8.2', NULL, 'iso42001', 'A.8.2', 'A.8', 'Information for interested parties', 'Documentation and information for users', 29);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.8.3', NULL, 'iso42001', 'A.8.3', 'A.8', 'Information for interested parties', 'Means for external reporting of adverse impacts', 30);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.8.4', NULL, 'iso42001', 'A.8.4', 'A.8', 'Information for interested parties', 'Incidents communicated to those affected', 31);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.8.5', NULL, 'iso42001', 'A.8.5', 'A.8', 'Information for interested parties', 'Obligations to inform interested parties met', 32);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.9.2', NULL, 'iso42001', 'A.9.2', 'A.9', 'Use of AI systems', 'Processes for responsible use defined', 33);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.9.3', NULL, 'iso42001', 'A.9.3', 'A.9', 'Use of AI systems', 'Objectives for responsible use set', 34);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.9.4', NULL, 'iso42001', 'A.9.4', 'A.9', 'Use of AI systems', 'AI system used as intended', 35);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.10.2', NULL, 'iso42001', 'A.10.2', 'A.10', 'Third-party and customer relationships', 'Responsibilities allocated between the organisation, suppliers and customers', 36);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.10.3', NULL, 'iso42001', 'A.10.3', 'A.10', 'Third-party and customer relationships', 'Supplier services and products align with the organisation''s responsible-AI approach', 37);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('iso42001:A.10.4', NULL, 'iso42001', 'A.10.4', 'A.10', 'Third-party and customer relationships', 'Customer needs and expectations addressed', 38);
INSERT INTO frameworks (id, org_id, name, description, position) VALUES ('nist-ai-rmf', NULL, 'NIST AI RMF 1.0', 'AI Risk Management Framework subcategories', 2);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 1.1', NULL, 'nist-ai-rmf', 'GOVERN 1.1', 'GOVERN', 'Govern', 'Legal and regulatory requirements involving AI are understood and managed', 39);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 1.2', NULL, 'nist-ai-rmf', 'GOVERN 1.2', 'GOVERN', 'Govern', 'Trustworthy AI characteristics are built into policies and processes', 40);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 1.3', NULL, 'nist-ai-rmf', 'GOVERN 1.3', 'GOVERN', 'Govern', 'Risk management activity is scaled to the organisation''s risk tolerance', 41);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 1.4', NULL, 'nist-ai-rmf', 'GOVERN 1.4', 'GOVERN', 'Govern', 'Risk management is established through transparent policies and controls', 42);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 1.5', NULL, 'nist-ai-rmf', 'GOVERN 1.5', 'GOVERN', 'Govern', 'Risk management is monitored and reviewed periodically', 43);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 1.6', NULL, 'nist-ai-rmf', 'GOVERN 1.6', 'GOVERN', 'Govern', 'An inventory of AI systems is maintained', 44);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 1.7', NULL, 'nist-ai-rmf', 'GOVERN 1.7', 'GOVERN', 'Govern', 'AI systems are decommissioned safely', 45);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 2.1', NULL, 'nist-ai-rmf', 'GOVERN 2.1', 'GOVERN', 'Govern', 'Roles, responsibilities and lines of communication are documented', 46);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 2.2', NULL, 'nist-ai-rmf', 'GOVERN 2.2', 'GOVERN', 'Govern', 'Personnel receive AI risk management training', 47);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 2.3', NULL, 'nist-ai-rmf', 'GOVERN 2.3', 'GOVERN', 'Govern', 'Executive leadership takes responsibility for AI risk decisions', 48);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 3.1', NULL, 'nist-ai-rmf', 'GOVERN 3.1', 'GOVERN', 'Govern', 'Decisions are informed by a diverse team', 49);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 3.2', NULL, 'nist-ai-rmf', 'GOVERN 3.2', 'GOVERN', 'Govern', 'Human-AI configurations and oversight roles are defined', 50);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 4.1', NULL, 'nist-ai-rmf', 'GOVERN 4.1', 'GOVERN', 'Govern', 'A safety-first, critical-thinking culture is fostered', 51);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 4.2', NULL, 'nist-ai-rmf', 'GOVERN 4.2', 'GOVERN', 'Govern', 'Risks and impacts are documented and communicated', 52);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 4.3', NULL, 'nist-ai-rmf', 'GOVERN 4.3', 'GOVERN', 'Govern', 'Testing, incident identification and information sharing are enabled', 53);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 5.1', NULL, 'nist-ai-rmf', 'GOVERN 5.1', 'GOVERN', 'Govern', 'Feedback from external parties is collected and integrated', 54);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 5.2', NULL, 'nist-ai-rmf', 'GOVERN 5.2', 'GOVERN', 'Govern', 'Feedback mechanisms are incorporated into system design', 55);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 6.1', NULL, 'nist-ai-rmf', 'GOVERN 6.1', 'GOVERN', 'Govern', 'Third-party risks, including intellectual property, are addressed', 56);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:GOVERN 6.2', NULL, 'nist-ai-rmf', 'GOVERN 6.2', 'GOVERN', 'Govern', 'Contingency processes exist for failures of third-party data or AI', 57);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 1.1', NULL, 'nist-ai-rmf', 'MAP 1.1', 'MAP', 'Map', 'Intended purposes, context and expected use are documented', 58);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 1.2', NULL, 'nist-ai-rmf', 'MAP 1.2', 'MAP', 'Map', 'Interdisciplinary actors take part in establishing context', 59);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 1.3', NULL, 'nist-ai-rmf', 'MAP 1.3', 'MAP', 'Map', 'The organisation''s mission and goals for the AI system are understood', 60);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 1.4', NULL, 'nist-ai-rmf', 'MAP 1.4', 'MAP', 'Map', 'Business value or context of use is defined', 61);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 1.5', NULL, 'nist-ai-rmf', 'MAP 1.5', 'MAP', 'Map', 'Organisational risk tolerances are determined', 62);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 1.6', NULL, 'nist-ai-rmf', 'MAP 1.6', 'MAP', 'Map', 'System requirements are elicited with socio-technical implications in mind', 63);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 2.1', NULL, 'nist-ai-rmf', 'MAP 2.1', 'MAP', 'Map', 'The tasks and methods the system supports are defined', 64);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 2.2', NULL, 'nist-ai-rmf', 'MAP 2.2', 'MAP', 'Map', 'Knowledge limits and how output is used by humans are documented', 65);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 2.3', NULL, 'nist-ai-rmf', 'MAP 2.3', 'MAP', 'Map', 'Scientific integrity and TEVV considerations are documented', 66);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 3.1', NULL, 'nist-ai-rmf', 'MAP 3.1', 'MAP', 'Map', 'Potential benefits of the intended functionality are examined', 67);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 3.2', NULL, 'nist-ai-rmf', 'MAP 3.2', 'MAP', 'Map', 'Potential costs, including non-monetary ones, are examined', 68);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 3.3', NULL, 'nist-ai-rmf', 'MAP 3.3', 'MAP', 'Map', 'The targeted application scope is specified', 69);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 3.4', NULL, 'nist-ai-rmf', 'MAP 3.4', 'MAP', 'Map', 'Operator and practitioner proficiency is defined and assessed', 70);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 3.5', NULL, 'nist-ai-rmf', 'MAP 3.5', 'MAP', 'Map', 'Human oversight processes are defined and documented', 71);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 4.1', NULL, 'nist-ai-rmf', 'MAP 4.1', 'MAP', 'Map', 'Legal risks of components, including third-party data and software, are mapped', 72);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 4.2', NULL, 'nist-ai-rmf', 'MAP 4.2', 'MAP', 'Map', 'Internal risk controls for components, including third-party technology, are documented', 73);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 5.1', NULL, 'nist-ai-rmf', 'MAP 5.1', 'MAP', 'Map', 'Likelihood and magnitude of each identified impact are documented', 74);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MAP 5.2', NULL, 'nist-ai-rmf', 'MAP 5.2', 'MAP', 'Map', 'Engagement with relevant AI actors and affected communities is in place', 75);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 1.1', NULL, 'nist-ai-rmf', 'MEASURE 1.1', 'MEASURE', 'Measure', 'Approaches and metrics for the most significant risks are selected', 76);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 1.2', NULL, 'nist-ai-rmf', 'MEASURE 1.2', 'MEASURE', 'Measure', 'Metrics and controls are regularly assessed and updated', 77);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 1.3', NULL, 'nist-ai-rmf', 'MEASURE 1.3', 'MEASURE', 'Measure', 'Independent assessors are involved in assessments', 78);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.1', NULL, 'nist-ai-rmf', 'MEASURE 2.1', 'MEASURE', 'Measure', 'Test sets, metrics and tool details are documented', 79);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.2', NULL, 'nist-ai-rmf', 'MEASURE 2.2', 'MEASURE', 'Measure', 'Evaluations involving human subjects meet applicable requirements', 80);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.3', NULL, 'nist-ai-rmf', 'MEASURE 2.3', 'MEASURE', 'Measure', 'Performance is measured under deployment-like conditions', 81);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.4', NULL, 'nist-ai-rmf', 'MEASURE 2.4', 'MEASURE', 'Measure', 'Functionality and behaviour are monitored in production', 82);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.5', NULL, 'nist-ai-rmf', 'MEASURE 2.5', 'MEASURE', 'Measure', 'Validity and reliability are demonstrated', 83);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.6', NULL, 'nist-ai-rmf', 'MEASURE 2.6', 'MEASURE', 'Measure', 'Safety risks are evaluated regularly', 84);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.7', NULL, 'nist-ai-rmf', 'MEASURE 2.7', 'MEASURE', 'Measure', 'Security and resilience are evaluated and documented', 85);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.8', NULL, 'nist-ai-rmf', 'MEASURE 2.8', 'MEASURE', 'Measure', 'Transparency and accountability risks are examined', 86);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.9', NULL, 'nist-ai-rmf', 'MEASURE 2.9', 'MEASURE', 'Measure', 'The model is explained, validated and documented', 87);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.10', NULL, 'nist-ai-rmf', 'MEASURE 2.10', 'MEASURE', 'Measure', 'Privacy risk is examined and documented', 88);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.11', NULL, 'nist-ai-rmf', 'MEASURE 2.11', 'MEASURE', 'Measure', 'Fairness and bias are evaluated', 89);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.12', NULL, 'nist-ai-rmf', 'MEASURE 2.12', 'MEASURE', 'Measure', 'Environmental impact and sustainability are assessed', 90);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 2.13', NULL, 'nist-ai-rmf', 'MEASURE 2.13', 'MEASURE', 'Measure', 'The effectiveness of TEVV metrics and processes is evaluated', 91);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 3.1', NULL, 'nist-ai-rmf', 'MEASURE 3.1', 'MEASURE', 'Measure', 'Approaches are in place to identify and track emergent risks', 92);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 3.2', NULL, 'nist-ai-rmf', 'MEASURE 3.2', 'MEASURE', 'Measure', 'Risk tracking covers settings where risks are hard to assess', 93);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 3.3', NULL, 'nist-ai-rmf', 'MEASURE 3.3', 'MEASURE', 'Measure', 'Feedback processes let users report problems and appeal outcomes', 94);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 4.1', NULL, 'nist-ai-rmf', 'MEASURE 4.1', 'MEASURE', 'Measure', 'Measurement approaches are connected to deployment context', 95);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 4.2', NULL, 'nist-ai-rmf', 'MEASURE 4.2', 'MEASURE', 'Measure', 'Trustworthiness measurements are validated with domain experts', 96);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MEASURE 4.3', NULL, 'nist-ai-rmf', 'MEASURE 4.3', 'MEASURE', 'Measure', 'Measurable performance changes are identified and documented', 97);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 1.1', NULL, 'nist-ai-rmf', 'MANAGE 1.1', 'MANAGE', 'Manage', 'Whether the AI system achieves its purpose is determined', 98);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 1.2', NULL, 'nist-ai-rmf', 'MANAGE 1.2', 'MANAGE', 'Manage', 'Treatment of documented risks is prioritised', 99);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 1.3', NULL, 'nist-ai-rmf', 'MANAGE 1.3', 'MANAGE', 'Manage', 'Responses to high-priority risks are developed and documented', 100);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 1.4', NULL, 'nist-ai-rmf', 'MANAGE 1.4', 'MANAGE', 'Manage', 'Residual risks to acquirers and end users are documented', 101);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 2.1', NULL, 'nist-ai-rmf', 'MANAGE 2.1', 'MANAGE', 'Manage', 'Resources to manage risks are considered alongside alternatives', 102);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 2.2', NULL, 'nist-ai-rmf', 'MANAGE 2.2', 'MANAGE', 'Manage', 'Mechanisms sustain the value of deployed systems', 103);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 2.3', NULL, 'nist-ai-rmf', 'MANAGE 2.3', 'MANAGE', 'Manage', 'Procedures respond to and recover from unknown risks', 104);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 2.4', NULL, 'nist-ai-rmf', 'MANAGE 2.4', 'MANAGE', 'Manage', 'Mechanisms exist to supersede, disengage or deactivate AI systems', 105);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 3.1', NULL, 'nist-ai-rmf', 'MANAGE 3.1', 'MANAGE', 'Manage', 'Risks and benefits from third-party resources are monitored and controlled', 106);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 3.2', NULL, 'nist-ai-rmf', 'MANAGE 3.2', 'MANAGE', 'Manage', 'Pre-trained models are monitored as part of regular maintenance', 107);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 4.1', NULL, 'nist-ai-rmf', 'MANAGE 4.1', 'MANAGE', 'Manage', 'Post-deployment monitoring plans are implemented', 108);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 4.2', NULL, 'nist-ai-rmf', 'MANAGE 4.2', 'MANAGE', 'Manage', 'Continual improvement activities are integrated into updates', 109);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('nist-ai-rmf:MANAGE 4.3', NULL, 'nist-ai-rmf', 'MANAGE 4.3', 'MANAGE', 'Manage', 'Incidents and errors are communicated to relevant actors', 110);
INSERT INTO frameworks (id, org_id, name, description, position) VALUES ('eu-ai-act', NULL, 'EU AI Act', 'Regulation (EU) 2024/1689 provisions that bear on AI supply chains', 3);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 25(1)', NULL, 'eu-ai-act', 'Art. 25(1)', 'Art. 25', 'Responsibilities along the AI value chain', 'When a distributor, importer, deployer or other party becomes a provider', 111);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 25(2)', NULL, 'eu-ai-act', 'Art. 25(2)', 'Art. 25', 'Responsibilities along the AI value chain', 'Initial provider cooperates with the new provider', 112);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 25(3)', NULL, 'eu-ai-act', 'Art. 25(3)', 'Art. 25', 'Responsibilities along the AI value chain', 'Product manufacturer as provider of a safety-component system', 113);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 25(4)', NULL, 'eu-ai-act', 'Art. 25(4)', 'Art. 25', 'Responsibilities along the AI value chain', 'Written agreement with suppliers of tools, services, components or processes', 114);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 26(1)', NULL, 'eu-ai-act', 'Art. 26(1)', 'Art. 26', 'Obligations of deployers of high-risk AI systems', 'Use in accordance with the instructions for use', 115);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 26(2)', NULL, 'eu-ai-act', 'Art. 26(2)', 'Art. 26', 'Obligations of deployers of high-risk AI systems', 'Human oversight assigned to competent people', 116);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 26(4)', NULL, 'eu-ai-act', 'Art. 26(4)', 'Art. 26', 'Obligations of deployers of high-risk AI systems', 'Input data relevant and representative', 117);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 26(5)', NULL, 'eu-ai-act', 'Art. 26(5)', 'Art. 26', 'Obligations of deployers of high-risk AI systems', 'Operation monitored; provider and authorities informed of risks and incidents', 118);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 26(6)', NULL, 'eu-ai-act', 'Art. 26(6)', 'Art. 26', 'Obligations of deployers of high-risk AI systems', 'Automatically generated logs kept', 119);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 26(7)', NULL, 'eu-ai-act', 'Art. 26(7)', 'Art. 26', 'Obligations of deployers of high-risk AI systems', 'Workers informed before workplace use', 120);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 26(9)', NULL, 'eu-ai-act', 'Art. 26(9)', 'Art. 26', 'Obligations of deployers of high-risk AI systems', 'Provider information used for data protection impact assessments', 121);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 26(11)', NULL, 'eu-ai-act', 'Art. 26(11)', 'Art. 26', 'Obligations of deployers of high-risk AI systems', 'Affected people informed of decisions made or assisted by the system', 122);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 53(1)(a)', NULL, 'eu-ai-act', 'Art. 53(1)(a)', 'Art. 53', 'Obligations of providers of general-purpose AI models', 'Technical documentation of the model kept up to date', 123);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 53(1)(b)', NULL, 'eu-ai-act', 'Art. 53(1)(b)', 'Art. 53', 'Obligations of providers of general-purpose AI models', 'Information and documentation for downstream providers', 124);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 53(1)(c)', NULL, 'eu-ai-act', 'Art. 53(1)(c)', 'Art. 53', 'Obligations of providers of general-purpose AI models', 'Policy to comply with copyright law', 125);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Art. 53(1)(d)', NULL, 'eu-ai-act', 'Art. 53(1)(d)', 'Art. 53', 'Obligations of providers of general-purpose AI models', 'Public summary of training content', 126);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Annex XII(1)', NULL, 'eu-ai-act', 'Annex XII(1)', 'Annex XII', 'Transparency information for downstream providers', 'General description of the general-purpose AI model', 127);
INSERT INTO controls (id, org_id, framework_id, ref, group_ref, group_title, title, position) VALUES ('eu-ai-act:Annex XII(2)', NULL, 'eu-ai-act', 'Annex XII(2)', 'Annex XII', 'Transparency information for downstream providers', 'Description of model elements and development process', 128);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.10.3', 'nist-ai-rmf:GOVERN 6.1', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('eu-ai-act:Art. 25(4)', 'iso42001:A.10.3', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('eu-ai-act:Art. 25(4)', 'nist-ai-rmf:GOVERN 6.1', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.10.3', 'nist-ai-rmf:MANAGE 3.1', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.10.2', 'nist-ai-rmf:GOVERN 2.1', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('eu-ai-act:Art. 25(4)', 'iso42001:A.10.2', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.10.4', 'nist-ai-rmf:GOVERN 5.1', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.7.5', 'nist-ai-rmf:MAP 4.1', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.7.3', 'nist-ai-rmf:MAP 4.1', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.4.4', 'nist-ai-rmf:MAP 4.2', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.8.4', 'nist-ai-rmf:MANAGE 4.3', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('eu-ai-act:Art. 26(5)', 'iso42001:A.8.4', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('eu-ai-act:Art. 26(6)', 'iso42001:A.6.2.8', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.6.2.6', 'nist-ai-rmf:MEASURE 2.4', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('eu-ai-act:Art. 26(5)', 'iso42001:A.6.2.6', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('eu-ai-act:Art. 53(1)(a)', 'iso42001:A.6.2.7', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('eu-ai-act:Art. 53(1)(b)', 'iso42001:A.8.2', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('eu-ai-act:Art. 26(1)', 'iso42001:A.9.4', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.9.4', 'nist-ai-rmf:MAP 1.1', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.3.2', 'nist-ai-rmf:GOVERN 2.1', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.2.2', 'nist-ai-rmf:GOVERN 1.2', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.5.4', 'nist-ai-rmf:MAP 5.1', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.10.3', 'nist-ai-rmf:GOVERN 6.2', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('iso42001:A.10.3', 'nist-ai-rmf:MANAGE 3.2', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('eu-ai-act:Annex XII(1)', 'iso42001:A.8.2', NULL);
INSERT INTO control_crosswalk (control_id, related_id, org_id) VALUES ('eu-ai-act:Art. 26(2)', 'nist-ai-rmf:GOVERN 3.2', NULL);
