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

pub fn insert(conn: &mut DbConn, row: &OutboxRow) -> QueryResult<()> {
    on_backend!(conn, c => diesel::insert_into(outbox_events::table)
        .values(row)
        .execute(c))?;
    Ok(())
}
