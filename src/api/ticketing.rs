//! `/v1/integrations/ticketing`: Jira Cloud and ServiceNow connections; pushing a finding to a
//! ticket; ticket updates flowing back.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::extract::{read_limited, Auth, IfMatch, JsonBody, MergePatch};
use super::problem::{
    ApiError, BodyErrors, CommonErrors, NotFoundError, Problem, StaleVersionError,
};
use super::vendors::etag;
use super::webhooks::check_destination;
use super::AppState;
use crate::domain::finding::Severity;
use crate::domain::roles::access;
use crate::domain::ticketing::{
    check_project_key, check_table_name, jira_update, servicenow_update, FindingTicket,
    TicketingFields, TicketingIntegration, TicketingKind, TicketingWithSecret,
};
use crate::domain::webhook::{check_url, same_secret, verify_hub_signature};
use crate::domain::FieldError;
use crate::service::tickets::{self as service, Push, TicketUpdateOutcome};

const INBOUND_MAX_BYTES: usize = 256 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/integrations/ticketing")
            .route(web::get().to(list_integrations))
            .route(web::post().to(create_integration)),
    )
    .service(
        web::resource("/v1/integrations/ticketing/{integration_id}")
            .route(web::get().to(get_integration))
            .route(web::patch().to(update_integration))
            .route(web::delete().to(delete_integration)),
    )
    .service(
        web::resource("/v1/integrations/ticketing/{integration_id}/events")
            .route(web::post().to(receive_update)),
    )
    .service(web::resource("/v1/findings/{finding_id}/ticket").route(web::post().to(push_finding)));
}

const READ_ONLY: [&str; 5] = [
    "id",
    "has_credential",
    "version",
    "created_at",
    "updated_at",
];

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Jira GRC project",
    "kind": "jira",
    "base_url": "https://acme.atlassian.net",
    "username": "grc-bot@acme.com",
    "credential": "ATATT3xFfGF0-api-token",
    "project_key": "GRC",
    "issue_type": "Task",
    "field_mapping": {"labels": ["annexa"]},
    "auto_push_severity": "high"
}))]
pub struct TicketingRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: TicketingKind,
    /// `https://<site>.atlassian.net` or `https://<instance>.service-now.com`.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub base_url: String,
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254)]
    pub username: String,
    /// API token (Jira) or password (ServiceNow). Required when creating; stored, never
    /// returned; absent on a patch keeps the stored one.
    #[serde(default, skip_serializing)]
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000, write_only)]
    pub credential: Option<String>,
    /// Jira project key (required for Jira).
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50, pattern = "^[A-Z][A-Z0-9_]*$")]
    pub project_key: Option<String>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub issue_type: Option<String>,
    /// ServiceNow table (default `incident`).
    #[validate(length(min = 1, max = 80))]
    #[schema(min_length = 1, max_length = 80, pattern = "^[a-z][a-z0-9_]*$")]
    pub table_name: Option<String>,
    /// Extra fields set on every ticket.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub field_mapping: Map<String, Value>,
    pub auto_push_severity: Option<Severity>,
}

impl TicketingRequest {
    fn into_fields(self) -> Result<TicketingFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(message) = check_url(&self.base_url) {
            errors.push(FieldError::new("base_url", "url", message));
        }
        if self.name.trim().is_empty() {
            errors.push(FieldError::new("name", "length", "must not be blank"));
        }
        if let Some(Err(e)) = self.project_key.as_deref().map(check_project_key) {
            errors.push(e);
        }
        if let Some(Err(e)) = self.table_name.as_deref().map(check_table_name) {
            errors.push(e);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(TicketingFields {
            name: self.name.trim().to_owned(),
            kind: self.kind,
            base_url: self.base_url.trim().to_owned(),
            username: self.username,
            credential: self.credential,
            project_key: self.project_key,
            issue_type: self.issue_type,
            table_name: self.table_name,
            field_mapping: self.field_mapping,
            auto_push_severity: self.auto_push_severity,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketingList {
    pub data: Vec<TicketingIntegration>,
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"integration_id": "0193a2d0-0000-7000-8000-000000000001"}))]
pub struct PushRequest {
    /// Which connection; may be left out when the organisation has one.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub integration_id: Option<String>,
}

fn integration_response(status: StatusCode, integration: &TicketingIntegration) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(integration.version))
        .json(integration)
}

/// Connect Jira Cloud or ServiceNow. The inbound secret is in this response only.
#[utoipa::path(
    post, path = "/v1/integrations/ticketing", tag = "integrations",
    description = "Role: admin. Jira needs `project_key`. `credential` is stored and never returned. `base_url` is checked like webhook URLs (no loopback, private or metadata addresses unless allowed).",
    request_body = TicketingRequest,
    responses(
        (status = 201, description = "Created; `inbound_secret` is shown this once", body = TicketingWithSecret),
        CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_integration(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<TicketingRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_INTEGRATIONS)?;
    let fields = body.value.into_fields().map_err(ApiError::validation)?;
    check_destination(&state, "base_url", &fields.base_url).await?;
    let pool = state.pool.clone();
    let created = web::block(move || service::create(&pool, &actor, fields)).await??;
    Ok(HttpResponse::Created()
        .insert_header(etag(created.integration.version))
        .json(created))
}

/// The organisation's ticketing connections.
#[utoipa::path(
    get, path = "/v1/integrations/ticketing", tag = "integrations",
    description = "Roles: admin, auditor. Credentials and secrets are never listed.",
    responses((status = 200, description = "Every connection, oldest first", body = TicketingList), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_integrations(
    state: web::Data<AppState>,
    auth: Auth,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_INTEGRATIONS)?;
    let pool = state.pool.clone();
    let data = web::block(move || service::list(&pool, &actor)).await??;
    Ok(HttpResponse::Ok().json(TicketingList { data }))
}

/// Read a ticketing connection.
#[utoipa::path(
    get, path = "/v1/integrations/ticketing/{integration_id}", tag = "integrations",
    description = "Roles: admin, auditor.",
    params(("integration_id" = String, Path, description = "Integration id")),
    responses((status = 200, description = "The connection", body = TicketingIntegration), NotFoundError, CommonErrors),
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

/// Change a ticketing connection (JSON merge patch).
#[utoipa::path(
    patch, path = "/v1/integrations/ticketing/{integration_id}", tag = "integrations",
    description = "Role: admin. Leave `credential` out to keep the stored one.",
    request_body(content = TicketingRequest, description = "Fields to change; `null` clears an optional one"),
    params(
        ("integration_id" = String, Path, description = "Integration id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 200, description = "The updated connection", body = TicketingIntegration),
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
    if let Some(url) = patch.0.get("base_url").and_then(Value::as_str) {
        if check_url(url).is_ok() {
            check_destination(&state, "base_url", url).await?;
        }
    }
    let pool = state.pool.clone();
    let id = path.into_inner();
    let integration = web::block(move || {
        let edit = |current: &TicketingIntegration| {
            patch
                .apply_to::<_, TicketingRequest>(current, &READ_ONLY)?
                .into_fields()
        };
        service::update(&pool, &actor, &id, if_match.0, &edit)
    })
    .await??;
    Ok(integration_response(StatusCode::OK, &integration))
}

/// Remove a ticketing connection; findings forget the tickets made through it.
#[utoipa::path(
    delete, path = "/v1/integrations/ticketing/{integration_id}", tag = "integrations",
    description = "Role: admin.",
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

/// Push a finding to a ticket; a finding that has one keeps it.
#[utoipa::path(
    post, path = "/v1/findings/{finding_id}/ticket", tag = "findings",
    description = "Roles: admin, risk_manager, procurement. Creates a Jira issue or ServiceNow record and keeps its key and link on the finding (`GET /v1/findings/{id}` shows `ticket`). A second push returns the same ticket (200) and creates nothing. When the ticketing system fails, 502 names its answer and annexa retries on its own.",
    request_body = PushRequest,
    params(("finding_id" = String, Path, description = "Finding id")),
    responses(
        (status = 201, description = "Ticket created", body = FindingTicket),
        (status = 200, description = "The finding already had this ticket", body = FindingTicket),
        (status = 409, description = "No ticketing connection, or a push is under way", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The ticketing system refused or failed", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn push_finding(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<PushRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::PUSH_TICKETS)?;
    let finding_id = path.into_inner();
    let pool = state.pool.clone();
    let org = actor.org.clone();
    let id = finding_id.clone();
    let integration = body.value.integration_id;
    let push =
        web::block(move || service::prepare_push(&pool, &actor, &id, integration.as_deref()))
            .await??;
    let plan = match push {
        Push::Existing(ticket) => return Ok(HttpResponse::Ok().json(ticket)),
        Push::Send(plan) => plan,
    };
    let result = crate::integrations::create_ticket(&state.outbound, &plan).await;
    let failure = result.as_ref().err().cloned();
    let pool = state.pool.clone();
    let ticket =
        web::block(move || service::record_push(&pool, &org, &finding_id, result)).await??;
    match failure {
        None => Ok(HttpResponse::Created().json(ticket)),
        Some(error) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("the ticketing system did not create the ticket: {error}"),
        )),
    }
}

/// A ticketing system reports a ticket update (Jira webhook, ServiceNow business rule).
#[utoipa::path(
    post, path = "/v1/integrations/ticketing/{integration_id}/events", tag = "integrations",
    description = "No bearer token: prove the connection's inbound secret with `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>` (Jira webhooks with a secret send this) or `X-Annexa-Token: <secret>`; otherwise 401. Jira: `jira:issue_updated`; an issue whose status category is done resolves its finding, one in progress moves an open finding to in progress. ServiceNow: `{\"number\": ..., \"state\": ...}`; states 6/7 (Resolved/Closed) resolve, 2 (In Progress) moves to in progress. Updates about tickets annexa did not create are acknowledged and ignored.",
    request_body(content = Object, description = "The Jira webhook body, or the ServiceNow business rule's JSON"),
    params(("integration_id" = String, Path, description = "Integration id")),
    responses(
        (status = 202, description = "Received; what it did to the finding", body = TicketUpdateOutcome),
        (status = 401, description = "Secret missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such integration", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a ticket update this connection understands", body = Problem, content_type = "application/problem+json"),
        BodyErrors
    )
)]
pub async fn receive_update(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let integration_id = path.into_inner();
    let body = read_limited(&request, &mut payload.into_inner(), INBOUND_MAX_BYTES).await?;
    let pool = state.pool.clone();
    let id = integration_id.clone();
    let (secret, kind) = web::block(move || service::inbound_secret(&pool, &id)).await??;
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    let proven = match (header("x-hub-signature"), header("x-annexa-token")) {
        (Some(signature), _) => verify_hub_signature(&secret, signature, &body),
        (None, Some(token)) => same_secret(&secret, token),
        (None, None) => false,
    };
    if !proven {
        return Err(ApiError::unauthorized(
            "prove the inbound secret with X-Hub-Signature (sha256=HMAC of the body) or X-Annexa-Token",
        ));
    }
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {e}"),
        )
    })?;
    let update = match kind {
        TicketingKind::Jira => jira_update(&value),
        TicketingKind::Servicenow => servicenow_update(&value),
    };
    let Some((key, change)) = update else {
        return Err(ApiError::field(
            "body",
            "unknown",
            match kind {
                TicketingKind::Jira => "not a jira:issue_updated event with an issue key",
                TicketingKind::Servicenow => "needs the record's number and state",
            },
        ));
    };
    let pool = state.pool.clone();
    let outcome =
        web::block(move || service::apply_update(&pool, &integration_id, &key, change)).await??;
    Ok(HttpResponse::Accepted().json(outcome))
}
