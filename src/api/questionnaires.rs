//! `/v1/questionnaire-templates`: due-diligence questionnaires, versioned; a published version
//! is immutable.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::evidence::{attachment, FileContent};
use super::extract::{
    from_value, media_type, read_limited, trimmed, Auth, BodyLimit, JsonBody, MergePatch,
    QueryParams,
};
use super::problem::{ApiError, BodyErrors, CommonErrors, NotFoundError, Problem};
use super::AppState;
use crate::domain::evidence::sanitise_file_name;
use crate::domain::questionnaire::{
    QuestionnaireTemplate, Section, TemplateContent, TemplateVersion,
};
use crate::domain::questionnaire_sheet::{self, SheetRows};
use crate::domain::roles::access;
use crate::domain::spreadsheet::{self, XLSX_MEDIA_TYPE};
use crate::domain::FieldError;
use crate::service::questionnaires::{self as service, TemplateDetails};
use crate::service::ServiceError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/questionnaire-templates")
            .route(web::get().to(list_templates))
            .route(web::post().to(create_template)),
    )
    .service(
        web::resource("/v1/questionnaire-templates/import").route(web::post().to(import_template)),
    )
    .service(
        web::resource("/v1/questionnaire-templates/{template_id}")
            .route(web::get().to(get_template))
            .route(web::patch().to(update_template)),
    )
    .service(
        web::resource("/v1/questionnaire-templates/{template_id}/versions")
            .route(web::post().to(create_template_version)),
    )
    .service(
        web::resource("/v1/questionnaire-templates/{template_id}/versions/{number}")
            .route(web::get().to(get_template_version))
            .route(web::put().to(replace_template_version)),
    )
    .service(
        web::resource("/v1/questionnaire-templates/{template_id}/versions/{number}/publish")
            .route(web::post().to(publish_template_version)),
    )
    .service(
        web::resource("/v1/questionnaire-templates/{template_id}/versions/{number}/export")
            .route(web::get().to(export_template_version)),
    );
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Generative AI vendors",
    "description": "Short questionnaire for low-risk generative AI tools",
    "sections": [{"title": "Data use", "questions": [
        {"key": "trains_on_data", "text": "Do you train models on our data?", "type": "yes_no", "required": true,
         "options": [{"value": "yes", "label": "Yes", "score": 0}, {"value": "no", "label": "No", "score": 1}],
         "weight": 3, "controls": ["iso42001:A.7.3"]},
        {"key": "opt_out", "text": "Is the opt-out contractual?", "type": "yes_no",
         "show_if": {"question": "trains_on_data", "any_of": ["yes"]}, "controls": ["iso42001:A.10.3"]}
    ]}]
}))]
pub struct TemplateRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    /// 1 to 50 sections, at most 500 questions in all.
    #[validate(length(min = 1, max = 50))]
    #[schema(min_items = 1, max_items = 50)]
    pub sections: Vec<Section>,
}

/// The name and description of a template (merge patch).
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Generative AI vendors (short form)"}))]
pub struct TemplateDetailsRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"sections": [{"title": "Data use", "questions": [
    {"key": "trains_on_data", "text": "Do you train models on our data?", "type": "yes_no", "required": true, "controls": ["iso42001:A.7.3"]}
]}]}))]
pub struct VersionContentRequest {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_items = 1, max_items = 50)]
    pub sections: Vec<Section>,
}

/// Optionally the questions of the new version; by default the latest version's are copied.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({}))]
pub struct NewVersionRequest {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_items = 1, max_items = 50)]
    pub sections: Option<Vec<Section>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    pub data: Vec<QuestionnaireTemplate>,
}

fn number_of(value: &str) -> Result<i32, ApiError> {
    value.parse::<i32>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::not_found("no such template version; versions are numbered from 1")
    })
}

fn non_blank_name(name: &str) -> Result<String, Vec<FieldError>> {
    let name = name.trim();
    if name.is_empty() {
        return Err(vec![FieldError::new(
            "name",
            "required",
            "must not be blank",
        )]);
    }
    Ok(name.to_owned())
}

/// Questionnaire templates: the built-in one and the organisation's own.
#[utoipa::path(
    get, path = "/v1/questionnaire-templates", tag = "questionnaires",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Built-in templates first; each with its versions (without questions). Not paged: an organisation has few templates.",
    responses((status = 200, description = "Templates", body = TemplateList), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_templates(
    state: web::Data<AppState>,
    auth: Auth,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let data = web::block(move || service::list(&pool, &actor)).await??;
    Ok(HttpResponse::Ok().json(TemplateList { data }))
}

/// Create a template; its first version is a draft.
#[utoipa::path(
    post, path = "/v1/questionnaire-templates", tag = "questionnaires",
    description = "Roles: admin, risk_manager. Question keys are unique in the template; choice questions need 2 to 50 options scored 0 to 1 (`yes_no` questions default to yes = 1, no = 0); `show_if` conditions name other questions with options and values among them, nest with `all` / `any` up to 5 deep, and may not form a cycle; mapped controls must be in the catalog. Every problem is reported with its path.",
    request_body = TemplateRequest,
    responses((status = 201, description = "Created, with version 1 as a draft", body = QuestionnaireTemplate), CommonErrors, BodyErrors),
    security(("bearer" = []))
)]
pub async fn create_template(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<TemplateRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_QUESTIONNAIRES)?;
    let request = body.value;
    let name = non_blank_name(&request.name).map_err(ApiError::validation)?;
    let description = trimmed(request.description);
    let content = TemplateContent {
        sections: request.sections,
    };
    let pool = state.pool.clone();
    let template =
        web::block(move || service::create(&pool, &actor, &name, description.as_deref(), content))
            .await??;
    Ok(HttpResponse::Created().json(template))
}

/// A template with its versions.
#[utoipa::path(
    get, path = "/v1/questionnaire-templates/{template_id}", tag = "questionnaires",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("template_id" = String, Path, description = "Template id")),
    responses((status = 200, description = "The template", body = QuestionnaireTemplate), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_template(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let template = web::block(move || service::get(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(template))
}

/// Rename a template or change its description (merge patch).
#[utoipa::path(
    patch, path = "/v1/questionnaire-templates/{template_id}", tag = "questionnaires",
    description = "Roles: admin, risk_manager. Built-in templates are read-only (409).",
    request_body(content = TemplateDetailsRequest, description = "Any subset of the fields (RFC 7396 merge patch)"),
    params(("template_id" = String, Path, description = "Template id")),
    responses(
        (status = 200, description = "The template", body = QuestionnaireTemplate),
        (status = 409, description = "The template is built in", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn update_template(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<MergePatch>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_QUESTIONNAIRES)?;
    let id = path.into_inner();
    let patch = body.value;
    let edit = move |current: &TemplateDetails| {
        let patched: TemplateDetailsRequest = patch.apply_to(
            &TemplateDetailsRequest {
                name: current.name.clone(),
                description: current.description.clone(),
            },
            &[],
        )?;
        Ok(TemplateDetails {
            name: non_blank_name(&patched.name)?,
            description: trimmed(patched.description),
        })
    };
    let pool = state.pool.clone();
    let template = web::block(move || service::update_details(&pool, &actor, &id, &edit)).await??;
    Ok(HttpResponse::Ok().json(template))
}

/// Start the next version as a draft.
#[utoipa::path(
    post, path = "/v1/questionnaire-templates/{template_id}/versions", tag = "questionnaires",
    description = "Roles: admin, risk_manager. With `sections`, the new draft has those questions; without, it copies the latest version's. Refused (409) for built-in templates and while another version is still a draft.",
    request_body = NewVersionRequest,
    params(("template_id" = String, Path, description = "Template id")),
    responses(
        (status = 201, description = "The new draft version", body = TemplateVersion),
        (status = 409, description = "The template is built in, or already has a draft", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_template_version(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<NewVersionRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_QUESTIONNAIRES)?;
    let id = path.into_inner();
    let content = body
        .value
        .sections
        .map(|sections| TemplateContent { sections });
    let pool = state.pool.clone();
    let version = web::block(move || service::new_version(&pool, &actor, &id, content)).await??;
    Ok(HttpResponse::Created().json(version))
}

/// A template version with its questions.
#[utoipa::path(
    get, path = "/v1/questionnaire-templates/{template_id}/versions/{number}", tag = "questionnaires",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(
        ("template_id" = String, Path, description = "Template id"),
        ("number" = i32, Path, description = "Version number, from 1")
    ),
    responses((status = 200, description = "The version", body = TemplateVersion), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn get_template_version(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let (id, number) = path.into_inner();
    let number = number_of(&number)?;
    let pool = state.pool.clone();
    let version = web::block(move || service::get_version(&pool, &actor, &id, number)).await??;
    Ok(HttpResponse::Ok().json(version))
}

/// Replace the questions of a draft version.
#[utoipa::path(
    put, path = "/v1/questionnaire-templates/{template_id}/versions/{number}", tag = "questionnaires",
    description = "Roles: admin, risk_manager. A published version is immutable (409); the same rules as on create apply.",
    request_body = VersionContentRequest,
    params(
        ("template_id" = String, Path, description = "Template id"),
        ("number" = i32, Path, description = "Version number, from 1")
    ),
    responses(
        (status = 200, description = "The draft version", body = TemplateVersion),
        (status = 409, description = "The version is published, or the template built in", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn replace_template_version(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    body: JsonBody<VersionContentRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_QUESTIONNAIRES)?;
    let (id, number) = path.into_inner();
    let number = number_of(&number)?;
    let content = TemplateContent {
        sections: body.value.sections,
    };
    let pool = state.pool.clone();
    let version =
        web::block(move || service::replace_draft(&pool, &actor, &id, number, content)).await??;
    Ok(HttpResponse::Ok().json(version))
}

/// Publish a draft version: it becomes immutable and can be sent to vendors.
#[utoipa::path(
    post, path = "/v1/questionnaire-templates/{template_id}/versions/{number}/publish", tag = "questionnaires",
    description = "Roles: admin, risk_manager.",
    params(
        ("template_id" = String, Path, description = "Template id"),
        ("number" = i32, Path, description = "Version number, from 1")
    ),
    responses(
        (status = 200, description = "The published version", body = TemplateVersion),
        (status = 409, description = "Already published, or the template is built in", body = Problem, content_type = "application/problem+json"),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn publish_template_version(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_QUESTIONNAIRES)?;
    let (id, number) = path.into_inner();
    let number = number_of(&number)?;
    let pool = state.pool.clone();
    let version = web::block(move || service::publish(&pool, &actor, &id, number)).await??;
    Ok(HttpResponse::Ok().json(version))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The template's name: required for CSV and XLSX; for JSON it replaces the body's.
    #[validate(length(min = 1, max = 200))]
    #[param(min_length = 1, max_length = 200, example = "Generative AI vendors")]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 2000))]
    #[param(min_length = 1, max_length = 2000)]
    pub description: Option<String>,
}

fn unreadable(message: String) -> ApiError {
    ApiError::field("body", "format", message)
}

/// Import a template from JSON, CSV or XLSX; it becomes a new template with a draft version.
#[utoipa::path(
    post, path = "/v1/questionnaire-templates/import", tag = "questionnaires",
    description = "Roles: admin, risk_manager. The body is the file: `application/json` in the shape of `POST /v1/questionnaire-templates` (which the JSON export produces), or a spreadsheet (`text/csv`, or XLSX's first worksheet) with one row per question under the header `section, key, text, type, required, weight, allow_not_applicable, options, controls, help, show_if` (only the first four are required; options one per line as `value | score | label`; controls separated by commas; `show_if` as JSON). Every bad row is listed in the 422 as `rows[<row number>].<column>`; nothing is created then. At most 5,000 rows and the configured body limit.",
    params(ImportQuery),
    request_body(description = "The template file", content(
        (TemplateRequest = "application/json"),
        (FileContent = "text/csv"),
        (FileContent = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )),
    responses((status = 201, description = "Created, with version 1 as a draft", body = QuestionnaireTemplate), CommonErrors, BodyErrors),
    security(("bearer" = []))
)]
pub async fn import_template(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<ImportQuery>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_QUESTIONNAIRES)?;
    let limit = request.app_data::<BodyLimit>().map_or(1024 * 1024, |l| l.0);
    let media_type = media_type(&request).unwrap_or_default();
    let known = ["application/json", "text/csv", XLSX_MEDIA_TYPE];
    if !known.contains(&media_type.as_str()) {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("the body must be one of {}", known.join(", ")),
        ));
    }
    let body = read_limited(&request, &mut payload.into_inner(), limit).await?;
    let query = query.0;
    let mut rows = SheetRows::default();
    let (name, description, content) = if media_type == "application/json" {
        let raw: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
        let parsed: TemplateRequest = from_value(raw).map_err(ApiError::validation)?;
        (
            query.name.unwrap_or(parsed.name),
            query.description.or(parsed.description),
            TemplateContent {
                sections: parsed.sections,
            },
        )
    } else {
        let table = if media_type == "text/csv" {
            spreadsheet::read_csv(&body)
        } else {
            spreadsheet::read_xlsx(&body)
        }
        .map_err(unreadable)?;
        let mut errors = Vec::new();
        if query.name.is_none() {
            errors.push(FieldError::new(
                "name",
                "required",
                "name the template for a spreadsheet import",
            ));
        }
        match (query.name, questionnaire_sheet::from_table(&table)) {
            (Some(name), Ok((content, sheet_rows))) => {
                rows = sheet_rows;
                (name, query.description, content)
            }
            (_, content) => {
                errors.extend(content.err().unwrap_or_default());
                return Err(ApiError::validation(errors));
            }
        }
    };
    let name = non_blank_name(&name).map_err(ApiError::validation)?;
    let description = trimmed(description);
    let pool = state.pool.clone();
    let created =
        web::block(move || service::create(&pool, &actor, &name, description.as_deref(), content))
            .await?;
    match created {
        Ok(template) => Ok(HttpResponse::Created().json(template)),
        Err(ServiceError::Validation(errors)) => Err(ApiError::validation(rows.by_row(errors))),
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TemplateFileFormat {
    Json,
    Csv,
    Xlsx,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<TemplateFileFormat>,
}

/// Export a template version as JSON, CSV or XLSX, in the form the import takes.
#[utoipa::path(
    get, path = "/v1/questionnaire-templates/{template_id}/versions/{number}/export", tag = "questionnaires",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. An attachment; importing it gives the same questions back. In CSV, text that a spreadsheet would run as a formula is prefixed with `'` (the import removes it).",
    params(
        ("template_id" = String, Path, description = "Template id"),
        ("number" = i32, Path, description = "Version number, from 1"),
        ExportQuery
    ),
    responses(
        (status = 200, description = "The template file", content(
            (TemplateRequest = "application/json"),
            (FileContent = "text/csv"),
            (FileContent = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn export_template_version(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    query: QueryParams<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let (id, number) = path.into_inner();
    let number = number_of(&number)?;
    let pool = state.pool.clone();
    let (template, version) =
        web::block(move || service::template_version(&pool, &actor, &id, number)).await??;
    let stem = sanitise_file_name(&format!("{}-v{number}", template.name))
        .unwrap_or_else(|| "template".into());
    let content = TemplateContent {
        sections: version.sections,
    };
    let response = match query.0.format.unwrap_or(TemplateFileFormat::Json) {
        TemplateFileFormat::Json => {
            let body = serde_json::to_vec_pretty(&TemplateRequest {
                name: template.name,
                description: template.description,
                sections: content.sections,
            })
            .map_err(|_| ApiError::internal())?;
            attachment("application/json", &format!("{stem}.json"), body)
        }
        TemplateFileFormat::Csv => {
            let body = spreadsheet::write_csv(&questionnaire_sheet::to_sheet(&content))
                .map_err(|_| ApiError::internal())?;
            attachment("text/csv", &format!("{stem}.csv"), body)
        }
        TemplateFileFormat::Xlsx => {
            let body = spreadsheet::write_xlsx(&[questionnaire_sheet::to_sheet(&content)])
                .map_err(|_| ApiError::internal())?;
            attachment(XLSX_MEDIA_TYPE, &format!("{stem}.xlsx"), body)
        }
    };
    Ok(response)
}
