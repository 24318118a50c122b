DROP INDEX contracts_status_notice;
DROP INDEX contracts_status_end;
DROP INDEX assessments_overdue;
