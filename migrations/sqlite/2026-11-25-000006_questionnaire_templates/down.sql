DROP TABLE questionnaire_versions;
DROP TABLE questionnaire_templates;
