-- The scheduled check for lapsed risk acceptances looks across organisations for accepted
-- findings whose acceptance has run out; without this it read every finding (about 370,000
-- after a 100,000-vendor portfolio's first scoring), holding the write lock meanwhile.
CREATE INDEX findings_status_accepted_until ON findings (status, risk_accepted_until);

-- The portfolio summary's ten highest residual risks, ties by vendor id: in this order the
-- first ten rows are read instead of sorting every vendor tied at the top (981 of 100,000 in
-- the benchmark's portfolio, each looked up on every request).
DROP INDEX vendor_risk_residual;
CREATE INDEX vendor_risk_top ON vendor_risk (org_id, residual DESC, vendor_id);
