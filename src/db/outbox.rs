use diesel::prelude::*;

use super::schema::outbox_events;
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox_events, treat_none_as_default_value = false)]
pub struct OutboxRow {
    pub id: String,
    pub org_id: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: String,
}

pub fn insert_all(conn: &mut DbConn, rows: &[OutboxRow]) -> QueryResult<()> {
    insert_rows!(conn, outbox_events::table, rows)
}
