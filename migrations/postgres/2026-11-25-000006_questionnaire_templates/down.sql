DROP TABLE questionnaire_versions;
DROP TABLE questionnaire_templates;
DROP FUNCTION questionnaire_versions_published_immutable();
