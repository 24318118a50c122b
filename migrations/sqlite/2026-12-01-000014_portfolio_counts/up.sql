-- The portfolio summary's counts (vendors by status, scores in force by tier, open findings by
-- severity) kept by triggers in the transactions that change them, so that the summary reads a
-- few rows instead of counting every vendor and finding. Triggers rather than application code
-- so that every write, cascades and bulk loads included, keeps them.
--
-- A count is the sum of its rows over `shard`; on SQLite (one writer) there is one shard.
CREATE TABLE portfolio_counts (
    org_id TEXT NOT NULL,
    dimension TEXT NOT NULL,
    key TEXT NOT NULL,
    shard INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (org_id, dimension, key, shard)
);

INSERT INTO portfolio_counts (org_id, dimension, key, shard, n)
SELECT org_id, 'vendor_status', status, 0, count(*) FROM vendors GROUP BY org_id, status;
INSERT INTO portfolio_counts (org_id, dimension, key, shard, n)
SELECT org_id, 'risk_tier', tier, 0, count(*) FROM vendor_risk GROUP BY org_id, tier;
INSERT INTO portfolio_counts (org_id, dimension, key, shard, n)
SELECT org_id, 'open_finding_severity', severity, 0, count(*) FROM findings
WHERE status <> 'resolved' GROUP BY org_id, severity;

CREATE TRIGGER vendors_count_insert AFTER INSERT ON vendors BEGIN
    INSERT INTO portfolio_counts VALUES (NEW.org_id, 'vendor_status', NEW.status, 0, 1)
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER vendors_count_update AFTER UPDATE OF org_id, status ON vendors
WHEN OLD.org_id IS NOT NEW.org_id OR OLD.status IS NOT NEW.status BEGIN
    INSERT INTO portfolio_counts VALUES (OLD.org_id, 'vendor_status', OLD.status, 0, -1)
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
    INSERT INTO portfolio_counts VALUES (NEW.org_id, 'vendor_status', NEW.status, 0, 1)
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER vendors_count_delete AFTER DELETE ON vendors BEGIN
    INSERT INTO portfolio_counts VALUES (OLD.org_id, 'vendor_status', OLD.status, 0, -1)
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER vendor_risk_count_insert AFTER INSERT ON vendor_risk BEGIN
    INSERT INTO portfolio_counts VALUES (NEW.org_id, 'risk_tier', NEW.tier, 0, 1)
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER vendor_risk_count_update AFTER UPDATE OF org_id, tier ON vendor_risk
WHEN OLD.org_id IS NOT NEW.org_id OR OLD.tier IS NOT NEW.tier BEGIN
    INSERT INTO portfolio_counts VALUES (OLD.org_id, 'risk_tier', OLD.tier, 0, -1)
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
    INSERT INTO portfolio_counts VALUES (NEW.org_id, 'risk_tier', NEW.tier, 0, 1)
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER vendor_risk_count_delete AFTER DELETE ON vendor_risk BEGIN
    INSERT INTO portfolio_counts VALUES (OLD.org_id, 'risk_tier', OLD.tier, 0, -1)
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER findings_count_insert AFTER INSERT ON findings
WHEN NEW.status <> 'resolved' BEGIN
    INSERT INTO portfolio_counts VALUES (NEW.org_id, 'open_finding_severity', NEW.severity, 0, 1)
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER findings_count_update AFTER UPDATE OF org_id, severity, status ON findings
WHEN OLD.org_id IS NOT NEW.org_id OR OLD.severity IS NOT NEW.severity
    OR (OLD.status = 'resolved') <> (NEW.status = 'resolved') BEGIN
    INSERT INTO portfolio_counts
    SELECT OLD.org_id, 'open_finding_severity', OLD.severity, 0, -1 WHERE OLD.status <> 'resolved'
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
    INSERT INTO portfolio_counts
    SELECT NEW.org_id, 'open_finding_severity', NEW.severity, 0, 1 WHERE NEW.status <> 'resolved'
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER findings_count_delete AFTER DELETE ON findings
WHEN OLD.status <> 'resolved' BEGIN
    INSERT INTO portfolio_counts VALUES (OLD.org_id, 'open_finding_severity', OLD.severity, 0, -1)
    ON CONFLICT (org_id, dimension, key, shard) DO UPDATE SET n = n + excluded.n;
END;
