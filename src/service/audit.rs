use serde::Serialize;
use utoipa::ToSchema;

use super::{read, ServiceError};
use crate::db::audit::AuditRow;
use crate::db::{self, Pool};
use crate::domain::audit_chain::ChainVerifier;
use crate::domain::audit_log::AuditFilter;
use crate::domain::Actor;

const VERIFY_BATCH: i64 = 1000;

/// One audit record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: String,
    /// Position in the organisation's chain, from 1.
    #[schema(example = 42)]
    pub seq: i64,
    #[schema(format = DateTime)]
    pub occurred_at: String,
    /// The token subject that made the change.
    #[schema(example = "alice@example.com")]
    pub actor: String,
    #[schema(example = "vendor.status_changed")]
    pub action: String,
    #[schema(example = "vendor")]
    pub entity_type: String,
    pub entity_id: String,
    /// The entity before the change (absent for creations).
    pub before: Option<serde_json::Value>,
    /// The entity after the change (absent for deletions).
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    /// Hash of the previous record (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over this record's content and `prev_hash`.
    pub hash: String,
}

impl AuditEvent {
    fn from_row(row: AuditRow) -> Self {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Self {
            id: row.id,
            seq: row.seq,
            occurred_at: row.occurred_at,
            actor: row.actor,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            before: parse(row.before_state),
            after: parse(row.after_state),
            reason: row.reason,
            request_id: row.request_id,
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

/// Where the chain first fails to verify.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BrokenLink {
    pub seq: i64,
    pub id: String,
    #[schema(example = "the record's content does not match its hash")]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChainVerification {
    /// True when every record's hash matches its content and links to the one before.
    pub valid: bool,
    #[schema(example = 1234)]
    pub records_checked: i64,
    /// Hash of the last record that verified.
    pub head_hash: String,
    pub first_broken: Option<BrokenLink>,
}

pub fn list(
    pool: &Pool,
    actor: &Actor,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<(Vec<AuditEvent>, Option<i64>), ServiceError> {
    read(pool, |conn| {
        let mut rows = db::audit::list(conn, &actor.org, filter, before_seq, limit)?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| r.seq)
        } else {
            None
        };
        Ok((rows.into_iter().map(AuditEvent::from_row).collect(), next))
    })
}

/// Recomputes every hash of the organisation's chain in order.
pub fn verify(pool: &Pool, actor: &Actor) -> Result<ChainVerification, ServiceError> {
    read(pool, |conn| {
        let mut verifier = ChainVerifier::default();
        let mut checked = 0;
        let mut after_seq = 0;
        loop {
            let batch = db::audit::chain_batch(conn, &actor.org, after_seq, VERIFY_BATCH)?;
            let Some(last) = batch.last() else { break };
            after_seq = last.seq;
            for row in &batch {
                if let Err(broken) = verifier.check(&row.chained(), &row.hash) {
                    return Ok(ChainVerification {
                        valid: false,
                        records_checked: checked,
                        head_hash: verifier.head_hash().to_owned(),
                        first_broken: Some(BrokenLink {
                            seq: row.seq,
                            id: row.id.clone(),
                            reason: broken.describe(),
                        }),
                    });
                }
                checked += 1;
            }
        }
        Ok(ChainVerification {
            valid: true,
            records_checked: checked,
            head_hash: verifier.head_hash().to_owned(),
            first_broken: None,
        })
    })
}
