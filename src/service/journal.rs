//! What every mutation writes besides the change itself: a hash-chained audit record and an
//! outbox event, in the same transaction.

use serde::Serialize;
use serde_json::Value;

use crate::db::audit::AuditRow;
use crate::db::findings::FindingRow;
use crate::db::outbox::OutboxRow;
use crate::db::risk::{RiskScoreRow, VendorRiskRow};
use crate::db::webhooks::DeliveryRow;
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
    /// The entity as JSON text before and after the change.
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<&'a str>,
}

/// An entity as JSON text, for [`Change::before`] and [`Change::after`].
pub fn snapshot<T: Serialize>(value: &T) -> Result<Option<String>, ServiceError> {
    Ok(Some(serde_json::to_string(value)?))
}

/// Appends one audit record for the change.
pub fn audit(conn: &mut DbConn, actor: &Actor, change: Change<'_>) -> Result<(), ServiceError> {
    buffered(conn, |conn, journal| journal.audit(conn, actor, change))
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
struct Recipients {
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

    fn subscriptions(
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

    fn auto_pushes(&mut self, conn: &mut DbConn, org: &str) -> Result<&[AutoPush], ServiceError> {
        let this = self.of(org);
        if this.auto_pushes.is_none() {
            this.auto_pushes = Some(super::tickets::auto_pushes(conn, org)?);
        }
        Ok(this.auto_pushes.as_deref().unwrap_or_default())
    }
}

/// Writes a domain event to the outbox and queues it for every webhook endpoint subscribed
/// to it.
pub fn emit(
    conn: &mut DbConn,
    org: &str,
    event_type: &str,
    data: Value,
) -> Result<(), ServiceError> {
    buffered(conn, |conn, journal| {
        journal.emit(conn, org, event_type, &data)
    })
}

/// Runs `work` with a [`Journal`] and stores what it recorded once `work` succeeds. The only
/// way to get a journal: none is dropped with records it has not stored.
pub fn buffered<T>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn, &mut Journal) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let mut journal = Journal::default();
    let value = work(conn, &mut journal)?;
    journal.store(conn)?;
    Ok(value)
}

/// The audit records, outbox events and deliveries a transaction has recorded and not yet
/// stored, with the findings it raised and the scores it computed. A transaction that records
/// thousands (a portfolio's first scoring) stores them a few statements per table, several rows
/// each, instead of four statements a finding and two a score, and reads the organisation's
/// chain head once instead of once a record. A raised finding or a new score is not in the
/// database until then: nothing in the transaction reads it back, and what would (a ticket
/// about the finding, whose row refers to it; a procurement decision carrying the score in
/// force) stores the journal first.
///
/// The chain head is kept only while records wait: no other audit record may be appended in
/// the transaction between recording and storing (a second writer of the chain would take the
/// same sequence number, which the database refuses).
#[derive(Default)]
pub struct Journal {
    recipients: Recipients,
    /// The organisation whose chain lock the transaction holds.
    locked: Option<String>,
    /// The organisation's chain as it stands after the waiting records: (org, seq, hash).
    head: Option<(String, i64, String)>,
    findings: Vec<FindingRow>,
    scores: Vec<RiskScoreRow>,
    scores_in_force: Vec<VendorRiskRow>,
    audit: Vec<AuditRow>,
    outbox: Vec<OutboxRow>,
    deliveries: Vec<DeliveryRow>,
}

impl Journal {
    /// Takes the organisation's chain lock once per transaction. Event ids are taken under it,
    /// so that within an organisation their order is the order in which their transactions
    /// commit, and so are audit sequence numbers.
    fn lock(&mut self, conn: &mut DbConn, org: &str) -> Result<(), ServiceError> {
        if self.locked.as_deref() != Some(org) {
            db::audit::lock_chain(conn, org)?;
            self.locked = Some(org.to_owned());
        }
        Ok(())
    }

    /// Records an audit record of the change, chained to the one before it.
    pub fn audit(
        &mut self,
        conn: &mut DbConn,
        actor: &Actor,
        change: Change<'_>,
    ) -> Result<(), ServiceError> {
        let org = actor.org.as_str();
        if self.head.as_ref().is_some_and(|(o, _, _)| o != org) {
            self.store(conn)?;
        }
        self.lock(conn, org)?;
        let (prev_seq, prev_hash) = match self.head.take() {
            Some((_, seq, hash)) => (seq, hash),
            None => db::audit::head(conn, org)?.unwrap_or((0, GENESIS_HASH.to_owned())),
        };
        let mut row = AuditRow {
            id: db::new_id(),
            org_id: org.to_owned(),
            seq: prev_seq + 1,
            occurred_at: time::now(),
            actor: actor.subject.clone(),
            action: change.action.to_owned(),
            entity_type: change.entity_type.to_owned(),
            entity_id: change.entity_id.to_owned(),
            before_state: change.before,
            after_state: change.after,
            reason: change.reason.map(str::to_owned),
            request_id: actor.request_id.clone(),
            prev_hash,
            hash: String::new(),
        };
        row.hash = row.chained().hash();
        self.head = Some((org.to_owned(), row.seq, row.hash.clone()));
        self.audit.push(row);
        Ok(())
    }

    /// Records a domain event for the outbox, queued for every webhook endpoint subscribed to
    /// it.
    pub fn emit(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        event_type: &str,
        data: &Value,
    ) -> Result<(), ServiceError> {
        self.emit_text(conn, org, event_type, data.to_string())
    }

    /// [`Journal::emit`] with the event's data already written as JSON text.
    pub fn emit_text(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        event_type: &str,
        payload: String,
    ) -> Result<(), ServiceError> {
        debug_assert!(
            crate::domain::events::find(event_type).is_some(),
            "{event_type} is missing from the event catalog"
        );
        self.lock(conn, org)?;
        let id = db::new_id();
        let now = time::now();
        let subscriptions = self.recipients.subscriptions(conn, org)?;
        self.deliveries.extend(super::webhooks::deliveries_of(
            subscriptions,
            org,
            &id,
            event_type,
            &now,
        ));
        self.outbox.push(OutboxRow {
            id,
            org_id: org.to_owned(),
            event_type: event_type.to_owned(),
            payload,
            created_at: now,
        });
        Ok(())
    }

    pub(super) fn auto_pushes(
        &mut self,
        conn: &mut DbConn,
        org: &str,
    ) -> Result<&[AutoPush], ServiceError> {
        self.recipients.auto_pushes(conn, org)
    }

    /// A new finding, stored with the records.
    pub(super) fn insert_finding(&mut self, row: FindingRow) {
        self.findings.push(row);
    }

    /// A vendor's new score and the row that puts it in force: at most one a vendor before the
    /// journal is stored (a rescore scores each vendor once).
    pub(super) fn set_score(&mut self, score: RiskScoreRow, in_force: VendorRiskRow) {
        self.scores.push(score);
        self.scores_in_force.push(in_force);
    }

    /// Stores what waits: scores before the rows that put them in force, events before their
    /// deliveries (each refers to the other).
    pub fn store(&mut self, conn: &mut DbConn) -> Result<(), ServiceError> {
        db::findings::insert_all(conn, &self.findings)?;
        db::risk::insert_scores(conn, &self.scores)?;
        db::risk::set_vendor_risks(conn, &self.scores_in_force)?;
        db::audit::insert_all(conn, &self.audit)?;
        db::outbox::insert_all(conn, &self.outbox)?;
        db::webhooks::insert_deliveries(conn, &self.deliveries)?;
        self.findings.clear();
        self.scores.clear();
        self.scores_in_force.clear();
        self.audit.clear();
        self.outbox.clear();
        self.deliveries.clear();
        self.head = None;
        Ok(())
    }
}
