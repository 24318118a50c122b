//! Pure rules: no HTTP, no SQL. Everything here is unit-tested directly.

pub mod ai_bom;
pub mod ai_bom_import;
pub mod ai_service;
pub mod answer_library;
pub mod assessment;
pub mod audit_chain;
pub mod audit_log;
pub mod catalog;
pub mod contract;
pub mod coverage;
pub mod customer_questionnaire;
pub mod events;
pub mod evidence;
pub mod finding;
pub mod oscal;
pub mod pagination;
pub mod procurement;
pub mod questionnaire;
pub mod questionnaire_sheet;
pub mod requirements;
pub mod risk;
pub mod roles;
pub mod spreadsheet;
pub mod subprocessor_graph;
pub mod ticketing;
pub mod time;
pub mod vendor;
pub mod webhook;
pub mod webhook_endpoint;

use serde::Serialize;

/// One thing wrong with one field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Path of the field in the request, e.g. `legal_name` or `external_ids[1].source`.
    #[schema(example = "legal_name")]
    pub field: String,
    /// Machine-readable reason.
    #[schema(example = "length")]
    pub code: String,
    #[schema(example = "must be between 1 and 300 characters")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// Who is acting: taken from a verified token.
#[derive(Debug, Clone)]
pub struct Actor {
    pub org: String,
    pub subject: String,
    pub roles: Vec<roles::Role>,
    pub request_id: Option<String>,
}
