DROP TABLE vendor_links;
DROP TABLE assessment_answers;
DROP TABLE assessments;
