use diesel::prelude::*;

use super::schema::{finding_tickets, ticketing_integrations};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ticketing_integrations, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct TicketingRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub kind: String,
    pub base_url: String,
    pub username: String,
    pub credential: String,
    pub project_key: Option<String>,
    pub issue_type: Option<String>,
    pub table_name: Option<String>,
    pub field_mapping: String,
    pub auto_push_severity: Option<String>,
    pub inbound_secret: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = finding_tickets, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct TicketRow {
    pub finding_id: String,
    pub org_id: String,
    pub integration_id: String,
    pub status: String,
    pub ticket_key: Option<String>,
    pub ticket_url: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: String,
    pub lease_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

pub const PENDING: &str = "pending";
pub const CREATED: &str = "created";

pub fn insert_integration(conn: &mut DbConn, row: &TicketingRow) -> QueryResult<()> {
    diesel::insert_into(ticketing_integrations::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_integration(
    conn: &mut DbConn,
    org: &str,
    id: &str,
) -> QueryResult<Option<TicketingRow>> {
    ticketing_integrations::table
        .filter(ticketing_integrations::id.eq(id))
        .filter(ticketing_integrations::org_id.eq(org))
        .select(TicketingRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_integration_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<TicketingRow>> {
    ticketing_integrations::table
        .filter(ticketing_integrations::id.eq(id))
        .select(TicketingRow::as_select())
        .first(conn)
        .optional()
}

/// All of the organisation's connections, oldest first.
pub fn integrations(conn: &mut DbConn, org: &str) -> QueryResult<Vec<TicketingRow>> {
    ticketing_integrations::table
        .filter(ticketing_integrations::org_id.eq(org))
        .select(TicketingRow::as_select())
        .order(ticketing_integrations::id.asc())
        .load(conn)
}

pub fn update_integration(
    conn: &mut DbConn,
    row: &TicketingRow,
    expected_version: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(
        ticketing_integrations::table
            .filter(ticketing_integrations::id.eq(&row.id))
            .filter(ticketing_integrations::org_id.eq(&row.org_id))
            .filter(ticketing_integrations::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn delete_integration(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<usize> {
    diesel::delete(
        ticketing_integrations::table
            .filter(ticketing_integrations::id.eq(id))
            .filter(ticketing_integrations::org_id.eq(org)),
    )
    .execute(conn)
}

pub fn ticket_of(conn: &mut DbConn, finding_id: &str) -> QueryResult<Option<TicketRow>> {
    finding_tickets::table
        .filter(finding_tickets::finding_id.eq(finding_id))
        .select(TicketRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_ticket(conn: &mut DbConn, row: &TicketRow) -> QueryResult<()> {
    diesel::insert_into(finding_tickets::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update_ticket(conn: &mut DbConn, row: &TicketRow) -> QueryResult<()> {
    diesel::update(finding_tickets::table.filter(finding_tickets::finding_id.eq(&row.finding_id)))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Takes a pending ticket for `until` unless someone else holds it; true when taken.
pub fn lease_ticket(
    conn: &mut DbConn,
    finding_id: &str,
    now: &str,
    until: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        finding_tickets::table
            .filter(finding_tickets::finding_id.eq(finding_id))
            .filter(finding_tickets::status.eq(PENDING))
            .filter(
                finding_tickets::lease_until
                    .is_null()
                    .or(finding_tickets::lease_until.lt(now)),
            ),
    )
    .set(finding_tickets::lease_until.eq(until))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Pending tickets whose next attempt is due and that no one holds.
pub fn due_tickets(conn: &mut DbConn, now: &str, limit: i64) -> QueryResult<Vec<TicketRow>> {
    finding_tickets::table
        .filter(finding_tickets::status.eq(PENDING))
        .filter(finding_tickets::next_attempt_at.le(now))
        .filter(
            finding_tickets::lease_until
                .is_null()
                .or(finding_tickets::lease_until.lt(now)),
        )
        .order(finding_tickets::next_attempt_at.asc())
        .limit(limit)
        .select(TicketRow::as_select())
        .load(conn)
}

pub fn ticket_by_key(
    conn: &mut DbConn,
    integration_id: &str,
    key: &str,
) -> QueryResult<Option<TicketRow>> {
    finding_tickets::table
        .filter(finding_tickets::integration_id.eq(integration_id))
        .filter(finding_tickets::ticket_key.eq(key))
        .select(TicketRow::as_select())
        .first(conn)
        .optional()
}
