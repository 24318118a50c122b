//! What every mutation writes besides the change itself: a hash-chained audit record and an
//! outbox event, in the same transaction.

use serde::Serialize;
use serde_json::Value;

use crate::db::audit::AuditRow;
use crate::db::outbox::OutboxRow;
use crate::db::{self, DbConn};
use crate::domain::audit_chain::GENESIS_HASH;
use crate::domain::time;
use crate::domain::Actor;

use super::ServiceError;

pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<&'a str>,
}

pub fn snapshot<T: Serialize>(value: &T) -> Result<Option<Value>, ServiceError> {
    Ok(Some(serde_json::to_value(value)?))
}

pub fn audit(conn: &mut DbConn, actor: &Actor, change: Change<'_>) -> Result<(), ServiceError> {
    db::audit::lock_chain(conn, &actor.org)?;
    let (prev_seq, prev_hash) =
        db::audit::head(conn, &actor.org)?.unwrap_or((0, GENESIS_HASH.to_owned()));
    let mut row = AuditRow {
        id: db::new_id(),
        org_id: actor.org.clone(),
        seq: prev_seq + 1,
        occurred_at: time::now(),
        actor: actor.subject.clone(),
        action: change.action.to_owned(),
        entity_type: change.entity_type.to_owned(),
        entity_id: change.entity_id.to_owned(),
        before_state: change.before.map(|v| v.to_string()),
        after_state: change.after.map(|v| v.to_string()),
        reason: change.reason.map(str::to_owned),
        request_id: actor.request_id.clone(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row.chained().hash();
    db::audit::insert(conn, &row)?;
    Ok(())
}

/// Writes a domain event to the outbox and queues it for every webhook endpoint subscribed
/// to it. Event ids are taken under the organisation's chain lock, so that within an
/// organisation their order is the order in which their transactions commit.
pub fn emit(
    conn: &mut DbConn,
    org: &str,
    event_type: &str,
    data: Value,
) -> Result<(), ServiceError> {
    debug_assert!(
        crate::domain::events::find(event_type).is_some(),
        "{event_type} is missing from the event catalog"
    );
    db::audit::lock_chain(conn, org)?;
    let id = db::new_id();
    let now = time::now();
    db::outbox::insert(
        conn,
        &OutboxRow {
            id: id.clone(),
            org_id: org.to_owned(),
            event_type: event_type.to_owned(),
            payload: data.to_string(),
            created_at: now.clone(),
        },
    )?;
    super::webhooks::fan_out(conn, org, &id, event_type, &now)
}
