//! `/v1/vendors/{vendor_id}/contacts`: people at the vendor.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::extract::{double_option, Auth, JsonBody};
use super::problem::{ApiError, BodyErrors, CommonErrors, NotFoundError, Problem};
use super::AppState;
use crate::domain::roles::access;
use crate::domain::vendor::{Contact, ContactFields, ContactPatch};
use crate::service::contacts as service;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/vendors/{vendor_id}/contacts")
            .route(web::get().to(list_contacts))
            .route(web::post().to(create_contact)),
    )
    .service(
        web::resource("/v1/vendors/{vendor_id}/contacts/{contact_id}")
            .route(web::get().to(get_contact))
            .route(web::patch().to(update_contact))
            .route(web::delete().to(delete_contact)),
    );
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Sam Lee", "email": "sam.lee@acme.ai", "role": "security", "is_primary": true}))]
pub struct CreateContactRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(email, length(max = 254))]
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub role: Option<String>,
    /// Digits, spaces and `+ - ( ) .`.
    #[validate(length(min = 3, max = 40))]
    #[schema(min_length = 3, max_length = 40, pattern = "^[0-9 +().-]+$")]
    pub phone: Option<String>,
    /// Makes this the vendor's primary contact (the previous one stops being primary).
    #[serde(default)]
    pub is_primary: bool,
}

/// Fields to change; absent fields stay, `null` clears.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "privacy", "phone": null}))]
pub struct UpdateContactRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub role: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<bool>)]
    pub is_primary: Option<Option<bool>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactList {
    pub data: Vec<Contact>,
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::field(
            "name",
            "length",
            "must be 1 to 200 characters",
        ));
    }
    Ok(name.to_owned())
}

fn check_email(email: Option<String>) -> Result<Option<String>, ApiError> {
    match email {
        Some(e) if !validator::ValidateEmail::validate_email(&e) => {
            Err(ApiError::field("email", "email", "is not an email address"))
        }
        other => Ok(other.map(|e| e.trim().to_owned())),
    }
}

fn check_phone(phone: Option<String>) -> Result<Option<String>, ApiError> {
    match phone {
        Some(p)
            if !(3..=40).contains(&p.len())
                || !p
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-().".contains(c)) =>
        {
            Err(ApiError::field(
                "phone",
                "phone",
                "must be 3 to 40 digits, spaces and + - ( ) .",
            ))
        }
        other => Ok(other),
    }
}

fn check_optional_text(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.trim().is_empty() || v.chars().count() > max => Err(ApiError::field(
            field,
            "length",
            format!("length must be between 1 and {max}"),
        )),
        other => Ok(other.map(|v| v.trim().to_owned())),
    }
}

/// A vendor's contacts.
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}/contacts", tag = "vendor contacts",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses(
        (status = 200, description = "The vendor's contacts, oldest first", body = ContactList),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn list_contacts(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let data = web::block(move || service::list(&pool, &actor, &vendor_id)).await??;
    Ok(HttpResponse::Ok().json(ContactList { data }))
}

/// Add a contact.
#[utoipa::path(
    post, path = "/v1/vendors/{vendor_id}/contacts", tag = "vendor contacts",
    description = "Roles: admin, risk_manager, procurement. A vendor has at most 100 contacts (409 beyond).",
    request_body = CreateContactRequest,
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses(
        (status = 201, description = "Created", body = Contact),
        (status = 409, description = "The vendor has too many contacts", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_contact(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<CreateContactRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let request = body.value;
    let fields = ContactFields {
        name: check_name(&request.name)?,
        email: check_email(request.email)?,
        role: check_optional_text("role", request.role, 100)?,
        phone: check_phone(request.phone)?,
        is_primary: request.is_primary,
    };
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let contact = web::block(move || service::create(&pool, &actor, &vendor_id, fields)).await??;
    Ok(HttpResponse::Created().json(contact))
}

/// Read a contact.
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}/contacts/{contact_id}", tag = "vendor contacts",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("vendor_id" = String, Path, description = "Vendor id"), ("contact_id" = String, Path, description = "Contact id")),
    responses(
        (status = 200, description = "The contact", body = Contact),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_contact(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let (vendor_id, id) = path.into_inner();
    let contact = web::block(move || service::get(&pool, &actor, &vendor_id, &id)).await??;
    Ok(HttpResponse::Ok().json(contact))
}

/// Change a contact.
#[utoipa::path(
    patch, path = "/v1/vendors/{vendor_id}/contacts/{contact_id}", tag = "vendor contacts",
    description = "Roles: admin, risk_manager, procurement.",
    request_body = UpdateContactRequest,
    params(("vendor_id" = String, Path, description = "Vendor id"), ("contact_id" = String, Path, description = "Contact id")),
    responses(
        (status = 200, description = "The updated contact", body = Contact),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn update_contact(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    body: JsonBody<UpdateContactRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let request = body.value;
    let patch = ContactPatch {
        name: request
            .name
            .map(|n| n.ok_or_else(|| ApiError::field("name", "null", "must not be null")))
            .transpose()?
            .as_deref()
            .map(check_name)
            .transpose()?,
        email: request.email.map(check_email).transpose()?,
        role: request
            .role
            .map(|r| check_optional_text("role", r, 100))
            .transpose()?,
        phone: request.phone.map(check_phone).transpose()?,
        is_primary: request
            .is_primary
            .map(|p| p.ok_or_else(|| ApiError::field("is_primary", "null", "must not be null")))
            .transpose()?,
    };
    let pool = state.pool.clone();
    let (vendor_id, id) = path.into_inner();
    let contact =
        web::block(move || service::update(&pool, &actor, &vendor_id, &id, patch)).await??;
    Ok(HttpResponse::Ok().json(contact))
}

/// Remove a contact.
#[utoipa::path(
    delete, path = "/v1/vendors/{vendor_id}/contacts/{contact_id}", tag = "vendor contacts",
    description = "Roles: admin, risk_manager, procurement.",
    params(("vendor_id" = String, Path, description = "Vendor id"), ("contact_id" = String, Path, description = "Contact id")),
    responses(
        (status = 409, description = "Other records (assessments) still refer to it", body = Problem, content_type = "application/problem+json"),
        (status = 204, description = "Deleted"),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn delete_contact(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let pool = state.pool.clone();
    let (vendor_id, id) = path.into_inner();
    web::block(move || service::delete(&pool, &actor, &vendor_id, &id)).await??;
    Ok(HttpResponse::NoContent().finish())
}
