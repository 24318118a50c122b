//! `/v1/audit-events`: the append-only, hash-chained record of every change.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{Auth, QueryParams};
use super::problem::{ApiError, CommonErrors};
use super::AppState;
use crate::domain::audit_log::AuditFilter;
use crate::domain::pagination::{self, Page};
use crate::domain::roles::access;
use crate::domain::time;
use crate::service::audit::{self as service, AuditEvent, ChainVerification};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/audit-events").route(web::get().to(list_audit_events)))
        .service(web::resource("/v1/audit-events/verify").route(web::get().to(verify_audit_chain)));
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAuditEventsQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
    /// e.g. `vendor`.
    #[validate(length(min = 1, max = 100))]
    pub entity_type: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub entity_id: Option<String>,
    /// e.g. `vendor.status_changed`.
    #[validate(length(min = 1, max = 100))]
    pub action: Option<String>,
    /// Token subject of whoever made the change.
    #[validate(length(min = 1, max = 200))]
    pub actor: Option<String>,
    /// Records at or after this time (RFC 3339).
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// Records before this time (RFC 3339).
    #[param(format = DateTime)]
    pub until: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventPage {
    pub data: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
}

fn parse_time(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    value
        .map(|v| {
            time::parse_rfc3339(&v).ok_or_else(|| {
                ApiError::field(
                    field,
                    "date_time",
                    "must be an RFC 3339 time such as 2026-11-24T09:30:00Z",
                )
            })
        })
        .transpose()
}

/// Audit records, newest first.
#[utoipa::path(
    get, path = "/v1/audit-events", tag = "audit",
    description = "Roles: admin, risk_manager, auditor.",
    params(ListAuditEventsQuery),
    responses((status = 200, description = "One page of audit records", body = AuditEventPage), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<ListAuditEventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_AUDIT)?;
    let q = query.0;
    let page =
        Page::parse(q.limit, q.cursor.as_deref()).map_err(|e| ApiError::validation(vec![e]))?;
    let before_seq = match page.after {
        Some(key) => Some(key.parse::<i64>().map_err(|_| {
            ApiError::field("cursor", "cursor", "is not a cursor this API returned")
        })?),
        None => None,
    };
    let filter = AuditFilter {
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        action: q.action,
        actor: q.actor,
        since: parse_time("since", q.since)?,
        until: parse_time("until", q.until)?,
    };
    let pool = state.pool.clone();
    let limit = page.limit;
    let (data, next) =
        web::block(move || service::list(&pool, &actor, &filter, before_seq, limit)).await??;
    Ok(HttpResponse::Ok().json(AuditEventPage {
        data,
        next_cursor: next.map(|seq| pagination::encode_cursor(&seq.to_string())),
    }))
}

/// Recompute the organisation's hash chain and report the first broken link, if any.
#[utoipa::path(
    get, path = "/v1/audit-events/verify", tag = "audit",
    description = "Roles: admin, risk_manager, auditor.",
    responses((status = 200, description = "The verification result", body = ChainVerification), CommonErrors),
    security(("bearer" = []))
)]
pub async fn verify_audit_chain(
    state: web::Data<AppState>,
    auth: Auth,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_AUDIT)?;
    let pool = state.pool.clone();
    let result = web::block(move || service::verify(&pool, &actor)).await??;
    Ok(HttpResponse::Ok().json(result))
}
