-- Indexes for reads whose cost grew with the portfolio (measured at 100,000 vendors).

-- A vendor's completed assessments, newest first, read for every coverage and risk
-- computation; they were reached through the organisation's assessments by status.
CREATE INDEX assessments_vendor_completed ON assessments (org_id, vendor_id, status, completed_at);

-- The portfolio summary's counts: vendors by risk tier, flagged for reassessment, and with
-- an expired contract were table scans.
CREATE INDEX vendor_risk_org_tier ON vendor_risk (org_id, tier);
CREATE INDEX vendors_org_reassessment ON vendors (org_id, reassessment_due, id);
CREATE INDEX vendors_org_contract_expired ON vendors (org_id, contract_expired);
