use diesel::prelude::*;

use super::schema::audit_events;
use super::DbConn;
use crate::domain::audit_chain::ChainedRecord;
use crate::domain::audit_log::AuditFilter;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub struct AuditRow {
    pub id: String,
    pub org_id: String,
    pub seq: i64,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    pub fn chained(&self) -> ChainedRecord<'_> {
        ChainedRecord {
            id: &self.id,
            org_id: &self.org_id,
            seq: self.seq,
            occurred_at: &self.occurred_at,
            actor: &self.actor,
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: &self.entity_id,
            before_state: self.before_state.as_deref(),
            after_state: self.after_state.as_deref(),
            reason: self.reason.as_deref(),
            request_id: self.request_id.as_deref(),
            prev_hash: &self.prev_hash,
        }
    }
}

/// Serialises appends per organisation so that two writers never extend the chain from the
/// same head. On SQLite the IMMEDIATE write transaction already does this.
pub fn lock_chain(conn: &mut DbConn, org: &str) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(org)
            .execute(pg)?;
    }
    Ok(())
}

/// The organisation's latest record: (seq, hash).
pub fn head(conn: &mut DbConn, org: &str) -> QueryResult<Option<(i64, String)>> {
    on_backend!(conn, c => audit_events::table
        .filter(audit_events::org_id.eq(org))
        .select((audit_events::seq, audit_events::hash))
        .order(audit_events::seq.desc())
        .first(c))
    .optional()
}

/// Appends records, in the order given.
pub fn insert_all(conn: &mut DbConn, rows: &[AuditRow]) -> QueryResult<()> {
    insert_rows!(conn, audit_events::table, rows)
}

/// One page, newest first; `before_seq` continues from the previous page.
pub fn list(
    conn: &mut DbConn,
    org: &str,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_events::table
        .filter(audit_events::org_id.eq(org))
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some(v) = &filter.entity_type {
        query = query.filter(audit_events::entity_type.eq(v.clone()));
    }
    if let Some(v) = &filter.entity_id {
        query = query.filter(audit_events::entity_id.eq(v.clone()));
    }
    if let Some(v) = &filter.action {
        query = query.filter(audit_events::action.eq(v.clone()));
    }
    if let Some(v) = &filter.actor {
        query = query.filter(audit_events::actor.eq(v.clone()));
    }
    if let Some(v) = &filter.since {
        query = query.filter(audit_events::occurred_at.ge(v.clone()));
    }
    if let Some(v) = &filter.until {
        query = query.filter(audit_events::occurred_at.lt(v.clone()));
    }
    if let Some(seq) = before_seq {
        query = query.filter(audit_events::seq.lt(seq));
    }
    query
        .order(audit_events::seq.desc())
        .limit(limit + 1)
        .load(conn)
}

/// Records in chain order, `batch` at a time, starting after `after_seq`.
pub fn chain_batch(
    conn: &mut DbConn,
    org: &str,
    after_seq: i64,
    batch: i64,
) -> QueryResult<Vec<AuditRow>> {
    audit_events::table
        .filter(audit_events::org_id.eq(org))
        .filter(audit_events::seq.gt(after_seq))
        .select(AuditRow::as_select())
        .order(audit_events::seq.asc())
        .limit(batch)
        .load(conn)
}
