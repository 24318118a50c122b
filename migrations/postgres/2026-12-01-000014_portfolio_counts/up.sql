-- The portfolio summary's counts (vendors by status, scores in force by tier, open findings by
-- severity) kept by triggers in the transactions that change them, so that the summary reads a
-- few rows instead of counting every vendor and finding. Triggers rather than application code
-- so that every write, cascades and bulk loads included, keeps them.
--
-- A count is the sum of its rows over `shard`. Each server connection adds to its own shard
-- (its backend pid modulo 64), so that concurrent transactions do not queue on one row lock
-- until commit, nor deadlock over two.
CREATE TABLE portfolio_counts (
    org_id TEXT NOT NULL,
    dimension TEXT NOT NULL,
    key TEXT NOT NULL,
    shard INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, dimension, key, shard)
);

INSERT INTO portfolio_counts (org_id, dimension, key, shard, n)
SELECT org_id, 'vendor_status', status, 0, count(*) FROM vendors GROUP BY org_id, status;
INSERT INTO portfolio_counts (org_id, dimension, key, shard, n)
SELECT org_id, 'risk_tier', tier, 0, count(*) FROM vendor_risk GROUP BY org_id, tier;
INSERT INTO portfolio_counts (org_id, dimension, key, shard, n)
SELECT org_id, 'open_finding_severity', severity, 0, count(*) FROM findings
WHERE status <> 'resolved' GROUP BY org_id, severity;

CREATE FUNCTION portfolio_count_add(org TEXT, dim TEXT, k TEXT, delta BIGINT) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO portfolio_counts (org_id, dimension, key, shard, n)
    VALUES (org, dim, k, pg_backend_pid() % 64, delta)
    ON CONFLICT (org_id, dimension, key, shard)
    DO UPDATE SET n = portfolio_counts.n + EXCLUDED.n;
$$;

-- Keeps one dimension of the counts for the table it is attached to. Arguments: the dimension,
-- the column that is its key and, for findings, the status whose rows are not counted.
CREATE FUNCTION portfolio_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    dim TEXT := TG_ARGV[0];
    key_column TEXT := TG_ARGV[1];
    uncounted TEXT := TG_ARGV[2];
    old_row JSONB;
    new_row JSONB;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_row := to_jsonb(OLD);
        IF uncounted IS NOT NULL AND old_row ->> 'status' = uncounted THEN
            old_row := NULL;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_row := to_jsonb(NEW);
        IF uncounted IS NOT NULL AND new_row ->> 'status' = uncounted THEN
            new_row := NULL;
        END IF;
    END IF;
    IF old_row IS NOT NULL AND new_row IS NOT NULL
        AND old_row ->> 'org_id' = new_row ->> 'org_id'
        AND old_row ->> key_column = new_row ->> key_column THEN
        RETURN NULL;
    END IF;
    IF old_row IS NOT NULL THEN
        PERFORM portfolio_count_add(old_row ->> 'org_id', dim, old_row ->> key_column, -1);
    END IF;
    IF new_row IS NOT NULL THEN
        PERFORM portfolio_count_add(new_row ->> 'org_id', dim, new_row ->> key_column, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER vendors_count AFTER INSERT OR DELETE OR UPDATE OF org_id, status ON vendors
FOR EACH ROW EXECUTE FUNCTION portfolio_count('vendor_status', 'status');
CREATE TRIGGER vendor_risk_count AFTER INSERT OR DELETE OR UPDATE OF org_id, tier ON vendor_risk
FOR EACH ROW EXECUTE FUNCTION portfolio_count('risk_tier', 'tier');
CREATE TRIGGER findings_count AFTER INSERT OR DELETE OR UPDATE OF org_id, severity, status
ON findings FOR EACH ROW EXECUTE FUNCTION portfolio_count('open_finding_severity', 'severity', 'resolved');
