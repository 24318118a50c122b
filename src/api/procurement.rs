//! `/v1/integrations/procurement`: procurement systems that announce supplier requests by
//! signed webhook, and the intake endpoint they post to.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::ai_services::PageQuery;
use super::assessments::VendorLink;
use super::extract::{from_value, read_limited, Auth, IfMatch, JsonBody, MergePatch, QueryParams};
use super::problem::{
    ApiError, BodyErrors, CommonErrors, NotFoundError, Problem, StaleVersionError,
};
use super::vendors::etag;
use super::AppState;
use crate::auth::Authenticator;
use crate::domain::pagination::Page;
use crate::domain::procurement::{
    IntakeEvent, IntakeOutcome, IntegrationFields, IntegrationWithSecret, ProcurementIntegration,
    ProcurementSystem, SUPPLIER_REQUESTED,
};
use crate::domain::roles::access;
use crate::domain::vendor::parse_domain;
use crate::domain::webhook::{verify, SignedHeaders};
use crate::domain::FieldError;
use crate::service::procurement as service;

/// Intake events are small; anything larger is refused before it is read.
const INTAKE_MAX_BYTES: usize = 64 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/integrations/procurement")
            .route(web::get().to(list_integrations))
            .route(web::post().to(create_integration)),
    )
    .service(
        web::resource("/v1/integrations/procurement/{integration_id}")
            .route(web::get().to(get_integration))
            .route(web::patch().to(update_integration))
            .route(web::delete().to(delete_integration)),
    )
    .service(
        web::resource("/v1/integrations/procurement/{integration_id}/events")
            .route(web::post().to(receive_event)),
    );
}

const READ_ONLY: [&str; 4] = ["id", "version", "created_at", "updated_at"];

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Coupa production",
    "system": "coupa",
    "send_assessment": true,
    "assessment_due_days": 21
}))]
pub struct IntegrationRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub system: ProcurementSystem,
    /// The template AI suppliers are sent; the built-in due-diligence template when absent.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub template_id: Option<String>,
    /// Create and send an assessment for every request that involves AI (default true).
    #[serde(default = "yes")]
    pub send_assessment: bool,
    /// Days the supplier has to answer, 1 to 365 (default 21).
    #[serde(default = "three_weeks")]
    #[validate(range(min = 1, max = 365))]
    #[schema(minimum = 1, maximum = 365)]
    pub assessment_due_days: i64,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

fn three_weeks() -> i64 {
    21
}

impl IntegrationRequest {
    fn into_fields(self) -> Result<IntegrationFields, Vec<FieldError>> {
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(vec![FieldError::new("name", "length", "must not be blank")]);
        }
        Ok(IntegrationFields {
            name,
            system: self.system,
            template_id: self.template_id.map(|t| t.trim().to_owned()),
            send_assessment: self.send_assessment,
            assessment_due_days: self.assessment_due_days,
            enabled: self.enabled,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationPage {
    pub data: Vec<ProcurementIntegration>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The answer to an intake event.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeResponse {
    #[serde(flatten)]
    pub outcome: IntakeOutcome,
    /// The link to pass to the supplier, when an assessment was sent.
    pub vendor_link: Option<VendorLink>,
}

fn integration_response(status: StatusCode, integration: &ProcurementIntegration) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(integration.version))
        .json(integration)
}

/// Connect a procurement system. Its signing secret is in this response only.
#[utoipa::path(
    post, path = "/v1/integrations/procurement", tag = "integrations",
    description = "Role: admin. `template_id` must be a template of the organisation (422 otherwise). The procurement system signs its events with the returned `secret` per Standard Webhooks.",
    request_body = IntegrationRequest,
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = IntegrationWithSecret),
        CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_integration(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<IntegrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_INTEGRATIONS)?;
    let fields = body.value.into_fields().map_err(ApiError::validation)?;
    let pool = state.pool.clone();
    let created = web::block(move || service::create(&pool, &actor, fields)).await??;
    Ok(HttpResponse::Created()
        .insert_header(etag(created.integration.version))
        .json(created))
}

/// List procurement integrations, newest first.
#[utoipa::path(
    get, path = "/v1/integrations/procurement", tag = "integrations",
    description = "Roles: admin, auditor. Secrets are never listed.",
    params(PageQuery),
    responses((status = 200, description = "One page", body = IntegrationPage), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_integrations(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_INTEGRATIONS)?;
    let page = Page::parse(query.0.limit, query.0.cursor.as_deref())
        .map_err(|e| ApiError::validation(vec![e]))?;
    let pool = state.pool.clone();
    let (data, next_cursor) = web::block(move || service::list(&pool, &actor, &page)).await??;
    Ok(HttpResponse::Ok().json(IntegrationPage { data, next_cursor }))
}

/// Read a procurement integration.
#[utoipa::path(
    get, path = "/v1/integrations/procurement/{integration_id}", tag = "integrations",
    description = "Roles: admin, auditor.",
    params(("integration_id" = String, Path, description = "Integration id")),
    responses(
        (status = 200, description = "The integration", body = ProcurementIntegration),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_integration(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_INTEGRATIONS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let integration = web::block(move || service::get(&pool, &actor, &id)).await??;
    Ok(integration_response(StatusCode::OK, &integration))
}

/// Change a procurement integration (JSON merge patch).
#[utoipa::path(
    patch, path = "/v1/integrations/procurement/{integration_id}", tag = "integrations",
    description = "Role: admin.",
    request_body(content = IntegrationRequest, description = "Fields to change; `null` clears `template_id`"),
    params(
        ("integration_id" = String, Path, description = "Integration id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 200, description = "The updated integration", body = ProcurementIntegration),
        NotFoundError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn update_integration(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<MergePatch>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_INTEGRATIONS)?;
    let patch = body.value;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let integration = web::block(move || {
        let edit = |current: &ProcurementIntegration| {
            patch
                .apply_to::<_, IntegrationRequest>(current, &READ_ONLY)?
                .into_fields()
        };
        service::update(&pool, &actor, &id, if_match.0, &edit)
    })
    .await??;
    Ok(integration_response(StatusCode::OK, &integration))
}

/// Disconnect a procurement system; the vendors and requests it brought stay.
#[utoipa::path(
    delete, path = "/v1/integrations/procurement/{integration_id}", tag = "integrations",
    description = "Role: admin. The requests it recorded are removed with it; vendors stay.",
    params(
        ("integration_id" = String, Path, description = "Integration id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses((status = 204, description = "Deleted"), NotFoundError, StaleVersionError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn delete_integration(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_INTEGRATIONS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    web::block(move || service::delete(&pool, &actor, &id, if_match.0)).await??;
    Ok(HttpResponse::NoContent().finish())
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A procurement system announces a supplier request (signed per Standard Webhooks).
#[utoipa::path(
    post, path = "/v1/integrations/procurement/{integration_id}/events", tag = "integrations",
    description = "No bearer token: the request is authenticated by its `webhook-signature` (HMAC-SHA256 with the integration's secret over `webhook-id.webhook-timestamp.body`). A missing or wrong signature, or a timestamp more than five minutes from now, is 401 and nothing is stored. The same `webhook-id` again returns the first answer (`Idempotency-Replayed: true`); the same `external_id` in a new message updates the vendor instead of creating another. Bodies over 64 KiB are 413.",
    request_body = IntakeEvent,
    params(
        ("integration_id" = String, Path, description = "Integration id"),
        ("webhook-id" = String, Header, description = "The message's unique id"),
        ("webhook-timestamp" = String, Header, description = "Unix seconds when it was signed"),
        ("webhook-signature" = String, Header, description = "`v1,<base64 signature>`, space-separated if several")
    ),
    responses(
        (status = 202, description = "Recorded", body = IntakeResponse),
        (status = 401, description = "Unsigned, badly signed or stale", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such integration", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The integration is disabled", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The event is not a supplier request of the normalised shape; `errors` names each field", body = Problem, content_type = "application/problem+json"),
        BodyErrors
    )
)]
pub async fn receive_event(
    state: web::Data<AppState>,
    authenticator: web::Data<Arc<Authenticator>>,
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let integration_id = path.into_inner();
    let body = read_limited(&request, &mut payload.into_inner(), INTAKE_MAX_BYTES).await?;
    let pool = state.pool.clone();
    let id = integration_id.clone();
    let secret = web::block(move || service::verification_secret(&pool, &id)).await??;
    let signed = SignedHeaders {
        id: header(&request, "webhook-id"),
        timestamp: header(&request, "webhook-timestamp"),
        signature: header(&request, "webhook-signature"),
    };
    verify(&secret, &signed, &body, chrono::Utc::now().timestamp())
        .map_err(|e| ApiError::unauthorized(e.to_string()))?;
    let message_id = signed.id.unwrap_or_default().to_owned();
    if message_id.is_empty() || message_id.len() > 200 {
        return Err(ApiError::unauthorized(
            "webhook-id must be 1 to 200 characters",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {e}"),
        )
    })?;
    let mut event: IntakeEvent = from_value(value).map_err(ApiError::validation)?;
    if event.event_type != SUPPLIER_REQUESTED {
        return Err(ApiError::field(
            "type",
            "unknown",
            format!("only {SUPPLIER_REQUESTED} events are taken here"),
        ));
    }
    if let Some(domain) = &event.data.domain {
        event.data.domain =
            Some(parse_domain("data.domain", domain).map_err(|e| ApiError::validation(vec![e]))?);
    }
    let pool = state.pool.clone();
    let received =
        web::block(move || service::receive(&pool, &integration_id, &message_id, &event)).await??;
    let vendor_link = match (&received.outcome.assessment_id, received.link) {
        (Some(assessment_id), Some(link)) => {
            let expires_unix = chrono::DateTime::parse_from_rfc3339(&link.expires_at)
                .map(|t| t.timestamp())
                .unwrap_or_default();
            Some(super::assessments::sign(
                &authenticator,
                &received.org,
                assessment_id,
                link,
                expires_unix,
            ))
        }
        _ => None,
    };
    let mut response = HttpResponse::Accepted();
    if received.replayed {
        response.insert_header(("idempotency-replayed", "true"));
    }
    Ok(response.json(IntakeResponse {
        outcome: received.outcome,
        vendor_link,
    }))
}
