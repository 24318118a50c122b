-- A full recompute reads each batch of vendors' services and scores in force by a range of
-- vendor ids within the organisation; without these the planner walked every service (or
-- score) of the organisation for each batch.
CREATE INDEX ai_services_org_vendor ON ai_services (org_id, vendor_id, id);
CREATE INDEX vendor_risk_org_vendor ON vendor_risk (org_id, vendor_id);

-- The portfolio summary counts open findings by severity; a recompute that finds gaps across
-- the portfolio leaves hundreds of thousands of them, and the count read each row.
CREATE INDEX findings_org_severity_status ON findings (org_id, severity, status);
