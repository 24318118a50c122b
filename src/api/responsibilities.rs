//! `/v1/vendors/{vendor_id}/responsibilities`: who holds each control in the supplier
//! relationship (ISO/IEC 42001 A.10.2).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::extract::{trimmed, Auth, JsonBody};
use super::problem::{ApiError, BodyErrors, CommonErrors, NotFoundError};
use super::AppState;
use crate::domain::contract::Party;
use crate::domain::roles::access;
use crate::service::contracts::{self as service, ResponsibilityEntry, ResponsibilityMatrix};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/vendors/{vendor_id}/responsibilities")
            .route(web::get().to(get_responsibilities))
            .route(web::put().to(set_responsibilities)),
    );
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponsibilityRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "iso42001:A.10.2", min_length = 1, max_length = 200)]
    pub control_id: String,
    pub party: Party,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
}

/// The whole matrix: controls left out have no decision.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"entries": [
    {"control_id": "iso42001:A.10.2", "party": "shared", "note": "Split per the DPA annex"},
    {"control_id": "iso42001:A.9.4", "party": "organisation"}
]}))]
pub struct SetResponsibilitiesRequest {
    #[validate(length(max = 500), nested)]
    #[schema(max_items = 500)]
    pub entries: Vec<ResponsibilityRequest>,
}

/// The responsibility matrix.
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}/responsibilities", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Every control the vendor must evidence (`required: true`), with the party that holds it when decided, then controls decided earlier that are no longer required.",
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses((status = 200, description = "The matrix", body = ResponsibilityMatrix), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_responsibilities(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let matrix = web::block(move || service::responsibilities(&pool, &actor, &vendor_id)).await??;
    Ok(HttpResponse::Ok().json(matrix))
}

/// Replace the responsibility matrix.
#[utoipa::path(
    put, path = "/v1/vendors/{vendor_id}/responsibilities", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement. Replaces every decision for the vendor. A control held by the `organisation` counts as covered; `supplier` and `shared` controls need evidence. Unknown controls and duplicates are 422 on `entries[i].control_id`. Coverage and risk are recomputed in the same transaction.",
    request_body = SetResponsibilitiesRequest,
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses((status = 200, description = "The new matrix", body = ResponsibilityMatrix), NotFoundError, CommonErrors, BodyErrors),
    security(("bearer" = []))
)]
pub async fn set_responsibilities(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<SetResponsibilitiesRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let entries = body
        .value
        .entries
        .into_iter()
        .map(|e| ResponsibilityEntry {
            control_id: e.control_id.trim().to_owned(),
            party: e.party,
            note: trimmed(e.note),
        })
        .collect();
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let matrix =
        web::block(move || service::set_responsibilities(&pool, &actor, &vendor_id, entries))
            .await??;
    Ok(HttpResponse::Ok().json(matrix))
}
