//! annexa: third-party and supplier AI risk under ISO/IEC 42001 Annex A, as a REST API.

pub mod api;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod integrations;
pub mod search;
pub mod server;
pub mod service;
pub mod storage;
pub mod telemetry;
pub mod webhooks;
