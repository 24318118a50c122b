//! `/v1/vendors/{vendor_id}/subprocessors`: the vendors a vendor relies on (fourth parties).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::extract::{trimmed, Auth, JsonBody};
use super::problem::{ApiError, BodyErrors, CommonErrors, NotFoundError, Problem};
use super::AppState;
use crate::domain::roles::access;
use crate::domain::vendor::SubprocessorLink;
use crate::service::subprocessors as service;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/vendors/{vendor_id}/subprocessors")
            .route(web::get().to(list_subprocessors))
            .route(web::post().to(add_subprocessor)),
    )
    .service(
        web::resource("/v1/vendors/{vendor_id}/subprocessors/{subprocessor_id}")
            .route(web::delete().to(remove_subprocessor)),
    );
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"subprocessor_id": "01936b30-0000-7000-8000-000000000001", "service_description": "model hosting"}))]
pub struct AddSubprocessorRequest {
    /// Id of another vendor of the organisation.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub subprocessor_id: String,
    /// What the subprocessor does for the vendor.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub service_description: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubprocessorList {
    pub data: Vec<SubprocessorLink>,
}

/// A vendor's subprocessors.
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}/subprocessors", tag = "vendor subprocessors",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses(
        (status = 200, description = "The vendor's subprocessors", body = SubprocessorList),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn list_subprocessors(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let data = web::block(move || service::list(&pool, &actor, &vendor_id)).await??;
    Ok(HttpResponse::Ok().json(SubprocessorList { data }))
}

/// Link a subprocessor. Links that would form a cycle are refused.
#[utoipa::path(
    post, path = "/v1/vendors/{vendor_id}/subprocessors", tag = "vendor subprocessors",
    description = "Roles: admin, risk_manager, procurement.",
    request_body = AddSubprocessorRequest,
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses(
        (status = 201, description = "Linked", body = SubprocessorLink),
        (status = 409, description = "Already linked, or the link would form a cycle", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn add_subprocessor(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<AddSubprocessorRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let request = body.value;
    let description = trimmed(request.service_description);
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let link = web::block(move || {
        service::add(
            &pool,
            &actor,
            &vendor_id,
            request.subprocessor_id.trim(),
            description,
        )
    })
    .await??;
    Ok(HttpResponse::Created().json(link))
}

/// Unlink a subprocessor.
#[utoipa::path(
    delete, path = "/v1/vendors/{vendor_id}/subprocessors/{subprocessor_id}", tag = "vendor subprocessors",
    description = "Roles: admin, risk_manager, procurement.",
    params(("vendor_id" = String, Path, description = "Vendor id"), ("subprocessor_id" = String, Path, description = "The linked vendor's id")),
    responses(
        (status = 204, description = "Unlinked"),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn remove_subprocessor(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let pool = state.pool.clone();
    let (vendor_id, subprocessor_id) = path.into_inner();
    web::block(move || service::remove(&pool, &actor, &vendor_id, &subprocessor_id)).await??;
    Ok(HttpResponse::NoContent().finish())
}
