//! `/v1/findings`: gaps and issues, raised by hand or from coverage, worked to resolution.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{trimmed, Auth, IfMatch, JsonBody, MergePatch, QueryParams};
use super::problem::{
    ApiError, BodyErrors, CommonErrors, ConflictError, NotFoundError, StaleVersionError,
};
use super::vendors::etag;
use super::AppState;
use crate::domain::finding::{
    Finding, FindingComment, FindingFields, FindingFilter, FindingSource, FindingStatus, Severity,
};
use crate::domain::pagination::Page;
use crate::domain::roles::access;
use crate::domain::time::parse_date_field;
use crate::domain::FieldError;
use crate::service::findings::{self as service, FindingDetail, StatusChange};

/// Fields the server owns.
const FINDING_READ_ONLY: [&str; 12] = [
    "id",
    "vendor_id",
    "source",
    "status",
    "status_reason",
    "risk_accepted_until",
    "risk_accepted_by",
    "created_by",
    "version",
    "created_at",
    "updated_at",
    "resolved_at",
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/findings")
            .route(web::get().to(list_findings))
            .route(web::post().to(create_finding)),
    )
    .service(
        web::resource("/v1/findings/{finding_id}")
            .route(web::get().to(get_finding))
            .route(web::patch().to(update_finding)),
    )
    .service(web::resource("/v1/findings/{finding_id}/status").route(web::post().to(change_status)))
    .service(
        web::resource("/v1/findings/{finding_id}/comments").route(web::post().to(add_comment)),
    );
}

/// A finding's editable fields, as a merge patch reads them.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"owner": "sam@example.com", "due_date": "2027-01-15"}))]
pub struct FindingFieldsRequest {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub description: Option<String>,
    pub severity: Severity,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub owner: Option<String>,
    #[schema(format = Date)]
    pub due_date: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "iso42001:A.10.3", min_length = 1, max_length = 200)]
    pub control_id: Option<String>,
}

impl FindingFieldsRequest {
    fn into_fields(self) -> Result<FindingFields, Vec<FieldError>> {
        let title = self.title.trim().to_owned();
        let mut errors = Vec::new();
        if title.is_empty() {
            errors.push(FieldError::new("title", "required", "must not be blank"));
        }
        let due_date = match self
            .due_date
            .as_deref()
            .map(|d| parse_date_field("due_date", d))
        {
            Some(Err(e)) => {
                errors.push(e);
                None
            }
            Some(Ok(d)) => Some(d),
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(FindingFields {
            title,
            description: trimmed(self.description),
            severity: self.severity,
            owner: trimmed(self.owner),
            due_date,
            control_id: trimmed(self.control_id),
        })
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "vendor_id": "01936b2e-8f4a-7c3e-9a57-2f1d3c4b5a69",
    "title": "Model change notice shorter than our release cycle",
    "severity": "medium",
    "control_id": "iso42001:A.6.2.5"
}))]
pub struct CreateFindingRequest {
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub vendor_id: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub description: Option<String>,
    pub severity: Severity,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub owner: Option<String>,
    /// Defaults to today plus 14, 30, 60 or 90 days for critical, high, medium, low.
    #[schema(format = Date)]
    pub due_date: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub control_id: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "risk_accepted", "risk_accepted_until": "2027-06-30", "reason": "Compensating control: we strip personal data before calling the API."}))]
pub struct FindingStatusRequest {
    pub status: FindingStatus,
    /// Required for `risk_accepted` (and for nothing else): a date after today; the finding
    /// opens again once it passes.
    #[schema(format = Date)]
    pub risk_accepted_until: Option<String>,
    /// Required for `risk_accepted`.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Vendor says the DPA annex is coming next week."}))]
pub struct CommentRequest {
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListFindingsQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
    #[validate(length(min = 1, max = 64))]
    pub vendor_id: Option<String>,
    pub status: Option<FindingStatus>,
    pub severity: Option<Severity>,
    pub source: Option<FindingSource>,
    #[validate(length(min = 1, max = 200))]
    pub control_id: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub owner: Option<String>,
    /// `true`: only findings not resolved whose due date has passed.
    pub overdue: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingPage {
    pub data: Vec<Finding>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn finding_response(status: StatusCode, finding: &Finding) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(finding.version))
        .json(finding)
}

/// Raise a finding by hand.
#[utoipa::path(
    post, path = "/v1/findings", tag = "findings",
    description = "Roles: admin, risk_manager, procurement. `vendor_id` and `control_id` must exist in the organisation (422 naming the field otherwise).",
    request_body = CreateFindingRequest,
    responses(
        (status = 201, description = "Created", body = Finding, headers(("ETag" = String, description = "The finding's version"))),
        CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_finding(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<CreateFindingRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let r = body.value;
    let vendor_id = r.vendor_id.trim().to_owned();
    let fields = FindingFieldsRequest {
        title: r.title,
        description: r.description,
        severity: r.severity,
        owner: r.owner,
        due_date: r.due_date,
        control_id: r.control_id,
    }
    .into_fields()
    .map_err(ApiError::validation)?;
    let pool = state.pool.clone();
    let finding = web::block(move || service::create(&pool, &actor, &vendor_id, fields)).await??;
    Ok(finding_response(StatusCode::CREATED, &finding))
}

/// List findings, newest first, with filters.
#[utoipa::path(
    get, path = "/v1/findings", tag = "findings",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(ListFindingsQuery),
    responses((status = 200, description = "One page of findings", body = FindingPage), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_findings(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<ListFindingsQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let q = query.0;
    let page =
        Page::parse(q.limit, q.cursor.as_deref()).map_err(|e| ApiError::validation(vec![e]))?;
    let filter = FindingFilter {
        vendor_id: q.vendor_id,
        status: q.status,
        severity: q.severity,
        source: q.source,
        control_id: q.control_id,
        owner: q.owner,
        due_before: (q.overdue == Some(true)).then(crate::domain::time::today),
    };
    let pool = state.pool.clone();
    let (data, next_cursor) =
        web::block(move || service::list(&pool, &actor, &filter, &page)).await??;
    Ok(HttpResponse::Ok().json(FindingPage { data, next_cursor }))
}

/// Read a finding with its comments.
#[utoipa::path(
    get, path = "/v1/findings/{finding_id}", tag = "findings",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("finding_id" = String, Path, description = "Finding id")),
    responses(
        (status = 200, description = "The finding", body = FindingDetail, headers(("ETag" = String, description = "The finding's version"))),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_finding(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let detail = web::block(move || service::get(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok()
        .insert_header(etag(detail.finding.version))
        .json(detail))
}

/// Change a finding's title, description, severity, owner, due date or control (JSON merge patch).
#[utoipa::path(
    patch, path = "/v1/findings/{finding_id}", tag = "findings",
    description = "Roles: admin, risk_manager, procurement. Status changes go through `POST /v1/findings/{finding_id}/status`. A finding raised from a coverage gap keeps its control.",
    request_body(content = FindingFieldsRequest, description = "Fields to change; `null` clears an optional one"),
    params(
        ("finding_id" = String, Path, description = "Finding id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 200, description = "The updated finding", body = Finding, headers(("ETag" = String, description = "The finding's new version"))),
        NotFoundError, ConflictError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn update_finding(
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
    let finding = web::block(move || {
        let edit = |current: &Finding| {
            patch
                .apply_to::<_, FindingFieldsRequest>(current, &FINDING_READ_ONLY)?
                .into_fields()
        };
        service::update(&pool, &actor, &id, if_match.0, &edit)
    })
    .await??;
    Ok(finding_response(StatusCode::OK, &finding))
}

/// Move a finding: open, in progress, risk accepted, resolved.
#[utoipa::path(
    post, path = "/v1/findings/{finding_id}/status", tag = "findings",
    description = "Roles: admin, risk_manager, procurement; `risk_accepted` needs admin or risk_manager, a `reason` and `risk_accepted_until` (a future date), and records the approver. open → in_progress | risk_accepted | resolved; in_progress → open | risk_accepted | resolved; risk_accepted → open | in_progress | resolved; resolved → open. A finding raised from a coverage gap cannot be resolved by hand while the gap is open (409): close the gap or accept the risk.",
    request_body = FindingStatusRequest,
    params(
        ("finding_id" = String, Path, description = "Finding id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 200, description = "The finding in its new status", body = Finding, headers(("ETag" = String, description = "The finding's new version"))),
        NotFoundError, ConflictError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn change_status(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<FindingStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.value;
    let allowed = if request.status == FindingStatus::RiskAccepted {
        access::VERIFY_AND_ACCEPT
    } else {
        access::WRITE_VENDORS
    };
    let actor = auth.require(allowed)?;
    let risk_accepted_until = request
        .risk_accepted_until
        .as_deref()
        .map(|d| parse_date_field("risk_accepted_until", d))
        .transpose()
        .map_err(|e| ApiError::validation(vec![e]))?;
    let change = StatusChange {
        status: request.status,
        reason: trimmed(request.reason),
        risk_accepted_until,
    };
    let pool = state.pool.clone();
    let id = path.into_inner();
    let finding =
        web::block(move || service::change_status(&pool, &actor, &id, if_match.0, change))
            .await??;
    Ok(finding_response(StatusCode::OK, &finding))
}

/// Comment on a finding.
#[utoipa::path(
    post, path = "/v1/findings/{finding_id}/comments", tag = "findings",
    description = "Roles: admin, risk_manager, procurement. At most 500 comments per finding.",
    request_body = CommentRequest,
    params(("finding_id" = String, Path, description = "Finding id")),
    responses(
        (status = 201, description = "Added", body = FindingComment),
        NotFoundError, ConflictError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn add_comment(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let text = body.value.body.trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::field("body", "required", "must not be blank"));
    }
    let pool = state.pool.clone();
    let id = path.into_inner();
    let comment = web::block(move || service::add_comment(&pool, &actor, &id, text)).await??;
    Ok(HttpResponse::Created().json(comment))
}
