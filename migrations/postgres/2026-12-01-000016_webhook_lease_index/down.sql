DROP INDEX webhook_deliveries_lease;
