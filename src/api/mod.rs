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

use crate::db::Pool;

pub struct AppState {
    pub pool: Pool,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    pub evidence: crate::storage::EvidenceStore,
    pub webhooks: crate::config::WebhookSettings,
    /// Outbound client for connector calls made during a request (guarded like deliveries).
    pub outbound: crate::webhooks::guard::GuardedClient,
    /// Search indexes of the answer libraries, rebuilt when a library changes.
    pub answers: std::sync::Arc<crate::search::LibraryIndexes>,
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
