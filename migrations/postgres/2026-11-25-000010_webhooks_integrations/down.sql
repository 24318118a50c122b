DROP TABLE finding_tickets;
DROP TABLE ticketing_integrations;
DROP TABLE inbound_messages;
DROP TABLE procurement_requests;
DROP TABLE procurement_integrations;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
