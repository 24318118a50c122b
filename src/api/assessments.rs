//! `/v1/assessments`: a published questionnaire sent to a vendor, answered through a scoped
//! link, reviewed and scored.

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::evidence::{attachment, FileContent};
use super::extract::{trimmed, Auth, IfMatch, JsonBody, QueryParams};
use super::problem::{
    ApiError, BodyErrors, CommonErrors, NotFoundError, Problem, StaleVersionError,
};
use super::vendors::etag;
use super::AppState;
use crate::auth::{parse_ttl, Authenticator};
use crate::domain::assessment::{
    self as rules, Answer, Assessment, AssessmentStatus, Reminder, ReminderChannel, Verdict,
};
use crate::domain::evidence::sanitise_file_name;
use crate::domain::pagination::Page;
use crate::domain::roles::access;
use crate::domain::spreadsheet::{self, Cell, Sheet, XLSX_MEDIA_TYPE};
use crate::domain::time;
use crate::service::assessments::{
    self as service, AnswerInput, AssessmentExport, AssessmentFilter, AssessmentResults,
    IssuedLink, NewAssessment, Questionnaire,
};

/// Vendor links last this long unless the request says otherwise.
pub const DEFAULT_LINK_TTL: &str = "14d";
pub const MAX_LINK_TTL_SECONDS: i64 = 90 * 24 * 3600;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/assessments")
            .route(web::get().to(list_assessments))
            .route(web::post().to(create_assessment)),
    )
    .service(web::resource("/v1/assessments/{assessment_id}").route(web::get().to(get_assessment)))
    .service(
        web::resource("/v1/assessments/{assessment_id}/send")
            .route(web::post().to(send_assessment)),
    )
    .service(
        web::resource("/v1/assessments/{assessment_id}/links")
            .route(web::post().to(issue_vendor_link))
            .route(web::delete().to(revoke_vendor_links)),
    )
    .service(
        web::resource("/v1/assessments/{assessment_id}/questionnaire")
            .route(web::get().to(get_questionnaire)),
    )
    .service(
        web::resource("/v1/assessments/{assessment_id}/answers").route(web::put().to(save_answers)),
    )
    .service(
        web::resource("/v1/assessments/{assessment_id}/submit")
            .route(web::post().to(submit_assessment)),
    )
    .service(
        web::resource("/v1/assessments/{assessment_id}/status")
            .route(web::post().to(change_assessment_status)),
    )
    .service(
        web::resource("/v1/assessments/{assessment_id}/answers/{question}/review")
            .route(web::put().to(review_answer)),
    )
    .service(
        web::resource("/v1/assessments/{assessment_id}/results")
            .route(web::get().to(get_assessment_results)),
    )
    .service(
        web::resource("/v1/assessments/{assessment_id}/export")
            .route(web::get().to(export_assessment)),
    )
    .service(
        web::resource("/v1/assessments/{assessment_id}/oscal")
            .route(web::get().to(get_assessment_oscal)),
    )
    .service(
        web::resource("/v1/assessments/{assessment_id}/reminders")
            .route(web::get().to(list_reminders))
            .route(web::post().to(record_reminder)),
    );
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "vendor_id": "0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "template_id": "0193a000-0000-7000-8000-000000000001",
    "due_date": "2026-12-31"
}))]
pub struct CreateAssessmentRequest {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub vendor_id: String,
    /// Assess one of the vendor's AI services rather than the vendor as a whole.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub ai_service_id: Option<String>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub template_id: String,
    /// A published version's number; the latest published version when absent.
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub template_version: Option<i32>,
    /// `YYYY-MM-DD`.
    #[schema(example = "2026-12-31")]
    pub due_date: Option<String>,
    /// The vendor contact who answers.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub contact_id: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAssessmentsQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
    #[validate(length(min = 1, max = 100))]
    pub vendor_id: Option<String>,
    pub status: Option<AssessmentStatus>,
    /// Only assessments past their due date and still waiting for the vendor.
    pub overdue: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentPage {
    pub data: Vec<Assessment>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"link_ttl": "14d"}))]
pub struct LinkRequest {
    /// How long the vendor link lasts: `90s`, `15m`, `12h`, `30d`; default 14 days, at most 90.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub link_ttl: Option<String>,
}

/// A vendor link: shown once, to pass to the vendor's contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct VendorLink {
    pub link_id: String,
    /// A bearer token that opens this assessment's vendor endpoints and nothing else.
    pub token: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SentAssessment {
    pub assessment: Assessment,
    pub link: VendorLink,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedLinks {
    #[schema(example = 1)]
    pub revoked: usize,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, example = "trains_on_data")]
    pub question: String,
    /// By question type: `"yes"`/`"no"`, an option value, a list of option values, text, a
    /// number, a `YYYY-MM-DD` date. `null` with `not_applicable`.
    #[serde(default)]
    #[schema(value_type = Object, example = "no")]
    pub value: serde_json::Value,
    #[serde(default)]
    pub not_applicable: bool,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"answers": [
    {"question": "trains_on_data", "value": "no"},
    {"question": "retention_days", "value": 30, "comment": "Abuse-monitoring logs only"}
]}))]
pub struct SaveAnswersRequest {
    #[validate(length(min = 1, max = 500), nested)]
    #[schema(min_items = 1, max_items = 500)]
    pub answers: Vec<AnswerRequest>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "completed", "comment": "Residual gaps tracked as findings"}))]
pub struct ChangeAssessmentStatusRequest {
    /// `in_review`, `returned` or `completed`.
    pub status: AssessmentStatus,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"verdict": "rejected", "comment": "The opt-out must be in the contract, not a settings page"}))]
pub struct ReviewRequest {
    pub verdict: Verdict,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub comment: Option<String>,
}

fn assessment_response(status: actix_web::http::StatusCode, a: &Assessment) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(a.version))
        .json(a)
}

/// The link's lifetime from the request, checked; returns (expiry time, Unix seconds).
fn link_expiry(request: Option<LinkRequest>) -> Result<(String, i64), ApiError> {
    let ttl = request
        .and_then(|r| r.link_ttl)
        .unwrap_or_else(|| DEFAULT_LINK_TTL.to_owned());
    let seconds = parse_ttl(&ttl)
        .ok()
        .filter(|s| *s > 0 && *s <= MAX_LINK_TTL_SECONDS)
        .ok_or_else(|| {
            ApiError::field(
                "link_ttl",
                "duration",
                "must be a duration such as 12h or 14d, at most 90d",
            )
        })?;
    let expires = chrono::Utc::now() + chrono::Duration::seconds(seconds);
    Ok((time::format(expires), expires.timestamp()))
}

/// The vendor's token for an issued link.
pub(super) fn sign(
    authenticator: &Authenticator,
    org: &str,
    assessment_id: &str,
    link: IssuedLink,
    expires_unix: i64,
) -> VendorLink {
    VendorLink {
        token: authenticator.issue_vendor_link(org, assessment_id, &link.id, expires_unix),
        link_id: link.id,
        expires_at: link.expires_at,
    }
}

/// Create an assessment (a draft) of a vendor with a published template version.
#[utoipa::path(
    post, path = "/v1/assessments", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement. The template version must be published; the AI service and contact, when given, must be the vendor's.",
    request_body = CreateAssessmentRequest,
    responses(
        (status = 201, description = "Created as a draft", body = Assessment, headers(("ETag" = String, description = "The assessment's version"))),
        CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_assessment(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<CreateAssessmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let request = body.value;
    let due_date = request
        .due_date
        .as_deref()
        .map(|d| crate::domain::time::parse_date_field("due_date", d))
        .transpose()
        .map_err(|e| ApiError::validation(vec![e]))?;
    let new = NewAssessment {
        vendor_id: request.vendor_id.trim().to_owned(),
        ai_service_id: trimmed(request.ai_service_id),
        template_id: request.template_id.trim().to_owned(),
        template_version: request.template_version,
        due_date,
        contact_id: trimmed(request.contact_id),
    };
    let pool = state.pool.clone();
    let created = web::block(move || service::create(&pool, &actor, new)).await??;
    Ok(assessment_response(
        actix_web::http::StatusCode::CREATED,
        &created,
    ))
}

/// Assessments, newest first, with filters.
#[utoipa::path(
    get, path = "/v1/assessments", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(ListAssessmentsQuery),
    responses((status = 200, description = "One page of assessments", body = AssessmentPage), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_assessments(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<ListAssessmentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let q = query.0;
    let page =
        Page::parse(q.limit, q.cursor.as_deref()).map_err(|e| ApiError::validation(vec![e]))?;
    let filter = AssessmentFilter {
        vendor_id: q.vendor_id,
        status: q.status,
        overdue: q.overdue.unwrap_or(false),
    };
    let pool = state.pool.clone();
    let (data, next_cursor) =
        web::block(move || service::list(&pool, &actor, &filter, &page)).await??;
    Ok(HttpResponse::Ok().json(AssessmentPage { data, next_cursor }))
}

/// One assessment.
#[utoipa::path(
    get, path = "/v1/assessments/{assessment_id}", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses(
        (status = 200, description = "The assessment", body = Assessment, headers(("ETag" = String, description = "The assessment's version"))),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_assessment(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let found = web::block(move || service::get(&pool, &actor, &id)).await??;
    Ok(assessment_response(actix_web::http::StatusCode::OK, &found))
}

/// Send a draft to the vendor: it becomes `sent` and a vendor link is issued.
#[utoipa::path(
    post, path = "/v1/assessments/{assessment_id}/send", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement. The link is a bearer token with role `vendor` scoped to this assessment, expiring after `link_ttl` (default 14d, at most 90d) and revocable; it is shown only here. Honours `If-Match`.",
    request_body = LinkRequest,
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses(
        (status = 200, description = "Sent, with the vendor link", body = SentAssessment),
        (status = 409, description = "Not a draft", body = Problem, content_type = "application/problem+json"),
        NotFoundError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn send_assessment(
    state: web::Data<AppState>,
    authenticator: web::Data<Arc<Authenticator>>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<LinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let (expires_at, expires_unix) = link_expiry(Some(body.value))?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let org = actor.org.clone();
    let assessment_id = id.clone();
    let (assessment, link) =
        web::block(move || service::send(&pool, &actor, &id, if_match.0, &expires_at)).await??;
    let link = sign(&authenticator, &org, &assessment_id, link, expires_unix);
    Ok(HttpResponse::Ok()
        .insert_header(etag(assessment.version))
        .json(SentAssessment { assessment, link }))
}

/// Issue another vendor link while the vendor may answer.
#[utoipa::path(
    post, path = "/v1/assessments/{assessment_id}/links", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement. For a lost link; earlier links stay live until revoked.",
    request_body = LinkRequest,
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses(
        (status = 201, description = "The new link", body = VendorLink),
        (status = 409, description = "The vendor can no longer answer", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn issue_vendor_link(
    state: web::Data<AppState>,
    authenticator: web::Data<Arc<Authenticator>>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<LinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let (expires_at, expires_unix) = link_expiry(Some(body.value))?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let org = actor.org.clone();
    let assessment_id = id.clone();
    let link = web::block(move || service::new_link(&pool, &actor, &id, &expires_at)).await??;
    Ok(HttpResponse::Created().json(sign(
        &authenticator,
        &org,
        &assessment_id,
        link,
        expires_unix,
    )))
}

/// Revoke every vendor link of the assessment.
#[utoipa::path(
    delete, path = "/v1/assessments/{assessment_id}/links", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement. Revoked links are refused (401) from then on.",
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses((status = 200, description = "How many links were revoked", body = RevokedLinks), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn revoke_vendor_links(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let revoked = web::block(move || service::revoke_links(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(RevokedLinks { revoked }))
}

/// The questions that apply given the answers so far, with the answers.
#[utoipa::path(
    get, path = "/v1/assessments/{assessment_id}/questionnaire", tag = "assessments",
    description = "The vendor, with the assessment's link; or roles admin, risk_manager, procurement, sales, auditor. Conditional questions appear once the answers that show them are saved.",
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses((status = 200, description = "The questionnaire", body = Questionnaire), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_questionnaire(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (actor, link) = auth.for_assessment(&id, access::READ_VENDORS)?.into_parts();
    let pool = state.pool.clone();
    let questionnaire =
        web::block(move || service::questionnaire(&pool, &actor, link.as_ref(), &id)).await??;
    Ok(HttpResponse::Ok().json(questionnaire))
}

/// Save answers (the vendor, with the link): a draft until submitted.
#[utoipa::path(
    put, path = "/v1/assessments/{assessment_id}/answers", tag = "assessments",
    description = "The vendor, with the assessment's link. Saves or replaces the answers given (others stay); the first save moves the assessment to `in_progress`. Each answer must fit its question's type and options, N/A only where allowed, and only for questions that apply once these answers are taken into account; one bad answer refuses all, each named by index. An `evidence` question is answered with a list of ids of files uploaded to this assessment.",
    request_body = SaveAnswersRequest,
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses(
        (status = 200, description = "The questionnaire after saving", body = Questionnaire),
        (status = 409, description = "Submitted or completed: answers can no longer change", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn save_answers(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<SaveAnswersRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (actor, link) = auth.vendor_link(&id)?;
    let inputs = body
        .value
        .answers
        .into_iter()
        .map(|a| AnswerInput {
            question: a.question.trim().to_owned(),
            value: a.value,
            not_applicable: a.not_applicable,
            comment: trimmed(a.comment),
        })
        .collect();
    let pool = state.pool.clone();
    let questionnaire =
        web::block(move || service::save_answers(&pool, &actor, &link, &id, inputs)).await??;
    Ok(HttpResponse::Ok().json(questionnaire))
}

/// Submit the answers (the vendor, with the link).
#[utoipa::path(
    post, path = "/v1/assessments/{assessment_id}/submit", tag = "assessments",
    description = "The vendor, with the assessment's link. Refused (422, listing them as `answers.<key>`) while required questions that apply are unanswered.",
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses(
        (status = 200, description = "Submitted", body = Assessment),
        (status = 409, description = "Not in progress", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn submit_assessment(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (actor, link) = auth.vendor_link(&id)?;
    let pool = state.pool.clone();
    let submitted = web::block(move || service::submit(&pool, &actor, &link, &id)).await??;
    Ok(assessment_response(
        actix_web::http::StatusCode::OK,
        &submitted,
    ))
}

/// Review moves: take into review, return to the vendor, or complete (which scores it).
#[utoipa::path(
    post, path = "/v1/assessments/{assessment_id}/status", tag = "assessments",
    description = "Roles: admin, risk_manager. `submitted → in_review → completed | returned`; a returned assessment goes back to `in_progress` when the vendor saves answers. Illegal moves are a 409 listing `allowed_next_states`. Completing computes and keeps the score and per-control results. Honours `If-Match`.",
    request_body = ChangeAssessmentStatusRequest,
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses(
        (status = 200, description = "The assessment", body = Assessment),
        (status = 409, description = "Illegal move", body = Problem, content_type = "application/problem+json"),
        NotFoundError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn change_assessment_status(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<ChangeAssessmentStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::REVIEW_ASSESSMENTS)?;
    let request = body.value;
    let comment = trimmed(request.comment);
    let pool = state.pool.clone();
    let id = path.into_inner();
    let changed = web::block(move || {
        service::change_status(
            &pool,
            &actor,
            &id,
            request.status,
            if_match.0,
            comment.as_deref(),
        )
    })
    .await??;
    Ok(assessment_response(
        actix_web::http::StatusCode::OK,
        &changed,
    ))
}

/// Accept or reject one answer, with a comment.
#[utoipa::path(
    put, path = "/v1/assessments/{assessment_id}/answers/{question}/review", tag = "assessments",
    description = "Roles: admin, risk_manager. While the assessment is `in_review`; a rejected answer scores 0.",
    request_body = ReviewRequest,
    params(
        ("assessment_id" = String, Path, description = "Assessment id"),
        ("question" = String, Path, description = "Question key")
    ),
    responses(
        (status = 200, description = "The reviewed answer", body = Answer),
        (status = 409, description = "Not in review", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn review_answer(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    body: JsonBody<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::REVIEW_ASSESSMENTS)?;
    let (id, question) = path.into_inner();
    let request = body.value;
    let comment = trimmed(request.comment);
    let pool = state.pool.clone();
    let answer = web::block(move || {
        service::review_answer(
            &pool,
            &actor,
            &id,
            &question,
            request.verdict,
            comment.as_deref(),
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// The score, per-control results and the explanation of each question's contribution.
#[utoipa::path(
    get, path = "/v1/assessments/{assessment_id}/results", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Score = Σ score × weight / Σ weight over the scored questions that apply (N/A answers leave the denominator; unanswered and rejected answers count 0), as 0 to 100. A control is `met` from a mean of 0.8 over its questions, `partially_met` from 0.4, else `not_met`; `not_answered` when none of its questions is answered. Kept as computed at completion; before that `final_result` is false.",
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses((status = 200, description = "Results", body = AssessmentResults), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_assessment_results(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let results = web::block(move || service::results(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(results))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"channel": "email", "note": "Second reminder to the security contact"}))]
pub struct ReminderRequest {
    pub channel: ReminderChannel,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// When it was sent (RFC 3339); now when absent.
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReminderList {
    pub data: Vec<Reminder>,
}

/// Record a reminder sent to the vendor.
#[utoipa::path(
    post, path = "/v1/assessments/{assessment_id}/reminders", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement. While the assessment waits for the vendor (`sent`, `in_progress`, `returned`); audited.",
    request_body = ReminderRequest,
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses(
        (status = 201, description = "Recorded", body = Reminder),
        (status = 409, description = "Not waiting for the vendor", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn record_reminder(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<ReminderRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let request = body.value;
    let sent_at = request
        .sent_at
        .as_deref()
        .map(|raw| {
            time::parse_rfc3339(raw.trim())
                .ok_or_else(|| ApiError::field("sent_at", "date_time", "must be an RFC 3339 time"))
        })
        .transpose()?;
    let note = trimmed(request.note);
    let pool = state.pool.clone();
    let id = path.into_inner();
    let reminder = web::block(move || {
        service::record_reminder(&pool, &actor, &id, request.channel, note, sent_at)
    })
    .await??;
    Ok(HttpResponse::Created().json(reminder))
}

/// Reminders sent about the assessment.
#[utoipa::path(
    get, path = "/v1/assessments/{assessment_id}/reminders", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Oldest first.",
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses((status = 200, description = "The reminders", body = ReminderList), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_reminders(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let data = web::block(move || service::reminders(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(ReminderList { data }))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AssessmentFileFormat {
    Json,
    Xlsx,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AssessmentExportQuery {
    /// `json` (default) or `xlsx`.
    pub format: Option<AssessmentFileFormat>,
}

fn text_cell(value: Option<&str>) -> Cell {
    Cell::from(value.unwrap_or_default())
}

fn header(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| (*c).to_owned()).collect()
}

/// The export as a workbook: answers, per-control results, the score explanation, evidence.
fn export_sheets(export: &AssessmentExport) -> Vec<Sheet> {
    let answers = export
        .questions
        .iter()
        .map(|q| {
            let answer = q.answer.as_ref();
            vec![
                Cell::from(q.section.as_str()),
                Cell::from(q.key.as_str()),
                Cell::from(q.text.as_str()),
                Cell::from(crate::domain::ai_service::enum_to_text(&q.kind)),
                Cell::from(if q.required { "yes" } else { "no" }),
                Cell::from(if q.applies { "yes" } else { "no" }),
                Cell::from(answer.map(rules::answer_text).unwrap_or_default()),
                text_cell(answer.and_then(|a| a.comment.as_deref())),
                Cell::from(
                    answer
                        .and_then(|a| a.verdict)
                        .map(|v| crate::domain::ai_service::enum_to_text(&v))
                        .unwrap_or_default(),
                ),
                text_cell(answer.and_then(|a| a.review_comment.as_deref())),
                Cell::from(q.controls.join(", ")),
            ]
        })
        .collect();
    let scorecard = &export.results.scorecard;
    let controls = scorecard
        .controls
        .iter()
        .map(|c| {
            vec![
                Cell::from(c.control_id.as_str()),
                Cell::from(crate::domain::ai_service::enum_to_text(&c.result)),
                c.ratio.map_or(Cell::from(""), Cell::from),
                Cell::from(c.questions.join(", ")),
            ]
        })
        .collect();
    let explanation = scorecard
        .explanation
        .iter()
        .map(|e| {
            vec![
                Cell::from(e.question.as_str()),
                Cell::from(e.text.as_str()),
                e.score.map_or(Cell::from(""), Cell::from),
                Cell::from(e.weight),
                Cell::from(e.contribution),
                Cell::from(e.basis.as_str()),
            ]
        })
        .collect();
    let evidence = export
        .evidence
        .iter()
        .map(|f| {
            vec![
                Cell::from(f.id.as_str()),
                Cell::from(f.file_name.as_str()),
                Cell::from(f.content_type.as_str()),
                Cell::from(f.size_bytes as f64),
                Cell::from(f.sha256.as_str()),
                Cell::from(f.uploaded_by.as_str()),
                Cell::from(f.created_at.as_str()),
            ]
        })
        .collect();
    vec![
        Sheet {
            name: "Answers".into(),
            header: header(&[
                "section",
                "key",
                "question",
                "type",
                "required",
                "applies",
                "answer",
                "comment",
                "verdict",
                "review_comment",
                "controls",
            ]),
            rows: answers,
        },
        Sheet {
            name: "Controls".into(),
            header: header(&["control_id", "result", "ratio", "questions"]),
            rows: controls,
        },
        Sheet {
            name: "Explanation".into(),
            header: header(&[
                "question",
                "text",
                "score",
                "weight",
                "contribution",
                "basis",
            ]),
            rows: explanation,
        },
        Sheet {
            name: "Evidence".into(),
            header: header(&[
                "id",
                "file_name",
                "content_type",
                "size_bytes",
                "sha256",
                "uploaded_by",
                "created_at",
            ]),
            rows: evidence,
        },
    ]
}

/// Export an assessment: its questions and answers, evidence, reminders and results.
#[utoipa::path(
    get, path = "/v1/assessments/{assessment_id}/export", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. `json` (the shape below) or `xlsx` (sheets Answers, Controls, Explanation, Evidence), as an attachment. Every question is listed, with `applies` false for the ones the answers did not show.",
    params(("assessment_id" = String, Path, description = "Assessment id"), AssessmentExportQuery),
    responses(
        (status = 200, description = "The export", content(
            (AssessmentExport = "application/json"),
            (FileContent = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn export_assessment(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    query: QueryParams<AssessmentExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let export = web::block(move || service::export(&pool, &actor, &id)).await??;
    let stem = sanitise_file_name(&format!("assessment-{}", export.vendor_name))
        .unwrap_or_else(|| "assessment".into());
    match query.0.format.unwrap_or(AssessmentFileFormat::Json) {
        AssessmentFileFormat::Json => {
            let body = serde_json::to_vec_pretty(&export).map_err(|_| ApiError::internal())?;
            Ok(attachment(
                "application/json",
                &format!("{stem}.json"),
                body,
            ))
        }
        AssessmentFileFormat::Xlsx => {
            let body = spreadsheet::write_xlsx(&export_sheets(&export)).map_err(|cause| {
                tracing::error!(error = %cause, "XLSX export failed");
                ApiError::internal()
            })?;
            Ok(attachment(XLSX_MEDIA_TYPE, &format!("{stem}.xlsx"), body))
        }
    }
}

/// The per-control results as OSCAL 1.1.2 assessment-results.
#[utoipa::path(
    get, path = "/v1/assessments/{assessment_id}/oscal", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. One result: each answered question that applies is an observation (method EXAMINE; evidence files as relevant evidence), each control a finding targeting the control's OSCAL id (the reference as a token, as in the catalog export), `satisfied` when met, else `not-satisfied` with reason `partially-met`, `not-met` or `not-answered`. Before completion the result is provisional (prop `final` = false, no `end`). `import-ap` points at the assessment itself.",
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses((status = 200, description = "OSCAL assessment-results", body = Object, content_type = "application/json"), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_assessment_oscal(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let document = web::block(move || service::oscal_results(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(document))
}
