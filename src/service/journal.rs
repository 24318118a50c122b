//! What every mutation writes besides the change itself: a hash-chained audit record and an
//! outbox event, in the same transaction.

use serde::Serialize;
use serde_json::Value;

use crate::db::audit::AuditRow;
use crate::db::outbox::OutboxRow;
use crate::db::{self, DbConn};
use crate::domain::audit_chain::GENESIS_HASH;
use crate::domain::finding::Severity;
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

/// An endpoint subscribed to events: its id and the event types it names.
pub(super) type Subscription = (String, Vec<String>);

/// An integration that opens tickets by itself: its id and the lowest severity it pushes.
pub(super) type AutoPush = (String, Option<Severity>);

/// Who hears of the events and findings a transaction writes: an organisation's enabled
/// webhook endpoints and its ticketing integrations. Each is read on first use and kept for the
/// rest of the transaction, so that a transaction writing thousands of events (a portfolio's
/// first scoring) reads them once rather than once an event. No transaction that holds one
/// changes endpoints or integrations; asked about another organisation, it reads again.
#[derive(Default)]
pub struct Recipients {
    org: String,
    subscriptions: Option<Vec<Subscription>>,
    auto_pushes: Option<Vec<AutoPush>>,
}

impl Recipients {
    fn of(&mut self, org: &str) -> &mut Self {
        if self.org != org {
            *self = Self {
                org: org.to_owned(),
                ..Self::default()
            };
        }
        self
    }

    pub(super) fn subscriptions(
        &mut self,
        conn: &mut DbConn,
        org: &str,
    ) -> Result<&[Subscription], ServiceError> {
        let this = self.of(org);
        if this.subscriptions.is_none() {
            this.subscriptions = Some(super::webhooks::subscriptions(conn, org)?);
        }
        Ok(this.subscriptions.as_deref().unwrap_or_default())
    }

    pub(super) fn auto_pushes(
        &mut self,
        conn: &mut DbConn,
        org: &str,
    ) -> Result<&[AutoPush], ServiceError> {
        let this = self.of(org);
        if this.auto_pushes.is_none() {
            this.auto_pushes = Some(super::tickets::auto_pushes(conn, org)?);
        }
        Ok(this.auto_pushes.as_deref().unwrap_or_default())
    }
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
    emit_to(conn, &mut Recipients::default(), org, event_type, data)
}

/// [`emit`], with the subscriptions read once for the transaction.
pub fn emit_to(
    conn: &mut DbConn,
    recipients: &mut Recipients,
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
    let subscriptions = recipients.subscriptions(conn, org)?;
    super::webhooks::fan_out(conn, subscriptions, org, &id, event_type, &now)
}
