//! RFC 9457 problem details: the body of every error response.

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldError;
use crate::service::ServiceError;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:annexa:problem:validation",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "the request is not valid",
    "errors": [{"field": "country", "code": "country", "message": "'XX' is not an ISO 3166-1 alpha-2 country code"}]
}))]
pub struct Problem {
    /// Identifies the kind of problem, e.g. `urn:annexa:problem:not-found`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For 422: every field that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For an illegal status transition: the states the resource may move to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_next_states: Option<Vec<String>>,
    /// For 412: the resource's current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    problem: Box<Problem>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.problem.title)?;
        if let Some(detail) = &self.problem.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

fn slug(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        406 => "not-acceptable",
        409 => "conflict",
        412 => "precondition-failed",
        413 => "payload-too-large",
        415 => "unsupported-media-type",
        422 => "validation",
        429 => "too-many-requests",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "client-error",
    }
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            problem: Box::new(Problem {
                problem_type: format!("urn:annexa:problem:{}", slug(status)),
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                status: status.as_u16(),
                detail: Some(detail.into()),
                errors: None,
                allowed_next_states: None,
                current_version: None,
            }),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "the request is not valid");
        e.problem.errors = Some(errors);
        e
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server could not complete the request; it has been logged",
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.content_type(PROBLEM_JSON);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(&self.problem)
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound { entity } => ApiError::not_found(format!("no such {entity}")),
            ServiceError::Validation(errors) => ApiError::validation(errors),
            ServiceError::Conflict(detail) => ApiError::new(StatusCode::CONFLICT, detail),
            ServiceError::Unauthorized(detail) => ApiError::unauthorized(detail),
            ServiceError::IllegalTransition { from, to, allowed } => {
                let mut e = ApiError::new(
                    StatusCode::CONFLICT,
                    format!("cannot move from {from} to {to}"),
                );
                e.problem.allowed_next_states = Some(allowed);
                e
            }
            ServiceError::PreconditionFailed { expected, current } => {
                let mut e = ApiError::new(
                    StatusCode::PRECONDITION_FAILED,
                    format!("If-Match names version {expected} but the resource is at version {current}"),
                );
                e.problem.current_version = Some(current);
                e
            }
            ServiceError::Pool(cause) => {
                tracing::error!(error = %cause, "no database connection available");
                ApiError::unavailable("the database is not reachable; try again shortly")
            }
            ServiceError::Database(cause) => {
                tracing::error!(error = %cause, "database error");
                ApiError::internal()
            }
            ServiceError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
                ApiError::internal()
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(cause: actix_web::error::BlockingError) -> Self {
        tracing::error!(error = %cause, "blocking task failed");
        ApiError::internal()
    }
}

/// Turns any error response that is not already problem+json (unknown routes, wrong methods,
/// errors raised inside actix) into one, without leaking its original body.
pub fn normalize_error_response<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status.as_u16() {
        404 => "no such resource".to_owned(),
        405 => format!("{} is not allowed here", res.request().method()),
        s if s >= 500 => "the server could not complete the request; it has been logged".to_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let (req, old) = res.into_parts();
    let mut fresh = ApiError::new(status, detail).error_response();
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fresh
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    let res: ServiceResponse<EitherBody<B, BoxBody>> =
        ServiceResponse::new(req, fresh).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// Standard error responses, documented on every endpoint.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum CommonErrors {
    /// Malformed JSON or header.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Missing, expired or invalid bearer token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The token's roles do not allow this call.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Invalid input; `errors` names every bad field.
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
    /// The database is not reachable.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// Errors for endpoints that accept a JSON body.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum BodyErrors {
    /// The body is larger than the configured limit.
    #[response(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Problem),
    /// The body is not `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
}

/// For endpoints addressing one resource by id.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum NotFoundError {
    /// No such resource in the caller's organisation (another organisation's ids look the same).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
}

/// For endpoints that honour `If-Match`.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum StaleVersionError {
    /// `If-Match` names a version that is no longer current; nothing changed.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Problem),
}

/// For endpoints whose change can clash with what is stored.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ConflictError {
    /// A limit is reached, a duplicate exists, the transition is not allowed (see
    /// `allowed_next_states`), or a concurrent change won; nothing changed.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
}
