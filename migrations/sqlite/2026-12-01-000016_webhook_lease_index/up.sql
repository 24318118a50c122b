-- Each dispatch round puts back deliveries whose dispatcher stopped mid-flight, looking for
-- in-flight deliveries with a lapsed lease. Without this it read every delivery ever made,
-- succeeded ones included, on every round.
CREATE INDEX webhook_deliveries_lease ON webhook_deliveries (status, lease_until);
