use diesel::prelude::*;

use super::schema::outbox_events;
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox_events)]
pub struct OutboxRow {
    pub id: String,
    pub org_id: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: String,
}

pub fn insert(conn: &mut DbConn, row: &OutboxRow) -> QueryResult<()> {
    diesel::insert_into(outbox_events::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn list_for_org(conn: &mut DbConn, org: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox_events::table
        .filter(outbox_events::org_id.eq(org))
        .select(OutboxRow::as_select())
        .order(outbox_events::id.asc())
        .load(conn)
}
