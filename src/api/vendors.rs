//! `/v1/vendors`: the AI supplier register.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{
    double_option, trimmed, Auth, IdempotencyKey, IfMatch, JsonBody, QueryParams,
};
use super::problem::{
    ApiError, BodyErrors, CommonErrors, NotFoundError, Problem, StaleVersionError,
};
use super::AppState;
use crate::domain::pagination::Page;
use crate::domain::roles::access;
use crate::domain::vendor::{
    self as rules, ExternalId, Tier, Vendor, VendorFields, VendorFilter, VendorPatch, VendorStatus,
};
use crate::domain::FieldError;
use crate::service::vendors::{self as service, Created, IdempotentRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/vendors")
            .route(web::get().to(list_vendors))
            .route(web::post().to(create_vendor)),
    )
    .service(
        web::resource("/v1/vendors/{vendor_id}")
            .route(web::get().to(get_vendor))
            .route(web::patch().to(update_vendor))
            .route(web::delete().to(delete_vendor)),
    )
    .service(
        web::resource("/v1/vendors/{vendor_id}/status").route(web::post().to(change_vendor_status)),
    );
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalIdInput {
    /// The other system, e.g. `coupa`.
    #[validate(length(min = 1, max = 40))]
    #[schema(
        example = "coupa",
        min_length = 1,
        max_length = 40,
        pattern = "^[A-Za-z0-9_-]+$"
    )]
    pub source: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "SUP-10042", min_length = 1, max_length = 200)]
    pub id: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "legal_name": "Acme AI Ltd",
    "display_name": "Acme AI",
    "domains": ["acme.ai"],
    "country": "GB",
    "owner": "jane.doe@example.com",
    "tier": "high",
    "tags": ["llm"],
    "external_ids": [{"source": "coupa", "id": "SUP-10042"}]
}))]
pub struct CreateVendorRequest {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub legal_name: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub display_name: Option<String>,
    /// DNS names such as `acme.ai`.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub domains: Vec<String>,
    /// ISO 3166-1 alpha-2 code.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub owner: Option<String>,
    pub tier: Option<Tier>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// 1 to 64 letters, digits, `-`, `_`, `:` or `.` each.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub tags: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub external_ids: Vec<ExternalIdInput>,
}

/// Fields to change; absent fields stay as they are and `null` clears an optional field.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"tier": "critical", "owner": null, "tags": ["llm", "eu-data"]}))]
pub struct UpdateVendorRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub legal_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    pub domains: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub country: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub owner: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Tier>)]
    pub tier: Option<Option<Tier>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<ExternalIdInput>>)]
    pub external_ids: Option<Option<Vec<ExternalIdInput>>>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "in_review", "reason": "questionnaire sent"}))]
pub struct ChangeStatusRequest {
    pub status: VendorStatus,
    /// Why; kept in the audit log.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListVendorsQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
    pub status: Option<VendorStatus>,
    pub tier: Option<Tier>,
    #[validate(length(min = 1, max = 64))]
    pub tag: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub owner: Option<String>,
    /// Case-insensitive part of the legal or display name.
    #[validate(length(min = 1, max = 200))]
    pub q: Option<String>,
}

// `list_vendors` writes this page from vendors the database already wrote as JSON
// (`page_body`); the struct is its schema.
#[derive(Debug, Serialize, ToSchema)]
pub struct VendorPage {
    pub data: Vec<Vendor>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn parse_list<T>(
    field: &str,
    values: Vec<String>,
    parse: fn(&str, &str) -> Result<T, FieldError>,
    errors: &mut Vec<FieldError>,
) -> Vec<T>
where
    T: PartialEq,
{
    let results = values
        .iter()
        .enumerate()
        .map(|(i, v)| parse(&format!("{field}[{i}]"), v))
        .collect();
    rules::dedup(rules::collect(results, errors))
}

/// Tags are a set: kept sorted so that order never counts as a change.
fn parse_tags(values: Vec<String>, errors: &mut Vec<FieldError>) -> Vec<String> {
    let mut tags = parse_list("tags", values, rules::parse_tag, errors);
    tags.sort();
    tags
}

fn parse_external_ids(
    field: &str,
    inputs: Vec<ExternalIdInput>,
    errors: &mut Vec<FieldError>,
) -> Vec<ExternalId> {
    let mut ids = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        match rules::parse_source(&format!("{field}[{i}].source"), &input.source) {
            Ok(source) => ids.push(ExternalId {
                source,
                id: input.id.trim().to_owned(),
            }),
            Err(e) => errors.push(e),
        }
    }
    if let Err(e) = rules::check_external_ids(field, &ids) {
        errors.push(e);
    }
    ids
}

fn parse_country(value: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value?;
    match rules::parse_country("country", &value) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

fn required_name(value: String, errors: &mut Vec<FieldError>) -> String {
    let name = value.trim().to_owned();
    if name.is_empty() {
        errors.push(FieldError::new(
            "legal_name",
            "required",
            "must not be blank",
        ));
    }
    name
}

fn finish<T>(value: T, errors: Vec<FieldError>) -> Result<T, ApiError> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(ApiError::validation(errors))
    }
}

impl CreateVendorRequest {
    fn into_fields(self) -> Result<VendorFields, ApiError> {
        let mut errors = Vec::new();
        let fields = VendorFields {
            legal_name: required_name(self.legal_name, &mut errors),
            display_name: trimmed(self.display_name),
            domains: parse_list("domains", self.domains, rules::parse_domain, &mut errors),
            country: parse_country(self.country, &mut errors),
            owner: trimmed(self.owner),
            tier: self.tier,
            notes: trimmed(self.notes),
            tags: parse_tags(self.tags, &mut errors),
            external_ids: parse_external_ids("external_ids", self.external_ids, &mut errors),
        };
        finish(fields, errors)
    }
}

/// A field that may be left out but not set to `null`.
fn not_null<T>(field: &str, value: Option<Option<T>>, errors: &mut Vec<FieldError>) -> Option<T> {
    match value {
        Some(None) => {
            errors.push(FieldError::new(
                field,
                "null",
                "must not be null; leave it out to keep it",
            ));
            None
        }
        Some(Some(v)) => Some(v),
        None => None,
    }
}

fn check_length(field: &str, len: usize, min: usize, max: usize, errors: &mut Vec<FieldError>) {
    if len < min || len > max {
        errors.push(FieldError::new(
            field,
            "length",
            format!("length must be between {min} and {max}"),
        ));
    }
}

impl UpdateVendorRequest {
    fn into_patch(self) -> Result<VendorPatch, ApiError> {
        let mut errors = Vec::new();
        let legal_name = not_null("legal_name", self.legal_name, &mut errors);
        if let Some(name) = &legal_name {
            check_length("legal_name", name.chars().count(), 1, 300, &mut errors);
        }
        if let Some(Some(name)) = &self.display_name {
            check_length("display_name", name.chars().count(), 1, 300, &mut errors);
        }
        if let Some(Some(owner)) = &self.owner {
            check_length("owner", owner.chars().count(), 1, 200, &mut errors);
        }
        if let Some(Some(notes)) = &self.notes {
            check_length("notes", notes.chars().count(), 0, 10000, &mut errors);
        }
        let domains = not_null("domains", self.domains, &mut errors);
        let tags = not_null("tags", self.tags, &mut errors);
        let external_ids = not_null("external_ids", self.external_ids, &mut errors);
        for (field, len, max) in [
            ("domains", domains.as_ref().map_or(0, Vec::len), 50),
            ("tags", tags.as_ref().map_or(0, Vec::len), 50),
            (
                "external_ids",
                external_ids.as_ref().map_or(0, Vec::len),
                20,
            ),
        ] {
            check_length(field, len, 0, max, &mut errors);
        }
        if let Some(ids) = &external_ids {
            for (i, e) in ids.iter().enumerate() {
                check_length(
                    &format!("external_ids[{i}].source"),
                    e.source.len(),
                    1,
                    40,
                    &mut errors,
                );
                check_length(
                    &format!("external_ids[{i}].id"),
                    e.id.chars().count(),
                    1,
                    200,
                    &mut errors,
                );
            }
        }
        let patch = VendorPatch {
            legal_name: legal_name.map(|n| required_name(n, &mut errors)),
            display_name: self.display_name.map(trimmed),
            domains: domains.map(|d| parse_list("domains", d, rules::parse_domain, &mut errors)),
            country: self.country.map(|c| parse_country(c, &mut errors)),
            owner: self.owner.map(trimmed),
            tier: self.tier,
            notes: self.notes.map(trimmed),
            tags: tags.map(|t| parse_tags(t, &mut errors)),
            external_ids: external_ids.map(|e| parse_external_ids("external_ids", e, &mut errors)),
        };
        finish(patch, errors)
    }
}

impl ListVendorsQuery {
    fn into_parts(self) -> Result<(VendorFilter, Page), ApiError> {
        let page = Page::parse(self.limit, self.cursor.as_deref())
            .map_err(|e| ApiError::validation(vec![e]))?;
        let filter = VendorFilter {
            status: self.status,
            tier: self.tier,
            tag: self.tag.map(|t| t.trim().to_lowercase()),
            owner: self.owner,
            name_contains: trimmed(self.q),
        };
        Ok((filter, page))
    }
}

pub fn etag(version: i64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

fn vendor_response(status: actix_web::http::StatusCode, vendor: &Vendor) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(vendor.version))
        .json(vendor)
}

/// Register a vendor. New vendors start `proposed`.
#[utoipa::path(
    post, path = "/v1/vendors", tag = "vendors",
    description = "Roles: admin, risk_manager, procurement. Honours `Idempotency-Key`: the same key and body return the first result (with `Idempotency-Replayed: true`); the same key with another body is 409.",
    request_body = CreateVendorRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1 to 255 visible ASCII characters.")),
    responses(
        (status = 201, description = "Created", body = Vendor, headers(("ETag" = String, description = "The vendor's version"))),
        (status = 409, description = "The external id belongs to another vendor, or the Idempotency-Key was used with another body", body = Problem, content_type = "application/problem+json"),
        CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_vendor(
    state: web::Data<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    body: JsonBody<CreateVendorRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let fields = body.value.into_fields()?;
    let idempotency = key
        .0
        .zip(body.digest)
        .map(|(key, request_hash)| IdempotentRequest { key, request_hash });
    let pool = state.pool.clone();
    let created = web::block(move || service::create(&pool, &actor, fields, idempotency)).await??;
    Ok(match created {
        Created::New(vendor) => vendor_response(actix_web::http::StatusCode::CREATED, &vendor),
        Created::Replayed(vendor) => {
            let mut response = vendor_response(actix_web::http::StatusCode::CREATED, &vendor);
            response.headers_mut().insert(
                header::HeaderName::from_static("idempotency-replayed"),
                header::HeaderValue::from_static("true"),
            );
            response
        }
    })
}

/// List vendors, newest first, with filters.
#[utoipa::path(
    get, path = "/v1/vendors", tag = "vendors",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(ListVendorsQuery),
    responses((status = 200, description = "One page of vendors", body = VendorPage), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_vendors(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<ListVendorsQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let (filter, page) = query.0.into_parts()?;
    let (data, next_cursor) = state
        .short_read(move |conn| service::list(conn, &actor, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(mime::APPLICATION_JSON)
        .body(page_body(&data, next_cursor.as_deref())))
}

/// A `VendorPage` of vendors already in JSON.
fn page_body(vendors: &[String], next_cursor: Option<&str>) -> String {
    let mut body = String::with_capacity(vendors.iter().map(|v| v.len() + 1).sum::<usize>() + 64);
    body.push_str("{\"data\":[");
    for (n, vendor) in vendors.iter().enumerate() {
        if n > 0 {
            body.push(',');
        }
        body.push_str(vendor);
    }
    body.push_str("],\"next_cursor\":");
    body.push_str(&serde_json::to_string(&next_cursor).unwrap_or_else(|_| "null".into()));
    body.push('}');
    body
}

/// Read a vendor.
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}", tag = "vendors",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses(
        (status = 200, description = "The vendor", body = Vendor, headers(("ETag" = String, description = "The vendor's version"))),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_vendor(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let id = path.into_inner();
    let vendor = state
        .short_read(move |conn| service::get(conn, &actor, &id))
        .await?;
    Ok(vendor_response(actix_web::http::StatusCode::OK, &vendor))
}

/// Change a vendor's fields. Status changes go through `POST /v1/vendors/{vendor_id}/status`.
#[utoipa::path(
    patch, path = "/v1/vendors/{vendor_id}", tag = "vendors",
    description = "Roles: admin, risk_manager, procurement. Send `If-Match` with the ETag you read to refuse lost updates (412 when stale).",
    request_body = UpdateVendorRequest,
    params(
        ("vendor_id" = String, Path, description = "Vendor id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read, e.g. \"3\"")
    ),
    responses(
        (status = 200, description = "The updated vendor", body = Vendor, headers(("ETag" = String, description = "The vendor's new version"))),
        (status = 409, description = "An external id belongs to another vendor, or a concurrent change won", body = Problem, content_type = "application/problem+json"),
        NotFoundError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn update_vendor(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<UpdateVendorRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let patch = body.value.into_patch()?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let vendor =
        web::block(move || service::update(&pool, &actor, &id, if_match.0, patch)).await??;
    Ok(vendor_response(actix_web::http::StatusCode::OK, &vendor))
}

/// Move a vendor through its lifecycle.
#[utoipa::path(
    post, path = "/v1/vendors/{vendor_id}/status", tag = "vendors",
    description = "Roles: admin, risk_manager, procurement. Lifecycle: proposed → in_review | rejected; in_review → approved | approved_with_conditions | rejected; approved ↔ approved_with_conditions; approved, approved_with_conditions, rejected → in_review (reassessment) | offboarded. Anything else is 409 with `allowed_next_states`.",
    request_body = ChangeStatusRequest,
    params(
        ("vendor_id" = String, Path, description = "Vendor id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 200, description = "The vendor in its new status", body = Vendor, headers(("ETag" = String, description = "The vendor's new version"))),
        (status = 409, description = "Illegal transition; `allowed_next_states` lists the legal ones", body = Problem, content_type = "application/problem+json"),
        NotFoundError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn change_vendor_status(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<ChangeStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::DECIDE_VENDORS)?;
    let request = body.value;
    let reason = trimmed(request.reason);
    let pool = state.pool.clone();
    let id = path.into_inner();
    let vendor = web::block(move || {
        service::change_status(&pool, &actor, &id, if_match.0, request.status, reason)
    })
    .await??;
    Ok(vendor_response(actix_web::http::StatusCode::OK, &vendor))
}

/// Delete a vendor with its contacts and subprocessor links. The audit log keeps its last state.
#[utoipa::path(
    delete, path = "/v1/vendors/{vendor_id}", tag = "vendors",
    description = "Roles: admin, risk_manager.",
    params(
        ("vendor_id" = String, Path, description = "Vendor id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 409, description = "Other records (assessments) still refer to it", body = Problem, content_type = "application/problem+json"),
        (status = 204, description = "Deleted"),
        NotFoundError, StaleVersionError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn delete_vendor(
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
