DROP INDEX findings_accepted_until;
CREATE INDEX findings_status_accepted_until ON findings (status, risk_accepted_until);
