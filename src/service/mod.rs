//! Use cases: one function per command, one transaction per command (the change, its audit
//! record and its outbox event commit together or not at all). On SQLite commands queued
//! together share one transaction (`db::group_commit`), and a command runs again when another
//! one of its group fails after writing, so what a command does outside the database must bear
//! repeating (an evidence file is put under its id, the same bytes again).

pub mod ai_services;
pub mod answer_library;
pub mod assessments;
pub mod audit;
pub mod catalog;
pub mod contacts;
pub mod contracts;
pub mod customer_questionnaires;
pub mod evidence;
pub mod findings;
pub mod health;
mod journal;
pub mod procurement;
pub mod questionnaires;
pub mod risk;
pub mod seed;
pub mod subprocessors;
pub mod tickets;
pub mod vendors;
pub mod webhooks;

use crate::db::{self, DbConn, Pool};
use crate::domain::{Actor, FieldError};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    #[error("the request is not valid")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    /// A credential the database no longer honours (a revoked or expired vendor link).
    #[error("{0}")]
    Unauthorized(String),
    #[error("cannot move from {from} to {to}")]
    IllegalTransition {
        from: String,
        to: String,
        allowed: Vec<String>,
    },
    #[error("the resource has changed since version {expected}; it is now at version {current}")]
    PreconditionFailed { expected: i64, current: i64 },
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error(transparent)]
    Pool(#[from] r2d2::Error),
    #[error("{0}")]
    Internal(String),
}

impl ServiceError {
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        ServiceError::Validation(vec![FieldError::new(field, code, message)])
    }
}

impl db::group_commit::CommandFailure for ServiceError {
    fn may_have_ended_the_transaction(&self) -> bool {
        match self {
            ServiceError::Database(error) => {
                db::group_commit::diesel_error_may_end_the_transaction(error)
            }
            ServiceError::Pool(_) | ServiceError::Internal(_) => true,
            ServiceError::NotFound { .. }
            | ServiceError::Validation(_)
            | ServiceError::Conflict(_)
            | ServiceError::Unauthorized(_)
            | ServiceError::IllegalTransition { .. }
            | ServiceError::PreconditionFailed { .. } => false,
        }
    }
}

impl From<crate::storage::StorageError> for ServiceError {
    fn from(e: crate::storage::StorageError) -> Self {
        ServiceError::Internal(e.to_string())
    }
}

impl From<tantivy::TantivyError> for ServiceError {
    fn from(e: tantivy::TantivyError) -> Self {
        ServiceError::Internal(format!("search index: {e}"))
    }
}

impl From<serde_json::Error> for ServiceError {
    fn from(e: serde_json::Error) -> Self {
        ServiceError::Internal(format!("serialisation failed: {e}"))
    }
}

fn connection(pool: &Pool) -> Result<db::PooledConn, ServiceError> {
    Ok(pool.get()?)
}

/// Times a write that PostgreSQL rolled back as a deadlock victim is run again.
const WRITE_RETRIES: usize = 3;

/// Runs a write command; a unique-key race lost to a concurrent writer is retried once, when
/// the command's own checks can answer it properly, and a deadlock victim up to three times.
fn write<T>(
    pool: &Pool,
    mut command: impl FnMut(&mut DbConn) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let mut result = db::write(pool, &mut command);
    // A deadlock victim (the dispatcher recording deliveries while an endpoint is deleted, say)
    // was rolled back whole; it runs again, a few times at most.
    for _ in 0..WRITE_RETRIES {
        match &result {
            Err(ServiceError::Database(e)) if db::is_retryable(e) => {
                result = db::write(pool, &mut command);
            }
            _ => break,
        }
    }
    let result = match result {
        Err(ServiceError::Database(e)) if db::is_unique_violation(&e) => {
            db::write(pool, &mut command)
        }
        other => other,
    };
    // Records that others still refer to (an assessed vendor, say) are kept: they are evidence.
    match result {
        Err(ServiceError::Database(e)) if db::is_foreign_key_violation(&e) => {
            Err(ServiceError::Conflict(
                "other records still refer to this one (assessments, for example); it is kept"
                    .into(),
            ))
        }
        other => other,
    }
}

fn read<T>(
    pool: &Pool,
    query: impl FnOnce(&mut DbConn) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    db::read_transaction(&mut *connection(pool)?, query)
}

/// A stored enum value read back; an unknown one means the database holds what annexa never
/// wrote, a fault rather than bad input.
fn stored_enum<T: serde::de::DeserializeOwned>(
    column: &str,
    text: &str,
) -> Result<T, ServiceError> {
    crate::domain::ai_service::enum_from_text(text)
        .ok_or_else(|| ServiceError::Internal(format!("stored {column} '{text}' is unknown")))
}

/// A stored JSON column read back; one that does not parse is a fault, not bad input.
fn stored<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T, ServiceError> {
    serde_json::from_str(text)
        .map_err(|e| ServiceError::Internal(format!("stored {column} is not valid: {e}")))
}

/// The identity annexa acts under when it changes something on its own.
fn system_actor(org: &str) -> Actor {
    Actor {
        org: org.to_owned(),
        subject: "annexa".into(),
        roles: Vec::new(),
        request_id: None,
    }
}

/// `If-Match` check: a stale version changes nothing.
fn check_version(expected: Option<i64>, current: i64) -> Result<(), ServiceError> {
    match expected {
        Some(expected) if expected != current => {
            Err(ServiceError::PreconditionFailed { expected, current })
        }
        _ => Ok(()),
    }
}
