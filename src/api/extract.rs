//! Request extractors that answer bad input with problem+json naming the field.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use super::problem::ApiError;
use crate::auth::{Authenticator, LinkScope, Principal};
use crate::domain::roles::{access, Role};
use crate::domain::{Actor, FieldError};

/// Largest request body accepted, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// The id given to each request, also returned as `x-request-id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn validation_errors(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| describe(e));
                    out.push(FieldError::new(path.clone(), &e.code, message));
                }
            }
            ValidationErrorsKind::Struct(inner) => validation_errors(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    validation_errors(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn describe(e: &validator::ValidationError) -> String {
    let param = |name: &str| e.params.get(name).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            _ => "has an invalid length".into(),
        },
        "email" => "is not an email address".into(),
        "url" => "is not a URL".into(),
        "range" => "is out of range".into(),
        code => format!("is invalid ({code})"),
    }
}

/// Runs the `validator` rules of `value`, naming every bad field.
fn field_errors<T: Validate>(value: &T) -> Result<(), Vec<FieldError>> {
    value.validate().map_err(|errors| {
        let mut out = Vec::new();
        validation_errors(&errors, "", &mut out);
        out.sort_by(|a, b| a.field.cmp(&b.field));
        out
    })
}

/// A JSON body: `application/json`, within the size limit, well-formed (else 400), of the
/// expected shape with no unknown fields (else 422 naming the field) and valid.
pub struct JsonBody<T> {
    pub value: T,
    /// SHA-256 of the body's canonical form, to tell an idempotent replay from another body;
    /// computed only when the request carries an `Idempotency-Key`.
    pub digest: Option<String>,
}

fn is_json(req: &HttpRequest) -> bool {
    req.mime_type().ok().flatten().is_some_and(|mime| {
        mime.type_() == mime::APPLICATION
            && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
    })
}

fn shape_error(e: serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = e.path().to_string();
    let message = e.inner().to_string();
    if message.starts_with("unknown field ") {
        // The path already ends at the unknown field.
        return FieldError::new(path, "unknown_field", "is not a field of this request");
    }
    if message.starts_with("missing field") {
        let name = message.split('`').nth(1).unwrap_or("body");
        let field = if path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        return FieldError::new(field, "required", "is required");
    }
    let field = if path == "." { "body".to_owned() } else { path };
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    FieldError::new(field, "type", message)
}

fn not_json(e: serde_json::Error) -> ApiError {
    ApiError::bad_request(format!("the body is not valid JSON: {e}"))
}

/// Reads a JSON body straight into `T` (no intermediate `Value`) and validates it: 400 when the
/// body is not JSON, 422 naming the field when it is JSON of another shape.
fn from_slice<T: DeserializeOwned + Validate>(body: &[u8]) -> Result<T, ApiError> {
    // Tracking the path costs on every value read, so it is done only to name the field of a
    // body already found wrong.
    let parsed: T = match serde_json::from_slice(body) {
        Ok(parsed) => parsed,
        Err(e) if e.classify() != serde_json::error::Category::Data => return Err(not_json(e)),
        Err(e) => {
            // The shape error may come before a syntax error further on; malformed JSON is
            // reported as such whatever its shape.
            if let Err(syntax) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                return Err(not_json(syntax));
            }
            let mut de = serde_json::Deserializer::from_slice(body);
            return Err(match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => ApiError::validation(vec![shape_error(e)]),
                Ok(_) => ApiError::validation(vec![FieldError::new("body", "type", e.to_string())]),
            });
        }
    };
    field_errors(&parsed).map_err(ApiError::validation)?;
    Ok(parsed)
}

/// Reads a JSON value into `T` and validates it, naming every bad field.
pub fn from_value<T: DeserializeOwned + Validate>(
    value: serde_json::Value,
) -> Result<T, Vec<FieldError>> {
    let parsed: T = serde_path_to_error::deserialize(value).map_err(|e| vec![shape_error(e)])?;
    field_errors(&parsed)?;
    Ok(parsed)
}

/// A JSON merge patch (RFC 7396) body: an object naming the fields to change, `null` to clear.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(transparent)]
pub struct MergePatch(pub serde_json::Map<String, serde_json::Value>);

impl Validate for MergePatch {
    fn validate(&self) -> Result<(), ValidationErrors> {
        Ok(())
    }
}

impl MergePatch {
    /// Applies the patch to `current` (serialised as the create request) and reads the result
    /// back as a full request, validated.
    pub fn apply_to<S: serde::Serialize, T: DeserializeOwned + Validate>(
        &self,
        current: &S,
        read_only: &[&str],
    ) -> Result<T, Vec<FieldError>> {
        let mut document = serde_json::to_value(current)
            .map_err(|e| vec![FieldError::new("body", "internal", e.to_string())])?;
        if let Some(object) = document.as_object_mut() {
            for key in read_only {
                object.remove(*key);
            }
        }
        json_patch::merge(&mut document, &serde_json::Value::Object(self.0.clone()));
        from_value(document)
    }
}

/// The request's media type without parameters, lower-cased (`text/csv; charset=utf-8` →
/// `text/csv`); `None` when absent or malformed.
pub fn media_type(req: &HttpRequest) -> Option<String> {
    req.mime_type()
        .ok()
        .flatten()
        .map(|mime| mime.essence_str().to_ascii_lowercase())
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is larger than {limit} bytes"),
    )
}

/// Reads a whole body, refusing (413) one larger than `limit` bytes: at once when
/// `Content-Length` says so, else as soon as the chunks read pass it.
pub async fn read_limited(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad_request("the body could not be read"))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<BodyLimit>()
            .map(|l| l.0)
            .unwrap_or(1024 * 1024);
        let json = is_json(req);
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "the body must be application/json",
                ));
            }
            let body = read_limited(&req, &mut payload, limit).await?;
            let digest = if req.headers().contains_key(IDEMPOTENCY_KEY) {
                let raw: serde_json::Value = serde_json::from_slice(&body).map_err(not_json)?;
                Some(hex::encode(Sha256::digest(raw.to_string().as_bytes())))
            } else {
                None
            };
            let value: T = from_slice(&body)?;
            Ok(JsonBody { value, digest })
        })
    }
}

/// Query parameters of the expected shape (unknown ones are refused), validated.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + Validate> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parse = || {
            let query = req.query_string().as_bytes();
            let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query));
            let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
                let field = e.path().to_string();
                let message = e.inner().to_string();
                if let Some(rest) = message.strip_prefix("unknown field ") {
                    let name = rest.split(',').next().unwrap_or(rest).trim_matches('`');
                    return ApiError::field(
                        name,
                        "unknown_field",
                        "is not a parameter of this endpoint",
                    );
                }
                if let Some(rest) = message.strip_prefix("missing field ") {
                    return ApiError::field(rest.trim_matches('`'), "required", "is required");
                }
                ApiError::field(&field, "type", message)
            })?;
            field_errors(&value).map_err(ApiError::validation)?;
            Ok(QueryParams(value))
        };
        std::future::ready(parse())
    }
}

/// A verified bearer token.
pub struct Auth {
    principal: Principal,
    request_id: Option<String>,
}

/// Who calls an assessment endpoint: staff of the organisation, or the vendor through a link.
pub enum Caller {
    Staff(Actor),
    Vendor { actor: Actor, link: LinkScope },
}

impl Caller {
    /// The actor, and the link when the caller is the vendor.
    pub fn into_parts(self) -> (Actor, Option<LinkScope>) {
        match self {
            Caller::Staff(actor) => (actor, None),
            Caller::Vendor { actor, link } => (actor, Some(link)),
        }
    }
}

impl Auth {
    fn into_actor(self) -> Actor {
        Actor {
            org: self.principal.org,
            subject: self.principal.subject,
            roles: self.principal.roles,
            request_id: self.request_id,
        }
    }

    /// The vendor link the token carries, if it is one, checked to open `assessment_id`. Its
    /// liveness is checked against the database by the service.
    fn link_for(&self, assessment_id: &str) -> Result<Option<LinkScope>, ApiError> {
        match &self.principal.link {
            Some(link) if self.principal.roles.contains(&Role::Vendor) => {
                if link.assessment_id != assessment_id {
                    return Err(ApiError::forbidden("this link opens another assessment"));
                }
                Ok(Some(link.clone()))
            }
            _ => Ok(None),
        }
    }

    /// A vendor link for `assessment_id`, or staff with one of the `staff` roles.
    pub fn for_assessment(self, assessment_id: &str, staff: &[Role]) -> Result<Caller, ApiError> {
        match self.link_for(assessment_id)? {
            Some(link) => Ok(Caller::Vendor {
                actor: self.into_actor(),
                link,
            }),
            None => self.require(staff).map(Caller::Staff),
        }
    }

    /// A vendor link for `assessment_id`; staff tokens are refused.
    pub fn vendor_link(self, assessment_id: &str) -> Result<(Actor, LinkScope), ApiError> {
        match self.link_for(assessment_id)? {
            Some(link) => Ok((self.into_actor(), link)),
            None => Err(ApiError::forbidden(
                "this call is for the vendor, through the assessment link",
            )),
        }
    }

    /// The caller as an actor, if one of its roles is in `allowed` (else 403). Vendor links
    /// open only their assessment's vendor endpoints.
    pub fn require(self, allowed: &[Role]) -> Result<Actor, ApiError> {
        if self.principal.link.is_some() {
            return Err(ApiError::forbidden(
                "a vendor link opens only its own assessment",
            ));
        }
        if !self.principal.roles.iter().any(|r| allowed.contains(r)) {
            return Err(ApiError::forbidden(format!(
                "this call needs one of the roles: {}",
                access::describe(allowed)
            )));
        }
        Ok(self.into_actor())
    }
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verify = || {
            let authenticator = req
                .app_data::<web::Data<Arc<Authenticator>>>()
                .ok_or_else(ApiError::internal)?;
            let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
                ApiError::unauthorized("an Authorization: Bearer token is required")
            })?;
            let token = value
                .to_str()
                .ok()
                .and_then(|v| {
                    let (scheme, token) = v.split_once(' ')?;
                    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
                })
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    ApiError::unauthorized("the Authorization header must be 'Bearer <token>'")
                })?;
            let principal = authenticator
                .verify(token)
                .map_err(|e| ApiError::unauthorized(e.to_string()))?;
            Ok(Auth {
                principal,
                request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
            })
        };
        std::future::ready(verify())
    }
}

/// `If-Match`: absent, or the version the client last saw. A value that is not an ETag this
/// API issued can never match.
pub struct IfMatch(pub Option<i64>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(header::IF_MATCH) {
            None => IfMatch(None),
            Some(value) => {
                let text = value.to_str().unwrap_or("").trim();
                if text == "*" {
                    IfMatch(None)
                } else {
                    let version = text
                        .trim_start_matches("W/")
                        .trim_matches('"')
                        .parse::<i64>()
                        .unwrap_or(-1);
                    IfMatch(Some(version))
                }
            }
        };
        std::future::ready(Ok(parsed))
    }
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// `Idempotency-Key`: 1 to 255 visible ASCII characters.
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(IDEMPOTENCY_KEY) {
            None => Ok(IdempotencyKey(None)),
            Some(value) => match value.to_str() {
                Ok(key)
                    if !key.is_empty()
                        && key.len() <= 255
                        && key.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(IdempotencyKey(Some(key.to_owned())))
                }
                _ => Err(ApiError::field(
                    "Idempotency-Key",
                    "header",
                    "must be 1 to 255 visible ASCII characters",
                )),
            },
        };
        std::future::ready(parsed)
    }
}

/// Trims text; blank text counts as absent.
pub fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Deserialises a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}
