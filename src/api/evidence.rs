//! `/v1/assessments/{id}/evidence`: files the vendor attaches to its answers.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{media_type, read_limited, Auth, QueryParams};
use super::problem::{ApiError, CommonErrors, NotFoundError, Problem};
use super::AppState;
use crate::domain::evidence::EvidenceFile;
use crate::domain::roles::access;
use crate::service::evidence::{self as service, Upload};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/assessments/{assessment_id}/evidence")
            .route(web::get().to(list_evidence))
            .route(web::post().to(upload_evidence)),
    )
    .service(
        web::resource("/v1/assessments/{assessment_id}/evidence/{evidence_id}/content")
            .route(web::get().to(download_evidence)),
    );
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name; directories are dropped and odd characters replaced. Its extension
    /// must match the content.
    #[validate(length(min = 1, max = 255))]
    #[param(min_length = 1, max_length = 255, example = "SOC2-report-2026.pdf")]
    pub filename: String,
}

/// The file's bytes, sent as they are.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileContent(#[allow(dead_code)] Vec<u8>);

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceList {
    pub data: Vec<EvidenceFile>,
}

/// Upload an evidence file.
#[utoipa::path(
    post, path = "/v1/assessments/{assessment_id}/evidence", tag = "assessments",
    description = "The vendor, with the assessment's link, while it may answer; or roles admin, risk_manager, procurement until the assessment is completed. The body is the file itself. Accepted: PDF, PNG, JPEG, GIF, WebP, DOCX, XLSX, PPTX, ZIP, and UTF-8 text (text/plain, text/csv, text/markdown, application/json). The content is sniffed: the declared `Content-Type` and the name's extension must agree with it, or the upload is refused (422, `Content-Type`/`filename`/`body`). Larger than the configured limit (25 MiB by default) is a 413. The SHA-256 is recorded. Answer an `evidence` question with the returned ids.",
    params(("assessment_id" = String, Path, description = "Assessment id"), UploadQuery),
    request_body(description = "The file, with its real media type as `Content-Type`", content(
        (FileContent = "application/pdf"), (FileContent = "image/png"), (FileContent = "image/jpeg"),
        (FileContent = "image/gif"), (FileContent = "image/webp"),
        (FileContent = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (FileContent = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (FileContent = "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (FileContent = "application/zip"), (FileContent = "text/plain"), (FileContent = "text/csv"),
        (FileContent = "text/markdown"), (FileContent = "application/json")
    )),
    responses(
        (status = 201, description = "Stored", body = EvidenceFile),
        (status = 409, description = "The assessment no longer takes evidence, or holds 200 files", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the limit", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn upload_evidence(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    query: QueryParams<UploadQuery>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (actor, link) = auth
        .for_assessment(&id, access::WRITE_VENDORS)?
        .into_parts();
    let limit = usize::try_from(state.evidence.max_bytes()).unwrap_or(usize::MAX);
    let content = read_limited(&request, &mut payload.into_inner(), limit).await?;
    let declared_type = media_type(&request);
    let upload = Upload {
        file_name: query.0.filename,
        declared_type,
        content,
    };
    let pool = state.pool.clone();
    let store = state.evidence.clone();
    let stored =
        web::block(move || service::upload(&pool, &store, &actor, link.as_ref(), &id, upload))
            .await??;
    Ok(HttpResponse::Created().json(stored))
}

/// The assessment's evidence files.
#[utoipa::path(
    get, path = "/v1/assessments/{assessment_id}/evidence", tag = "assessments",
    description = "The vendor, with the assessment's link; or roles admin, risk_manager, procurement, sales, auditor. In upload order.",
    params(("assessment_id" = String, Path, description = "Assessment id")),
    responses((status = 200, description = "The files", body = EvidenceList), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_evidence(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (actor, link) = auth.for_assessment(&id, access::READ_VENDORS)?.into_parts();
    let pool = state.pool.clone();
    let data = web::block(move || service::list(&pool, &actor, link.as_ref(), &id)).await??;
    Ok(HttpResponse::Ok().json(EvidenceList { data }))
}

/// Download an evidence file.
#[utoipa::path(
    get, path = "/v1/assessments/{assessment_id}/evidence/{evidence_id}/content", tag = "assessments",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. The file as uploaded, as an attachment with its sanitised name; `Repr-Digest` carries the SHA-256 recorded at upload, which the content is checked against before it is sent.",
    params(
        ("assessment_id" = String, Path, description = "Assessment id"),
        ("evidence_id" = String, Path, description = "Evidence file id")
    ),
    responses(
        (status = 200, description = "The file", content(
            (FileContent = "application/pdf"), (FileContent = "image/png"), (FileContent = "image/jpeg"),
            (FileContent = "image/gif"), (FileContent = "image/webp"),
            (FileContent = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (FileContent = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (FileContent = "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            (FileContent = "application/zip"), (FileContent = "text/plain"), (FileContent = "text/csv"),
            (FileContent = "text/markdown"), (FileContent = "application/json")
        )),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn download_evidence(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let (id, evidence_id) = path.into_inner();
    let pool = state.pool.clone();
    let store = state.evidence.clone();
    let (file, content) =
        web::block(move || service::download(&pool, &store, &actor, &id, &evidence_id)).await??;
    let digest = hex::decode(&file.sha256).map_err(|_| ApiError::internal())?;
    let mut response = attachment(&file.content_type, &file.file_name, content);
    response.headers_mut().insert(
        header::HeaderName::from_static("repr-digest"),
        header::HeaderValue::from_str(&format!(
            "sha-256=:{}:",
            base64::engine::general_purpose::STANDARD.encode(digest)
        ))
        .map_err(|_| ApiError::internal())?,
    );
    Ok(response)
}

/// An attachment response: the browser saves it under `file_name` and never sniffs it.
pub fn attachment(content_type: &str, file_name: &str, content: Vec<u8>) -> HttpResponse {
    let ascii: String = file_name
        .chars()
        .map(|c| if c.is_ascii() && c != '"' { c } else { '_' })
        .collect();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: file_name.as_bytes().to_vec(),
            }),
        ],
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(content)
}
