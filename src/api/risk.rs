//! Coverage, risk scores, the risk model and the portfolio view.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{Auth, JsonBody, QueryParams};
use super::problem::{ApiError, BodyErrors, CommonErrors, NotFoundError};
use super::AppState;
use crate::domain::contract::parse_window;
use crate::domain::pagination::Page;
use crate::domain::risk::RiskModelConfig;
use crate::domain::roles::access;
use crate::service::risk::{
    self as service, Portfolio, RecomputeSummary, RiskModel, RiskScore, VendorCoverage,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/vendors/{vendor_id}/coverage").route(web::get().to(get_coverage)),
    )
    .service(web::resource("/v1/vendors/{vendor_id}/risk").route(web::get().to(get_risk)))
    .service(
        web::resource("/v1/vendors/{vendor_id}/risk/history").route(web::get().to(risk_history)),
    )
    .service(
        web::resource("/v1/risk-model")
            .route(web::get().to(get_model))
            .route(web::put().to(set_model)),
    )
    .service(web::resource("/v1/risk-model/versions").route(web::get().to(model_versions)))
    .service(web::resource("/v1/risk/recompute").route(web::post().to(recompute)))
    .service(web::resource("/v1/risk/portfolio").route(web::get().to(portfolio)));
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskHistoryPage {
    /// Newest first.
    pub data: Vec<RiskScore>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskModelVersions {
    /// Newest first; the built-in model (version 0) last.
    pub data: Vec<RiskModel>,
}

/// A saved model and the rescoring it caused.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskModelSaved {
    pub model: RiskModel,
    pub recompute: RecomputeSummary,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PortfolioQuery {
    /// Window for expiring contracts: `30d` (default) or a number of days, 1 to 3650.
    #[param(example = "30d")]
    #[validate(length(min = 1, max = 8))]
    pub expiring_within: Option<String>,
}

/// A vendor's coverage: required controls × evidence → verdict.
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}/coverage", tag = "risk",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. For every control the vendor must evidence (its tier's profile plus what its AI services and use cases call for): the evidence weighed — the latest completed assessment's result, clauses of active contracts, accepted evidence files, the responsibility matrix — and the verdict `covered`, `partial` or `gap` with its reason. The rules are in docs/risk.md.",
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses((status = 200, description = "The coverage", body = VendorCoverage), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_coverage(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let coverage = web::block(move || service::coverage(&pool, &actor, &vendor_id)).await??;
    Ok(HttpResponse::Ok().json(coverage))
}

/// A vendor's risk score and why it is what it is.
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}/risk", tag = "risk",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. The score in force: inherent risk (each factor's contribution with the reason), residual risk after coverage, the tier and the thresholds that placed it there, the model version, and what caused the computation.",
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses((status = 200, description = "The score", body = RiskScore), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_risk(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let vendor_id = path.into_inner();
    let (reader, id) = (actor.clone(), vendor_id.clone());
    let score = match state
        .short_read(move |conn| service::stored_vendor_risk(conn, &reader, &id))
        .await?
    {
        Some(score) => score,
        None => {
            let pool = state.pool.clone();
            web::block(move || service::score_first(&pool, &actor, &vendor_id)).await??
        }
    };
    Ok(HttpResponse::Ok().json(score))
}

/// How a vendor's score moved.
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}/risk/history", tag = "risk",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Every distinct computation, newest first, each with its explanation and cause; a recomputation that changes nothing is not stored again.",
    params(("vendor_id" = String, Path, description = "Vendor id"), HistoryQuery),
    responses((status = 200, description = "One page of the history", body = RiskHistoryPage), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn risk_history(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    query: QueryParams<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let page = Page::parse(query.0.limit, query.0.cursor.as_deref())
        .map_err(|e| ApiError::validation(vec![e]))?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let (data, next_cursor) =
        web::block(move || service::history(&pool, &actor, &vendor_id, &page)).await??;
    Ok(HttpResponse::Ok().json(RiskHistoryPage { data, next_cursor }))
}

/// The risk model in force.
#[utoipa::path(
    get, path = "/v1/risk-model", tag = "risk",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Factor weights, tier thresholds, the most coverage can take off, and the reassessment cadence per tier. Version 0 is the built-in model.",
    responses((status = 200, description = "The model", body = RiskModel), CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_model(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let model = web::block(move || service::model(&pool, &actor)).await??;
    Ok(HttpResponse::Ok().json(model))
}

/// Every version of the risk model.
#[utoipa::path(
    get, path = "/v1/risk-model/versions", tag = "risk",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    responses((status = 200, description = "The versions", body = RiskModelVersions), CommonErrors),
    security(("bearer" = []))
)]
pub async fn model_versions(
    state: web::Data<AppState>,
    auth: Auth,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let data = web::block(move || service::model_versions(&pool, &actor)).await??;
    Ok(HttpResponse::Ok().json(RiskModelVersions { data }))
}

/// Save a new version of the risk model and rescore every vendor with it.
#[utoipa::path(
    put, path = "/v1/risk-model", tag = "risk",
    description = "Roles: admin, risk_manager. Weights 0 to 10 (not all 0); thresholds above 0, at most 100 and strictly increasing (medium < high < critical); `max_mitigation` 0 to 1; cadence 1 to 120 months. Anything else is 422 naming the field. The new version and the rescoring of the whole portfolio commit together.",
    request_body = RiskModelConfig,
    responses((status = 200, description = "The new version and what the rescoring did", body = RiskModelSaved), CommonErrors, BodyErrors),
    security(("bearer" = []))
)]
pub async fn set_model(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<RiskModelConfig>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_RISK_MODEL)?;
    let config = body.value;
    let pool = state.pool.clone();
    let (model, recompute) =
        web::block(move || service::set_model(&pool, &actor, config)).await??;
    Ok(HttpResponse::Ok().json(RiskModelSaved { model, recompute }))
}

/// Recompute every vendor's coverage, score and gap findings.
#[utoipa::path(
    post, path = "/v1/risk/recompute", tag = "risk",
    description = "Roles: admin, risk_manager. In one transaction; vendors whose result is unchanged get no new history entry.",
    responses((status = 200, description = "What was recomputed", body = RecomputeSummary), CommonErrors),
    security(("bearer" = []))
)]
pub async fn recompute(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_RISK_MODEL)?;
    let pool = state.pool.clone();
    let summary = web::block(move || service::recompute_all(&pool, &actor)).await??;
    Ok(HttpResponse::Ok().json(summary))
}

/// The supplier portfolio for a management review.
#[utoipa::path(
    get, path = "/v1/risk/portfolio", tag = "risk",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Vendors by risk tier and by status, the ten highest residual risks, vendors due for reassessment, overdue assessments, contracts reaching a notice or end date within the window, vendors left with only expired contracts, and open findings by severity.",
    params(PortfolioQuery),
    responses((status = 200, description = "The portfolio", body = Portfolio), CommonErrors),
    security(("bearer" = []))
)]
pub async fn portfolio(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<PortfolioQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let within = match query.0.expiring_within.as_deref() {
        Some(w) => parse_window("expiring_within", w).map_err(|e| ApiError::validation(vec![e]))?,
        None => 30,
    };
    let pool = state.pool.clone();
    let portfolio = web::block(move || service::portfolio(&pool, &actor, within)).await??;
    Ok(HttpResponse::Ok().json(portfolio))
}

/// The model's ranges and ordering are domain rules (`RiskModelConfig::check`), applied by the
/// service so that every field is named in one 422.
impl Validate for RiskModelConfig {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}
