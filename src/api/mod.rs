//! HTTP only: routes, request and response types, extractors, problem+json errors.

pub mod ai_services;
pub mod answer_library;
pub mod assessments;
pub mod audit;
pub mod catalog;
pub mod contacts;
pub mod contracts;
pub mod customer_questionnaires;
pub mod evidence;
pub mod extract;
pub mod findings;
pub mod health;
pub mod openapi;
pub mod problem;
pub mod procurement;
pub mod questionnaires;
pub mod responsibilities;
pub mod risk;
pub mod subprocessors;
pub mod ticketing;
pub mod vendors;
pub mod webhooks;

use actix_web::web;

use crate::api::problem::ApiError;
use crate::db::{DbConn, Pool};
use crate::service::ServiceError;

pub struct AppState {
    pub pool: Pool,
    /// SQLite only: read-only connections for `short_read` on the worker threads.
    pub worker_readers: Option<Pool>,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    pub evidence: crate::storage::EvidenceStore,
    pub webhooks: crate::config::WebhookSettings,
    /// Outbound client for connector calls made during a request (guarded like deliveries).
    pub outbound: crate::webhooks::guard::GuardedClient,
    /// Search indexes of the answer libraries, rebuilt when a library changes.
    pub answers: std::sync::Arc<crate::service::answer_library::AnswerIndexes>,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    health::routes(cfg);
    openapi::routes(cfg);
    vendors::routes(cfg);
    contacts::routes(cfg);
    subprocessors::routes(cfg);
    ai_services::routes(cfg);
    audit::routes(cfg);
    catalog::routes(cfg);
    questionnaires::routes(cfg);
    assessments::routes(cfg);
    evidence::routes(cfg);
    contracts::routes(cfg);
    responsibilities::routes(cfg);
    risk::routes(cfg);
    findings::routes(cfg);
    webhooks::routes(cfg);
    procurement::routes(cfg);
    ticketing::routes(cfg);
    answer_library::routes(cfg);
    customer_questionnaires::routes(cfg);
}

impl AppState {
    /// Runs a read of a few rows. On SQLite it runs on this worker thread when a worker reader
    /// is idle: handing a point read to the blocking pool and back (two thread wake-ups) cost
    /// more CPU than the read itself, and a WAL reader never waits for a writer. On PostgreSQL,
    /// or when no reader is idle, it runs on the blocking pool like every other command.
    pub async fn short_read<T, F>(&self, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ServiceError> + Send + 'static,
    {
        if let Some(mut conn) = self.worker_readers.as_ref().and_then(Pool::try_get) {
            return Ok(read(&mut conn)?);
        }
        let pool = self.pool.clone();
        Ok(web::block(move || read(&mut *pool.get()?)).await??)
    }
}
