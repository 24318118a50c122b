DROP INDEX vendor_risk_org_vendor;
DROP INDEX ai_services_org_vendor;
