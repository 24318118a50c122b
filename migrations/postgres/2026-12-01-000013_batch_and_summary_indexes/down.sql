DROP INDEX findings_org_severity_status;
DROP INDEX vendor_risk_org_vendor;
DROP INDEX ai_services_org_vendor;
