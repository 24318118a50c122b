DROP TRIGGER findings_count ON findings;
DROP TRIGGER vendor_risk_count ON vendor_risk;
DROP TRIGGER vendors_count ON vendors;
DROP FUNCTION portfolio_count();
DROP FUNCTION portfolio_count_add(TEXT, TEXT, TEXT, BIGINT);
DROP TABLE portfolio_counts;
