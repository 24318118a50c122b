//! `/v1/frameworks` and `/v1/controls`: the control catalogs and their crosswalk.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{trimmed, Auth, JsonBody, MergePatch, QueryParams};
use super::problem::{ApiError, BodyErrors, CommonErrors, NotFoundError, Problem};
use super::AppState;
use crate::domain::catalog::{
    Control, ControlDetail, ControlFields, ControlFilter, ControlProfile, Framework,
};
use crate::domain::pagination::Page;
use crate::domain::roles::access;
use crate::domain::vendor::Tier;
use crate::domain::FieldError;
use crate::service::catalog as service;
use crate::service::catalog::VendorRequirements;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/frameworks").route(web::get().to(list_frameworks)))
        .service(
            web::resource("/v1/frameworks/{framework_id}/oscal")
                .route(web::get().to(get_framework_oscal)),
        )
        .service(
            web::resource("/v1/controls")
                .route(web::get().to(list_controls))
                .route(web::post().to(create_control)),
        )
        .service(
            web::resource("/v1/controls/{control_id}")
                .route(web::get().to(get_control))
                .route(web::patch().to(update_control))
                .route(web::delete().to(delete_control)),
        )
        .service(
            web::resource("/v1/controls/{control_id}/crosswalk")
                .route(web::post().to(add_crosswalk_entry)),
        )
        .service(
            web::resource("/v1/controls/{control_id}/crosswalk/{related_id}")
                .route(web::delete().to(remove_crosswalk_entry)),
        )
        .service(web::resource("/v1/control-profiles").route(web::get().to(list_control_profiles)))
        .service(
            web::resource("/v1/control-profiles/{tier}/oscal")
                .route(web::get().to(get_control_profile_oscal)),
        )
        .service(
            web::resource("/v1/control-profiles/{tier}")
                .route(web::put().to(set_control_profile))
                .route(web::delete().to(reset_control_profile)),
        )
        .service(
            web::resource("/v1/vendors/{vendor_id}/required-controls")
                .route(web::get().to(get_required_controls)),
        );
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListControlsQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
    /// Framework id: `iso42001`, `nist-ai-rmf`, `eu-ai-act`.
    #[validate(length(min = 1, max = 100))]
    pub framework: Option<String>,
    /// Group reference, e.g. `A.10` or `GOVERN`.
    #[validate(length(min = 1, max = 100))]
    pub group: Option<String>,
    /// Case-insensitive part of the reference or title.
    #[validate(length(min = 1, max = 200))]
    pub q: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkList {
    pub data: Vec<Framework>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ControlPage {
    pub data: Vec<Control>,
    pub next_cursor: Option<String>,
}

/// The control frameworks.
#[utoipa::path(
    get, path = "/v1/frameworks", tag = "controls",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    responses((status = 200, description = "Frameworks, built-in first", body = FrameworkList), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_frameworks(
    state: web::Data<AppState>,
    auth: Auth,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let data = web::block(move || service::frameworks(&pool, &actor)).await??;
    Ok(HttpResponse::Ok().json(FrameworkList { data }))
}

/// Controls in catalog order, with filters.
#[utoipa::path(
    get, path = "/v1/controls", tag = "controls",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. ISO/IEC 42001 controls are listed by their Annex A numbers with annexa's own short labels.",
    params(ListControlsQuery),
    responses((status = 200, description = "One page of controls", body = ControlPage), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_controls(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<ListControlsQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let q = query.0;
    let page =
        Page::parse(q.limit, q.cursor.as_deref()).map_err(|e| ApiError::validation(vec![e]))?;
    let filter = ControlFilter {
        framework: q.framework,
        group: q.group,
        text: trimmed(q.q),
    };
    let pool = state.pool.clone();
    let (data, next_cursor) =
        web::block(move || service::list(&pool, &actor, &filter, &page)).await??;
    Ok(HttpResponse::Ok().json(ControlPage { data, next_cursor }))
}

/// A control with its crosswalk to the other frameworks.
#[utoipa::path(
    get, path = "/v1/controls/{control_id}", tag = "controls",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("control_id" = String, Path, description = "Control id, e.g. `iso42001:A.10.3` (URL-encoded)")),
    responses((status = 200, description = "The control and related controls", body = ControlDetail), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_control(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let detail = web::block(move || service::get(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(detail))
}

/// An organisation-defined control.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "ref": "AI-SEC-1",
    "title": "Vendor deletes prompts within 30 days",
    "group_ref": "AI-SEC",
    "group_title": "AI security",
    "description": "Prompts and completions sent to the vendor are deleted within 30 days and never used for training."
}))]
pub struct ControlRequest {
    /// Letters, digits, `.`, `-`, `_`; the control's id becomes `org:<org>:<ref>`.
    #[serde(rename = "ref")]
    #[validate(length(min = 1, max = 50))]
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]*$"
    )]
    pub reference: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Default `ORG`.
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub group_ref: Option<String>,
    /// Default `Organisation controls`.
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub group_title: Option<String>,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub description: Option<String>,
}

impl ControlRequest {
    fn into_fields(self) -> Result<ControlFields, Vec<FieldError>> {
        ControlFields::parse(
            &self.reference,
            &self.title,
            self.group_ref.as_deref(),
            self.group_title.as_deref(),
            self.description.as_deref(),
        )
    }

    fn from_fields(fields: &ControlFields) -> Self {
        Self {
            reference: fields.reference.clone(),
            title: fields.title.clone(),
            group_ref: Some(fields.group_ref.clone()),
            group_title: Some(fields.group_title.clone()),
            description: fields.description.clone(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"related_id": "nist-ai-rmf:GOVERN 6.1"}))]
pub struct CrosswalkEntryRequest {
    /// The control to relate this one to; the crosswalk reads both ways.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub related_id: String,
}

/// Define one of the organisation's own controls.
#[utoipa::path(
    post, path = "/v1/controls", tag = "controls",
    description = "Roles: admin, risk_manager. The control joins the organisation's own framework `org:<org>` (created on first use) with id `org:<org>:<ref>`; a second control with the same `ref` is a 409.",
    request_body = ControlRequest,
    responses(
        (status = 409, description = "The organisation already has a control with this ref", body = Problem, content_type = "application/problem+json"),
        (status = 201, description = "Created", body = Control), CommonErrors, BodyErrors),
    security(("bearer" = []))
)]
pub async fn create_control(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<ControlRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_CATALOG)?;
    let fields = body.value.into_fields().map_err(ApiError::validation)?;
    let pool = state.pool.clone();
    let control = web::block(move || service::create_control(&pool, &actor, fields)).await??;
    Ok(HttpResponse::Created().json(control))
}

/// Change one of the organisation's own controls (JSON merge patch).
#[utoipa::path(
    patch, path = "/v1/controls/{control_id}", tag = "controls",
    description = "Roles: admin, risk_manager. A merge patch of `title`, `group_ref`, `group_title`, `description` (`null` clears it). `ref` cannot change. Built-in controls are read-only (409).",
    request_body(content = ControlRequest, description = "Any subset of `title`, `group_ref`, `group_title`, `description` (RFC 7396 merge patch)", example = json!({"title": "Vendor deletes prompts within 7 days"})),
    params(("control_id" = String, Path, description = "Control id, e.g. `org:acme:AI-SEC-1` (URL-encoded)")),
    responses(
        (status = 409, description = "The control is built in and read-only", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The control and related controls", body = ControlDetail), NotFoundError, CommonErrors, BodyErrors),
    security(("bearer" = []))
)]
pub async fn update_control(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<MergePatch>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_CATALOG)?;
    let id = path.into_inner();
    let pool = state.pool.clone();
    let patch = body.value;
    let edit = move |current: &ControlFields| {
        patch
            .apply_to::<_, ControlRequest>(&ControlRequest::from_fields(current), &[])?
            .into_fields()
    };
    let detail = web::block(move || service::update_control(&pool, &actor, &id, &edit)).await??;
    Ok(HttpResponse::Ok().json(detail))
}

/// Delete one of the organisation's own controls.
#[utoipa::path(
    delete, path = "/v1/controls/{control_id}", tag = "controls",
    description = "Roles: admin, risk_manager. Its crosswalk entries go with it. Refused (409) for built-in controls and for a control a profile still requires.",
    params(("control_id" = String, Path, description = "Control id (URL-encoded)")),
    responses(
        (status = 409, description = "The control is built in, or a profile still requires it", body = Problem, content_type = "application/problem+json"),
        (status = 204, description = "Deleted"), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn delete_control(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_CATALOG)?;
    let id = path.into_inner();
    let pool = state.pool.clone();
    web::block(move || service::delete_control(&pool, &actor, &id)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// Add an organisation crosswalk entry between two controls.
#[utoipa::path(
    post, path = "/v1/controls/{control_id}/crosswalk", tag = "controls",
    description = "Roles: admin, risk_manager. Either control may be built-in or the organisation's own. A pair already related (either way) is a 409.",
    request_body = CrosswalkEntryRequest,
    params(("control_id" = String, Path, description = "Control id (URL-encoded)")),
    responses(
        (status = 409, description = "The two controls are already related", body = Problem, content_type = "application/problem+json"),
        (status = 201, description = "The control with its crosswalk", body = ControlDetail), NotFoundError, CommonErrors, BodyErrors),
    security(("bearer" = []))
)]
pub async fn add_crosswalk_entry(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<CrosswalkEntryRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_CATALOG)?;
    let id = path.into_inner();
    let related = body.value.related_id.trim().to_owned();
    let pool = state.pool.clone();
    let detail = web::block(move || service::add_link(&pool, &actor, &id, &related)).await??;
    Ok(HttpResponse::Created().json(detail))
}

/// Remove one of the organisation's crosswalk entries.
#[utoipa::path(
    delete, path = "/v1/controls/{control_id}/crosswalk/{related_id}", tag = "controls",
    description = "Roles: admin, risk_manager. Built-in entries cannot be removed (409).",
    params(
        ("control_id" = String, Path, description = "Control id (URL-encoded)"),
        ("related_id" = String, Path, description = "The related control's id (URL-encoded)")
    ),
    responses(
        (status = 409, description = "The crosswalk entry is built in", body = Problem, content_type = "application/problem+json"),
        (status = 204, description = "Removed"), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn remove_crosswalk_entry(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_CATALOG)?;
    let (id, related) = path.into_inner();
    let pool = state.pool.clone();
    web::block(move || service::remove_link(&pool, &actor, &id, &related)).await??;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"controls": ["iso42001:A.10.2", "iso42001:A.10.3", "nist-ai-rmf:GOVERN 6.1"]}))]
pub struct SetProfileRequest {
    /// Control ids, in the order to list them. An empty list reverts to the built-in default.
    #[validate(length(max = 300))]
    #[schema(max_items = 300)]
    pub controls: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ControlProfileList {
    pub data: Vec<ControlProfile>,
}

fn tier_of(value: &str) -> Result<Tier, ApiError> {
    Tier::parse(value)
        .ok_or_else(|| ApiError::not_found("no such tier; tiers are low, medium, high, critical"))
}

/// What vendors of each tier must evidence.
#[utoipa::path(
    get, path = "/v1/control-profiles", tag = "controls",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. One profile per tier: the organisation's own where it set one, else the built-in default.",
    responses((status = 200, description = "The profile in force for each tier", body = ControlProfileList), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_control_profiles(
    state: web::Data<AppState>,
    auth: Auth,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let data = web::block(move || service::profiles(&pool, &actor)).await??;
    Ok(HttpResponse::Ok().json(ControlProfileList { data }))
}

/// Set the organisation's own profile for a tier.
#[utoipa::path(
    put, path = "/v1/control-profiles/{tier}", tag = "controls",
    description = "Roles: admin, risk_manager. Unknown control ids are refused (422, by index).",
    request_body = SetProfileRequest,
    params(("tier" = Tier, Path, description = "low, medium, high or critical")),
    responses((status = 200, description = "The profile now in force", body = ControlProfile), NotFoundError, CommonErrors, BodyErrors),
    security(("bearer" = []))
)]
pub async fn set_control_profile(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<SetProfileRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_CATALOG)?;
    let tier = tier_of(&path.into_inner())?;
    let ids: Vec<String> = body
        .value
        .controls
        .into_iter()
        .map(|c| c.trim().to_owned())
        .collect();
    let pool = state.pool.clone();
    let profile = web::block(move || service::set_profile(&pool, &actor, tier, ids)).await??;
    Ok(HttpResponse::Ok().json(profile))
}

/// Revert a tier to the built-in default profile.
#[utoipa::path(
    delete, path = "/v1/control-profiles/{tier}", tag = "controls",
    description = "Roles: admin, risk_manager.",
    params(("tier" = Tier, Path, description = "low, medium, high or critical")),
    responses((status = 200, description = "The default profile, now in force", body = ControlProfile), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn reset_control_profile(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_CATALOG)?;
    let tier = tier_of(&path.into_inner())?;
    let pool = state.pool.clone();
    let profile =
        web::block(move || service::set_profile(&pool, &actor, tier, Vec::new())).await??;
    Ok(HttpResponse::Ok().json(profile))
}

/// The controls a vendor must evidence, each with why: its tier's profile, and what its AI
/// services call for (personal data, training on the organisation's data, subprocessors, EU AI
/// Act class).
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}/required-controls", tag = "controls",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses((status = 200, description = "Required controls with reasons", body = VendorRequirements), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_required_controls(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let required =
        web::block(move || service::required_controls(&pool, &actor, &vendor_id)).await??;
    Ok(HttpResponse::Ok().json(required))
}

/// A framework as an OSCAL 1.1.2 catalog.
#[utoipa::path(
    get, path = "/v1/frameworks/{framework_id}/oscal", tag = "controls",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Groups and controls in catalog order; OSCAL ids are the references made into tokens (`GOVERN 6.1` → `GOVERN-6.1`), with the reference as the `label` property and the annexa id as `annexa-id`. Crosswalk entries are `related` links to the other catalogs (`/v1/frameworks/{id}/oscal#<control>`). Each export is a new document instance (new `uuid`).",
    params(("framework_id" = String, Path, description = "Framework id, e.g. `iso42001` or `org:<org>` (URL-encoded)")),
    responses(
        (status = 200, description = "OSCAL catalog", body = Object,
         example = json!({"catalog": {"uuid": "6f1e8a52-4c1d-4f5e-9b0a-1d2c3e4f5a6b", "metadata": {"title": "ISO/IEC 42001:2023 Annex A", "last-modified": "2026-11-25T10:00:00.000000Z", "version": "0.1.0", "oscal-version": "1.1.2"},
            "groups": [{"id": "A.10", "title": "Third-party and customer relationships", "controls": [{"id": "A.10.3", "title": "Suppliers", "props": [{"name": "label", "value": "A.10.3"}]}]}]}})),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_framework_oscal(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let catalog = web::block(move || service::oscal_catalog(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(catalog))
}

/// The profile in force for a tier as an OSCAL 1.1.2 profile.
#[utoipa::path(
    get, path = "/v1/control-profiles/{tier}/oscal", tag = "controls",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. One import per framework the profile draws on, each naming its controls by OSCAL id; `href` is the catalog's export path.",
    params(("tier" = Tier, Path, description = "low, medium, high or critical")),
    responses(
        (status = 200, description = "OSCAL profile", body = Object,
         example = json!({"profile": {"uuid": "0b7f3c2e-9d4a-4e1b-8c5d-2a3b4c5d6e7f", "metadata": {"title": "Controls required of low-tier AI vendors", "last-modified": "2026-11-25T10:00:00.000000Z", "version": "0.1.0", "oscal-version": "1.1.2"},
            "imports": [{"href": "/v1/frameworks/iso42001/oscal", "include-controls": [{"with-ids": ["A.10.2", "A.10.3"]}]}], "merge": {"as-is": true}}})),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_control_profile_oscal(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let tier = tier_of(&path.into_inner())?;
    let pool = state.pool.clone();
    let profile = web::block(move || service::oscal_profile(&pool, &actor, tier)).await??;
    Ok(HttpResponse::Ok().json(profile))
}
