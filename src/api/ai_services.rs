//! `/v1/ai-services`: what each vendor provides (the LLM/API supplier inventory), where the
//! organisation uses it, and how it changed.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{trimmed, Auth, IfMatch, JsonBody, MergePatch, QueryParams};
use super::problem::{
    ApiError, BodyErrors, CommonErrors, NotFoundError, Problem, StaleVersionError,
};
use super::vendors::etag;
use super::AppState;
use crate::domain::ai_service::{
    self as rules, AffectedGroup, AiService, AiServiceChange, AiServiceFields, AiServiceFilter,
    AiServiceKind, Autonomy, DataCategory, DecisionImpact, DocumentLink, EuAiActRiskClass,
    EuAiActRole, TrainingUse, UseCase, UseCaseFields,
};
use crate::domain::pagination::Page;
use crate::domain::roles::access;
use crate::domain::vendor::{collect, dedup};
use crate::domain::FieldError;
use crate::service::ai_services as service;

/// Fields a client may not set: the server owns them.
const SERVICE_READ_ONLY: [&str; 5] = ["id", "vendor_id", "version", "created_at", "updated_at"];
const USE_CASE_READ_ONLY: [&str; 4] = ["id", "ai_service_id", "created_at", "updated_at"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/vendors/{vendor_id}/ai-services")
            .route(web::get().to(list_vendor_ai_services))
            .route(web::post().to(create_ai_service)),
    )
    .service(
        web::resource("/v1/vendors/{vendor_id}/ai-bom")
            .route(web::get().to(get_vendor_ai_bom))
            .route(web::post().to(import_vendor_ai_bom)),
    )
    .service(web::resource("/v1/ai-bom").route(web::get().to(get_ai_bom)))
    .service(web::resource("/v1/ai-services").route(web::get().to(list_ai_services)))
    .service(
        web::resource("/v1/ai-services/{ai_service_id}")
            .route(web::get().to(get_ai_service))
            .route(web::patch().to(update_ai_service))
            .route(web::delete().to(delete_ai_service)),
    )
    .service(
        web::resource("/v1/ai-services/{ai_service_id}/changes")
            .route(web::get().to(list_ai_service_changes)),
    )
    .service(
        web::resource("/v1/ai-services/{ai_service_id}/use-cases")
            .route(web::get().to(list_use_cases))
            .route(web::post().to(create_use_case)),
    )
    .service(
        web::resource("/v1/ai-services/{ai_service_id}/use-cases/{use_case_id}")
            .route(web::get().to(get_use_case))
            .route(web::patch().to(update_use_case))
            .route(web::delete().to(delete_use_case)),
    );
}

fn default_training() -> TrainingUse {
    TrainingUse::Unknown
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Acme Chat API",
    "kind": "foundation_model_api",
    "model_name": "acme-chat",
    "model_version": "2026-06",
    "endpoints": ["https://api.acme.ai/v1/chat"],
    "hosting_regions": ["EU"],
    "data_categories": ["personal", "confidential"],
    "retention_days": 30,
    "trains_on_customer_data": "no",
    "subprocessors_see_data": true,
    "eu_ai_act_role": "provider",
    "eu_ai_act_risk_class": "general_purpose",
    "documentation": [{"kind": "model_card", "url": "https://acme.ai/model-card"}]
}))]
pub struct AiServiceRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: AiServiceKind,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub model_name: Option<String>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub model_version: Option<String>,
    /// http(s) URLs.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub endpoints: Vec<String>,
    /// ISO 3166-1 alpha-2 codes, or `EU`, `EEA`, `GLOBAL`.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub hosting_regions: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 10))]
    #[schema(max_items = 10)]
    pub data_categories: Vec<DataCategory>,
    #[validate(range(min = 0, max = 36500))]
    #[schema(minimum = 0, maximum = 36500)]
    pub retention_days: Option<i32>,
    #[serde(default = "default_training")]
    pub trains_on_customer_data: TrainingUse,
    pub subprocessors_see_data: Option<bool>,
    pub eu_ai_act_role: Option<EuAiActRole>,
    pub eu_ai_act_risk_class: Option<EuAiActRiskClass>,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub human_oversight: Option<String>,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub documentation: Vec<DocumentLink>,
}

impl AiServiceRequest {
    fn into_fields(self) -> Result<AiServiceFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errors.push(FieldError::new("name", "required", "must not be blank"));
        }
        let endpoints = collect(
            self.endpoints
                .iter()
                .enumerate()
                .map(|(i, e)| rules::parse_endpoint(&format!("endpoints[{i}]"), e))
                .collect(),
            &mut errors,
        );
        let mut regions = dedup(collect(
            self.hosting_regions
                .iter()
                .enumerate()
                .map(|(i, r)| rules::parse_region(&format!("hosting_regions[{i}]"), r))
                .collect(),
            &mut errors,
        ));
        regions.sort();
        let mut categories = dedup(self.data_categories);
        categories.sort();
        let documentation = collect(
            self.documentation
                .into_iter()
                .enumerate()
                .map(|(i, d)| {
                    rules::parse_endpoint(&format!("documentation[{i}].url"), &d.url)
                        .map(|url| DocumentLink { kind: d.kind, url })
                })
                .collect(),
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AiServiceFields {
            name,
            kind: self.kind,
            model_name: trimmed(self.model_name),
            model_version: trimmed(self.model_version),
            endpoints: dedup(endpoints),
            hosting_regions: regions,
            data_categories: categories,
            retention_days: self.retention_days,
            trains_on_customer_data: self.trains_on_customer_data,
            subprocessors_see_data: self.subprocessors_see_data,
            eu_ai_act_role: self.eu_ai_act_role,
            eu_ai_act_risk_class: self.eu_ai_act_risk_class,
            human_oversight: trimmed(self.human_oversight),
            documentation,
        })
    }
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "purpose": "Draft replies to customer support tickets",
    "business_owner": "head.of.support@example.com",
    "affected_people": ["customers"],
    "decision_impact": "informs",
    "autonomy": "human_in_the_loop",
    "human_oversight": "An agent edits and sends every draft",
    "monthly_volume": 20000
}))]
pub struct UseCaseRequest {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub purpose: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub business_owner: Option<String>,
    #[serde(default)]
    #[validate(length(max = 4))]
    #[schema(max_items = 4)]
    pub affected_people: Vec<AffectedGroup>,
    pub decision_impact: DecisionImpact,
    pub autonomy: Autonomy,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub human_oversight: Option<String>,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub monthly_volume: Option<i64>,
}

impl UseCaseRequest {
    fn into_fields(self) -> Result<UseCaseFields, Vec<FieldError>> {
        let purpose = self.purpose.trim().to_owned();
        if purpose.is_empty() {
            return Err(vec![FieldError::new(
                "purpose",
                "required",
                "must not be blank",
            )]);
        }
        let mut affected = dedup(self.affected_people);
        affected.sort();
        Ok(UseCaseFields {
            purpose,
            business_owner: trimmed(self.business_owner),
            affected_people: affected,
            decision_impact: self.decision_impact,
            autonomy: self.autonomy,
            human_oversight: trimmed(self.human_oversight),
            monthly_volume: self.monthly_volume,
        })
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAiServicesQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
    #[validate(length(min = 1, max = 100))]
    pub vendor_id: Option<String>,
    pub kind: Option<AiServiceKind>,
    /// Case-insensitive part of the model name.
    #[validate(length(min = 1, max = 200))]
    pub model: Option<String>,
    pub data_category: Option<DataCategory>,
    /// ISO 3166-1 alpha-2 code, `EU`, `EEA` or `GLOBAL`.
    #[validate(length(min = 2, max = 6))]
    pub region: Option<String>,
    pub trains_on_customer_data: Option<TrainingUse>,
    pub eu_ai_act_risk_class: Option<EuAiActRiskClass>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiServicePage {
    pub data: Vec<AiService>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiServiceChangeList {
    pub data: Vec<AiServiceChange>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UseCaseList {
    pub data: Vec<UseCase>,
}

fn page_of(limit: Option<i64>, cursor: Option<&str>) -> Result<Page, ApiError> {
    Page::parse(limit, cursor).map_err(|e| ApiError::validation(vec![e]))
}

fn service_response(status: StatusCode, service: &AiService) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(service.version))
        .json(service)
}

/// A vendor's AI services, newest first.
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}/ai-services", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("vendor_id" = String, Path, description = "Vendor id"), PageQuery),
    responses((status = 200, description = "One page of the vendor's AI services", body = AiServicePage), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_vendor_ai_services(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    query: QueryParams<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let page = page_of(query.0.limit, query.0.cursor.as_deref())?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let (data, next_cursor) =
        web::block(move || service::list_for_vendor(&pool, &actor, &vendor_id, &page)).await??;
    Ok(HttpResponse::Ok().json(AiServicePage { data, next_cursor }))
}

/// Record an AI service the vendor provides.
#[utoipa::path(
    post, path = "/v1/vendors/{vendor_id}/ai-services", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement.",
    request_body = AiServiceRequest,
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses(
        (status = 201, description = "Created", body = AiService, headers(("ETag" = String, description = "The service's version"))),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_ai_service(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<AiServiceRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let fields = body.value.into_fields().map_err(ApiError::validation)?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let created = web::block(move || service::create(&pool, &actor, &vendor_id, fields)).await??;
    Ok(service_response(StatusCode::CREATED, &created))
}

/// Every AI service of the organisation, with filters.
#[utoipa::path(
    get, path = "/v1/ai-services", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(ListAiServicesQuery),
    responses((status = 200, description = "One page of AI services", body = AiServicePage), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_ai_services(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<ListAiServicesQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let q = query.0;
    let page = page_of(q.limit, q.cursor.as_deref())?;
    let region = q
        .region
        .map(|r| rules::parse_region("region", &r))
        .transpose()
        .map_err(|e| ApiError::validation(vec![e]))?;
    let filter = AiServiceFilter {
        vendor_id: q.vendor_id,
        kind: q.kind,
        model: trimmed(q.model),
        data_category: q.data_category,
        region,
        trains_on_customer_data: q.trains_on_customer_data,
        eu_ai_act_risk_class: q.eu_ai_act_risk_class,
    };
    let pool = state.pool.clone();
    let (data, next_cursor) =
        web::block(move || service::list(&pool, &actor, &filter, &page)).await??;
    Ok(HttpResponse::Ok().json(AiServicePage { data, next_cursor }))
}

/// Read an AI service.
#[utoipa::path(
    get, path = "/v1/ai-services/{ai_service_id}", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("ai_service_id" = String, Path, description = "AI service id")),
    responses(
        (status = 200, description = "The AI service", body = AiService, headers(("ETag" = String, description = "The service's version"))),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_ai_service(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let found = web::block(move || service::get(&pool, &actor, &id)).await??;
    Ok(service_response(StatusCode::OK, &found))
}

/// Change an AI service with a JSON merge patch: the fields to change, `null` to clear.
#[utoipa::path(
    patch, path = "/v1/ai-services/{ai_service_id}", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement. A change of model name or version, hosting regions, data categories, training terms or subprocessor access is recorded in the service's change history and marks the vendor `reassessment_due`.",
    request_body(content = AiServiceRequest, description = "Any subset of the fields (RFC 7396 merge patch)"),
    params(
        ("ai_service_id" = String, Path, description = "AI service id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 200, description = "The updated AI service", body = AiService, headers(("ETag" = String, description = "The service's new version"))),
        (status = 409, description = "A concurrent change won", body = Problem, content_type = "application/problem+json"),
        NotFoundError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn update_ai_service(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<MergePatch>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let patch = body.value;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let updated = web::block(move || {
        let edit = |current: &AiService| {
            patch
                .apply_to::<_, AiServiceRequest>(current, &SERVICE_READ_ONLY)?
                .into_fields()
        };
        service::update(&pool, &actor, &id, if_match.0, &edit)
    })
    .await??;
    Ok(service_response(StatusCode::OK, &updated))
}

/// Delete an AI service and its use cases.
#[utoipa::path(
    delete, path = "/v1/ai-services/{ai_service_id}", tag = "ai services",
    description = "Roles: admin, risk_manager.",
    params(
        ("ai_service_id" = String, Path, description = "AI service id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 409, description = "Other records (assessments) still refer to it", body = Problem, content_type = "application/problem+json"),
        (status = 204, description = "Deleted"), NotFoundError, StaleVersionError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn delete_ai_service(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::DELETE_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    web::block(move || service::delete(&pool, &actor, &id, if_match.0)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// The service's material changes, newest first, each with every field's before and after.
#[utoipa::path(
    get, path = "/v1/ai-services/{ai_service_id}/changes", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("ai_service_id" = String, Path, description = "AI service id")),
    responses((status = 200, description = "Change history", body = AiServiceChangeList), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_ai_service_changes(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let data = web::block(move || service::changes(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(AiServiceChangeList { data }))
}

/// Where the organisation uses the service.
#[utoipa::path(
    get, path = "/v1/ai-services/{ai_service_id}/use-cases", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("ai_service_id" = String, Path, description = "AI service id")),
    responses((status = 200, description = "The service's use cases, oldest first", body = UseCaseList), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_use_cases(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let data = web::block(move || service::list_use_cases(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(UseCaseList { data }))
}

/// Record a use of the service.
#[utoipa::path(
    post, path = "/v1/ai-services/{ai_service_id}/use-cases", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement. A service has at most 200 use cases (409 beyond).",
    request_body = UseCaseRequest,
    params(("ai_service_id" = String, Path, description = "AI service id")),
    responses(
        (status = 201, description = "Created", body = UseCase),
        (status = 409, description = "The service has too many use cases", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_use_case(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<UseCaseRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let fields = body.value.into_fields().map_err(ApiError::validation)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let created =
        web::block(move || service::create_use_case(&pool, &actor, &id, fields)).await??;
    Ok(HttpResponse::Created().json(created))
}

/// Read a use case.
#[utoipa::path(
    get, path = "/v1/ai-services/{ai_service_id}/use-cases/{use_case_id}", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("ai_service_id" = String, Path, description = "AI service id"), ("use_case_id" = String, Path, description = "Use case id")),
    responses((status = 200, description = "The use case", body = UseCase), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_use_case(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let (service_id, id) = path.into_inner();
    let found =
        web::block(move || service::get_use_case(&pool, &actor, &service_id, &id)).await??;
    Ok(HttpResponse::Ok().json(found))
}

/// Change a use case with a JSON merge patch.
#[utoipa::path(
    patch, path = "/v1/ai-services/{ai_service_id}/use-cases/{use_case_id}", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement.",
    request_body(content = UseCaseRequest, description = "Any subset of the fields (RFC 7396 merge patch)"),
    params(("ai_service_id" = String, Path, description = "AI service id"), ("use_case_id" = String, Path, description = "Use case id")),
    responses((status = 200, description = "The updated use case", body = UseCase), NotFoundError, CommonErrors, BodyErrors),
    security(("bearer" = []))
)]
pub async fn update_use_case(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    body: JsonBody<MergePatch>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let patch = body.value;
    let pool = state.pool.clone();
    let (service_id, id) = path.into_inner();
    let updated = web::block(move || {
        let edit = |current: &UseCase| {
            patch
                .apply_to::<_, UseCaseRequest>(current, &USE_CASE_READ_ONLY)?
                .into_fields()
        };
        service::update_use_case(&pool, &actor, &service_id, &id, &edit)
    })
    .await??;
    Ok(HttpResponse::Ok().json(updated))
}

/// Remove a use case.
#[utoipa::path(
    delete, path = "/v1/ai-services/{ai_service_id}/use-cases/{use_case_id}", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement.",
    params(("ai_service_id" = String, Path, description = "AI service id"), ("use_case_id" = String, Path, description = "Use case id")),
    responses((status = 204, description = "Deleted"), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn delete_use_case(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let pool = state.pool.clone();
    let (service_id, id) = path.into_inner();
    web::block(move || service::delete_use_case(&pool, &actor, &service_id, &id)).await??;
    Ok(HttpResponse::NoContent().finish())
}

fn bom_response(bom: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(crate::domain::ai_bom::MEDIA_TYPE)
        .json(bom)
}

/// The vendor's AI bill of materials as CycloneDX 1.6 JSON.
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}/ai-bom", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Models are `machine-learning-model` components (with a model card listing use cases where known), datasets `data` components, hosted APIs `services` with endpoints and data classifications; the vendor is each one's supplier or provider.",
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses(
        (status = 200, description = "CycloneDX 1.6 BOM", body = Object, content_type = "application/vnd.cyclonedx+json",
         example = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", "version": 1, "components": [], "services": []})),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_vendor_ai_bom(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let bom = web::block(move || service::bom(&pool, &actor, Some(&vendor_id))).await??;
    Ok(bom_response(bom))
}

/// The whole portfolio's AI bill of materials as CycloneDX 1.6 JSON.
#[utoipa::path(
    get, path = "/v1/ai-bom", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    responses(
        (status = 200, description = "CycloneDX 1.6 BOM", body = Object, content_type = "application/vnd.cyclonedx+json",
         example = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", "version": 1, "components": [], "services": []})),
        CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_ai_bom(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let bom = web::block(move || service::bom(&pool, &actor, None)).await??;
    Ok(bom_response(bom))
}

/// A CycloneDX JSON BOM (1.4 to 1.6), read as it comes and checked by the importer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object, example = json!({
    "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
    "components": [{"type": "machine-learning-model", "bom-ref": "model-1", "name": "acme-chat", "version": "2026-06"}],
    "services": [{"bom-ref": "svc-1", "name": "Acme Chat API", "endpoints": ["https://api.acme.ai/v1/chat"],
                  "data": [{"flow": "inbound", "classification": "personal"}],
                  "properties": [{"name": "annexa:hosting_region", "value": "EU"}]}],
    "dependencies": [{"ref": "svc-1", "dependsOn": ["model-1"]}]
}))]
pub struct CycloneDxBom(serde_json::Value);

impl Validate for CycloneDxBom {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// Creates or updates the vendor's AI services from a CycloneDX BOM.
#[utoipa::path(
    post, path = "/v1/vendors/{vendor_id}/ai-bom", tag = "ai services",
    description = "Roles: admin, risk_manager, procurement. Accepts `application/json` or `application/vnd.cyclonedx+json`. `services` become hosted services (merged with the `machine-learning-model` component they depend on), other `machine-learning-model` components open-weight models, `data` components datasets; other components are listed under `ignored`. An entry matches an existing service by its `annexa:ai_service_id` property, else by name (ignoring case); what the BOM does not state is kept. `annexa:*` properties (as the export writes them) carry hosting regions, data categories, retention, training terms and EU AI Act role and class. Material changes flag the vendor for reassessment. One bad entry refuses the whole BOM with every problem listed by its JSON path.",
    request_body(content((CycloneDxBom = "application/json"), (CycloneDxBom = "application/vnd.cyclonedx+json"))),
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses(
        (status = 200, description = "What was created, updated, left unchanged and ignored", body = service::BomImport),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn import_vendor_ai_bom(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<CycloneDxBom>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let parsed =
        crate::domain::ai_bom_import::parse(&body.value.0).map_err(ApiError::validation)?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let report =
        web::block(move || service::import_bom(&pool, &actor, &vendor_id, parsed)).await??;
    Ok(HttpResponse::Ok().json(report))
}
