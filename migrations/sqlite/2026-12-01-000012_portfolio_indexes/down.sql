DROP INDEX vendors_org_contract_expired;
DROP INDEX vendors_org_reassessment;
DROP INDEX vendor_risk_org_tier;
DROP INDEX assessments_vendor_completed;
