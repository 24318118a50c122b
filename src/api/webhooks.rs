//! `/v1/webhook-endpoints`: where annexa delivers its events, signed per Standard Webhooks,
//! with the delivery log; `/v1/event-types`: the catalog of those events.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::ai_services::PageQuery;
use super::extract::{Auth, IfMatch, JsonBody, MergePatch, QueryParams};
use super::problem::{
    ApiError, BodyErrors, CommonErrors, NotFoundError, Problem, StaleVersionError,
};
use super::vendors::etag;
use super::AppState;
use crate::domain::events::CATALOG;
use crate::domain::pagination::Page;
use crate::domain::roles::access;
use crate::domain::webhook::check_url;
use crate::domain::webhook_endpoint::{
    check_event_types, Delivery, DeliveryStatus, EndpointFields, EndpointWithSecret,
    WebhookEndpoint,
};
use crate::domain::FieldError;
use crate::service::webhooks as service;
use crate::webhooks::guard;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/event-types").route(web::get().to(list_event_types)))
        .service(
            web::resource("/v1/webhook-endpoints")
                .route(web::get().to(list_endpoints))
                .route(web::post().to(create_endpoint)),
        )
        .service(
            web::resource("/v1/webhook-endpoints/{endpoint_id}")
                .route(web::get().to(get_endpoint))
                .route(web::patch().to(update_endpoint))
                .route(web::delete().to(delete_endpoint)),
        )
        .service(
            web::resource("/v1/webhook-endpoints/{endpoint_id}/rotate-secret")
                .route(web::post().to(rotate_secret)),
        )
        .service(
            web::resource("/v1/webhook-endpoints/{endpoint_id}/deliveries")
                .route(web::get().to(list_deliveries)),
        )
        .service(
            web::resource("/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/replay")
                .route(web::post().to(replay_delivery)),
        );
}

const READ_ONLY: [&str; 7] = [
    "id",
    "disabled_reason",
    "failing_since",
    "previous_secret_expires_at",
    "version",
    "created_at",
    "updated_at",
];

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://hooks.example.com/annexa",
    "description": "Procurement system",
    "event_types": ["vendor.status_changed", "procurement.decision"],
    "enabled": true
}))]
pub struct EndpointRequest {
    /// An http(s) URL; loopback, private, link-local and metadata addresses are refused unless
    /// the server's allow-list opens them.
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "https://hooks.example.com/annexa"
    )]
    pub url: String,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub description: Option<String>,
    /// Event types to deliver (see `GET /v1/event-types`); empty or absent: every event.
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub event_types: Vec<String>,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

impl EndpointRequest {
    fn into_fields(self) -> Result<EndpointFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(message) = check_url(&self.url) {
            errors.push(FieldError::new("url", "url", message));
        }
        let description = match self.description.map(|d| d.trim().to_owned()) {
            Some(d) if d.is_empty() => {
                errors.push(FieldError::new(
                    "description",
                    "length",
                    "must not be blank",
                ));
                None
            }
            other => other,
        };
        let event_types = check_event_types(&self.event_types).unwrap_or_else(|mut e| {
            errors.append(&mut e);
            Vec::new()
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(EndpointFields {
            url: self.url.trim().to_owned(),
            description,
            event_types,
            enabled: self.enabled,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointPage {
    pub data: Vec<WebhookEndpoint>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub data: Vec<Delivery>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
    pub status: Option<DeliveryStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventTypeInfo {
    #[schema(example = "vendor.status_changed")]
    pub name: String,
    pub description: String,
    /// JSON Schema of the event's `data`; `$ref`s point into `/openapi.json`'s components.
    #[schema(value_type = Object)]
    pub data_schema: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventTypeList {
    pub data: Vec<EventTypeInfo>,
}

fn page(limit: Option<i64>, cursor: Option<&str>) -> Result<Page, ApiError> {
    Page::parse(limit, cursor).map_err(|e| ApiError::validation(vec![e]))
}

fn endpoint_response(status: StatusCode, endpoint: &WebhookEndpoint) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(endpoint.version))
        .json(endpoint)
}

/// Refuses (422 naming `field`) a destination the address guard would refuse.
pub(super) async fn check_destination(
    state: &AppState,
    field: &str,
    url: &str,
) -> Result<(), ApiError> {
    guard::check_destination(url, &state.webhooks.allow)
        .await
        .map(|_| ())
        .map_err(|message| ApiError::field(field, "forbidden_address", message))
}

/// The events annexa delivers, with the schema of each one's `data`.
#[utoipa::path(
    get, path = "/v1/event-types", tag = "webhooks",
    description = "Any role. Every delivery's body is `{type, timestamp, data}`; the OpenAPI document's `webhooks` section describes each one too.",
    responses((status = 200, description = "The event catalog", body = EventTypeList), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_event_types(auth: Auth) -> Result<HttpResponse, ApiError> {
    auth.require(&crate::domain::roles::Role::ALL)?;
    let data = CATALOG
        .iter()
        .map(|e| EventTypeInfo {
            name: e.name.to_owned(),
            description: e.description.to_owned(),
            data_schema: e.data_schema(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(EventTypeList { data }))
}

/// Register a webhook endpoint. The signing secret is in this response only.
#[utoipa::path(
    post, path = "/v1/webhook-endpoints", tag = "webhooks",
    description = "Role: admin. Deliveries carry `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the secret's base64 part as key). A URL that is not http(s), or whose host is or resolves to a loopback, private, link-local or metadata address, is refused (422 naming `url`) unless the server's `webhook_allow_networks` opens it.",
    request_body = EndpointRequest,
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = EndpointWithSecret),
        CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_endpoint(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<EndpointRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_INTEGRATIONS)?;
    let fields = body.value.into_fields().map_err(ApiError::validation)?;
    check_destination(&state, "url", &fields.url).await?;
    let pool = state.pool.clone();
    let created = web::block(move || service::create(&pool, &actor, fields)).await??;
    Ok(HttpResponse::Created()
        .insert_header(etag(created.endpoint.version))
        .json(created))
}

/// List webhook endpoints, newest first.
#[utoipa::path(
    get, path = "/v1/webhook-endpoints", tag = "webhooks",
    description = "Roles: admin, auditor. Secrets are never listed.",
    params(PageQuery),
    responses((status = 200, description = "One page of endpoints", body = EndpointPage), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_endpoints(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_INTEGRATIONS)?;
    let page = page(query.0.limit, query.0.cursor.as_deref())?;
    let pool = state.pool.clone();
    let (data, next_cursor) = web::block(move || service::list(&pool, &actor, &page)).await??;
    Ok(HttpResponse::Ok().json(EndpointPage { data, next_cursor }))
}

/// Read a webhook endpoint.
#[utoipa::path(
    get, path = "/v1/webhook-endpoints/{endpoint_id}", tag = "webhooks",
    description = "Roles: admin, auditor.",
    params(("endpoint_id" = String, Path, description = "Endpoint id")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookEndpoint, headers(("ETag" = String, description = "The endpoint's version"))),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_endpoint(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_INTEGRATIONS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let endpoint = web::block(move || service::get(&pool, &actor, &id)).await??;
    Ok(endpoint_response(StatusCode::OK, &endpoint))
}

/// Change a webhook endpoint (JSON merge patch); enabling it again clears its failure record.
#[utoipa::path(
    patch, path = "/v1/webhook-endpoints/{endpoint_id}", tag = "webhooks",
    description = "Role: admin. Body: a JSON merge patch of `url`, `description`, `event_types`, `enabled`. Deliveries queued while an endpoint was disabled by annexa are sent once it is enabled again.",
    request_body(content = EndpointRequest, description = "Fields to change; `null` clears `description`"),
    params(
        ("endpoint_id" = String, Path, description = "Endpoint id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 200, description = "The updated endpoint", body = WebhookEndpoint, headers(("ETag" = String, description = "The endpoint's new version"))),
        NotFoundError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn update_endpoint(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<MergePatch>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_INTEGRATIONS)?;
    let patch = body.value;
    if let Some(url) = patch.0.get("url").and_then(Value::as_str) {
        if check_url(url).is_ok() {
            check_destination(&state, "url", url).await?;
        }
    }
    let pool = state.pool.clone();
    let id = path.into_inner();
    let endpoint = web::block(move || {
        let edit = |current: &WebhookEndpoint| {
            patch
                .apply_to::<_, EndpointRequest>(current, &READ_ONLY)?
                .into_fields()
        };
        service::update(&pool, &actor, &id, if_match.0, &edit)
    })
    .await??;
    Ok(endpoint_response(StatusCode::OK, &endpoint))
}

/// Delete a webhook endpoint with its delivery log.
#[utoipa::path(
    delete, path = "/v1/webhook-endpoints/{endpoint_id}", tag = "webhooks",
    description = "Role: admin. Queued deliveries are dropped; the audit log keeps the endpoint's last state.",
    params(
        ("endpoint_id" = String, Path, description = "Endpoint id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 204, description = "Deleted"),
        NotFoundError, StaleVersionError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn delete_endpoint(
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

/// Replace the signing secret; the old one keeps signing beside it for the grace period.
#[utoipa::path(
    post, path = "/v1/webhook-endpoints/{endpoint_id}/rotate-secret", tag = "webhooks",
    description = "Role: admin. Until `previous_secret_expires_at` (the server's `webhook_secret_grace`, 24 hours by default) every delivery carries two signatures, one per secret, so receivers can switch over without losing a message.",
    params(("endpoint_id" = String, Path, description = "Endpoint id")),
    responses(
        (status = 200, description = "The new secret, shown this once", body = EndpointWithSecret),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_INTEGRATIONS)?;
    let pool = state.pool.clone();
    let grace = state.webhooks.secret_grace;
    let id = path.into_inner();
    let rotated = web::block(move || service::rotate_secret(&pool, &actor, &id, grace)).await??;
    Ok(HttpResponse::Ok()
        .insert_header(etag(rotated.endpoint.version))
        .json(rotated))
}

/// The endpoint's deliveries, newest first, each with every attempt.
#[utoipa::path(
    get, path = "/v1/webhook-endpoints/{endpoint_id}/deliveries", tag = "webhooks",
    description = "Roles: admin, auditor. Each attempt records the status answered, the latency and the first 500 characters of the response, or why no answer came.",
    params(("endpoint_id" = String, Path, description = "Endpoint id"), DeliveriesQuery),
    responses(
        (status = 200, description = "One page of deliveries", body = DeliveryPage),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    query: QueryParams<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_INTEGRATIONS)?;
    let q = query.0;
    let page = page(q.limit, q.cursor.as_deref())?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let (data, next_cursor) =
        web::block(move || service::deliveries(&pool, &actor, &id, q.status, &page)).await??;
    Ok(HttpResponse::Ok().json(DeliveryPage { data, next_cursor }))
}

/// Send a delivery's event again, behind what is already queued for the endpoint.
#[utoipa::path(
    post, path = "/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/replay", tag = "webhooks",
    description = "Role: admin. The replay keeps the original `webhook-id`, so receivers that deduplicate see it as the same message.",
    params(
        ("endpoint_id" = String, Path, description = "Endpoint id"),
        ("delivery_id" = String, Path, description = "Delivery id")
    ),
    responses(
        (status = 202, description = "Queued", body = Delivery),
        (status = 404, description = "No such endpoint or delivery", body = Problem, content_type = "application/problem+json"),
        CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn replay_delivery(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_INTEGRATIONS)?;
    let pool = state.pool.clone();
    let (endpoint_id, delivery_id) = path.into_inner();
    let delivery =
        web::block(move || service::replay(&pool, &actor, &endpoint_id, &delivery_id)).await??;
    Ok(HttpResponse::Accepted().json(delivery))
}
