use diesel::prelude::*;

use super::schema::{inbound_messages, procurement_integrations, procurement_requests};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = procurement_integrations, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct IntegrationRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub system: String,
    pub secret: String,
    pub template_id: Option<String>,
    pub send_assessment: bool,
    pub assessment_due_days: i64,
    pub enabled: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = procurement_requests, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct RequestRow {
    pub id: String,
    pub org_id: String,
    pub integration_id: String,
    pub external_id: String,
    pub vendor_id: String,
    pub assessment_id: Option<String>,
    pub request: String,
    pub received_count: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = inbound_messages, treat_none_as_default_value = false)]
pub struct InboundRow {
    pub integration_id: String,
    pub message_id: String,
    pub org_id: String,
    pub response_status: i64,
    pub response_body: String,
    pub received_at: String,
}

pub fn insert_integration(conn: &mut DbConn, row: &IntegrationRow) -> QueryResult<()> {
    diesel::insert_into(procurement_integrations::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_integration(
    conn: &mut DbConn,
    org: &str,
    id: &str,
) -> QueryResult<Option<IntegrationRow>> {
    procurement_integrations::table
        .filter(procurement_integrations::id.eq(id))
        .filter(procurement_integrations::org_id.eq(org))
        .select(IntegrationRow::as_select())
        .first(conn)
        .optional()
}

/// An integration by id alone: the intake endpoint knows no organisation until it finds it.
pub fn find_integration_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<IntegrationRow>> {
    procurement_integrations::table
        .filter(procurement_integrations::id.eq(id))
        .select(IntegrationRow::as_select())
        .first(conn)
        .optional()
}

/// One page, newest first, one row more than `limit`.
pub fn list_integrations(
    conn: &mut DbConn,
    org: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<IntegrationRow>> {
    let mut query = procurement_integrations::table
        .filter(procurement_integrations::org_id.eq(org))
        .select(IntegrationRow::as_select())
        .order(procurement_integrations::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(procurement_integrations::id.lt(after.to_owned()));
    }
    query.load(conn)
}

pub fn update_integration(
    conn: &mut DbConn,
    row: &IntegrationRow,
    expected_version: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(
        procurement_integrations::table
            .filter(procurement_integrations::id.eq(&row.id))
            .filter(procurement_integrations::org_id.eq(&row.org_id))
            .filter(procurement_integrations::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn delete_integration(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<usize> {
    diesel::delete(inbound_messages::table.filter(inbound_messages::integration_id.eq(id)))
        .execute(conn)?;
    diesel::delete(
        procurement_integrations::table
            .filter(procurement_integrations::id.eq(id))
            .filter(procurement_integrations::org_id.eq(org)),
    )
    .execute(conn)
}

pub fn find_request(
    conn: &mut DbConn,
    integration_id: &str,
    external_id: &str,
) -> QueryResult<Option<RequestRow>> {
    procurement_requests::table
        .filter(procurement_requests::integration_id.eq(integration_id))
        .filter(procurement_requests::external_id.eq(external_id))
        .select(RequestRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_request(conn: &mut DbConn, row: &RequestRow) -> QueryResult<()> {
    diesel::insert_into(procurement_requests::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update_request(conn: &mut DbConn, row: &RequestRow) -> QueryResult<()> {
    diesel::update(procurement_requests::table.filter(procurement_requests::id.eq(&row.id)))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// The procurement requests that brought a vendor in, with their integrations.
pub fn requests_for_vendor(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> QueryResult<Vec<(RequestRow, IntegrationRow)>> {
    procurement_requests::table
        .inner_join(procurement_integrations::table)
        .filter(procurement_requests::org_id.eq(org))
        .filter(procurement_requests::vendor_id.eq(vendor_id))
        .select((RequestRow::as_select(), IntegrationRow::as_select()))
        .order(procurement_requests::id.asc())
        .load(conn)
}

pub fn find_inbound(
    conn: &mut DbConn,
    integration_id: &str,
    message_id: &str,
) -> QueryResult<Option<InboundRow>> {
    inbound_messages::table
        .filter(inbound_messages::integration_id.eq(integration_id))
        .filter(inbound_messages::message_id.eq(message_id))
        .select(InboundRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_inbound(conn: &mut DbConn, row: &InboundRow) -> QueryResult<()> {
    diesel::insert_into(inbound_messages::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}
