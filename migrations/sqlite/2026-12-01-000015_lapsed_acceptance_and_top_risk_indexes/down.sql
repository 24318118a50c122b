DROP INDEX vendor_risk_top;
CREATE INDEX vendor_risk_residual ON vendor_risk (org_id, residual);
DROP INDEX findings_status_accepted_until;
