//! `/v1/customer-questionnaires`: a customer's AI-governance questionnaire, answered from the
//! answer library and given back in the shape it came in.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::evidence::{attachment, FileContent};
use super::extract::{
    from_value, media_type, read_limited, trimmed, Auth, BodyLimit, IfMatch, JsonBody, QueryParams,
};
use super::problem::{
    ApiError, BodyErrors, CommonErrors, ConflictError, NotFoundError, StaleVersionError,
};
use super::vendors::etag;
use super::AppState;
use crate::domain::customer_questionnaire::{
    self as rules, Columns, CustomerQuestion, CustomerQuestionnaire, FileFormat, JsonQuestion,
    QuestionnaireStatus, MAX_ANSWER_CHARS,
};
use crate::domain::evidence::sanitise_file_name;
use crate::domain::pagination::Page;
use crate::domain::roles::access;
use crate::domain::spreadsheet::{self, XLSX_MEDIA_TYPE};
use crate::domain::time::parse_date_field;
use crate::domain::FieldError;
use crate::service::customer_questionnaires::{
    self as service, Answer, Import, QuestionnaireDetail,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/customer-questionnaires")
            .route(web::get().to(list_questionnaires))
            .route(web::post().to(import_questionnaire)),
    )
    .service(
        web::resource("/v1/customer-questionnaires/{questionnaire_id}")
            .route(web::get().to(get_questionnaire)),
    )
    .service(
        web::resource(
            "/v1/customer-questionnaires/{questionnaire_id}/questions/{question_id}/answer",
        )
        .route(web::put().to(answer_question)),
    )
    .service(
        web::resource("/v1/customer-questionnaires/{questionnaire_id}/status")
            .route(web::post().to(change_status)),
    )
    .service(
        web::resource("/v1/customer-questionnaires/{questionnaire_id}/suggestions")
            .route(web::post().to(refresh_suggestions)),
    )
    .service(
        web::resource("/v1/customer-questionnaires/{questionnaire_id}/export")
            .route(web::get().to(export_questionnaire)),
    );
}

/// A questionnaire sent as JSON; the JSON export has the same shape with answers.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "customer": "Globex Bank",
    "title": "AI vendor assessment 2027",
    "questions": [
        {"id": "AI-01", "section": "Data", "question": "Is our data ever used to train your AI models?"},
        {"id": "AI-02", "section": "Oversight", "question": "Can a person override what the AI decides?"}
    ]
}))]
pub struct QuestionnaireRequest {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub customer: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(max_items = 5000)]
    pub questions: Vec<JsonQuestion>,
}

/// How to read the file; for spreadsheets, which columns hold what.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The customer; required for CSV and XLSX (JSON names it in the body).
    #[validate(length(min = 1, max = 300))]
    #[param(min_length = 1, max_length = 300)]
    pub customer: Option<String>,
    /// The questionnaire's title; required for CSV and XLSX.
    #[validate(length(min = 1, max = 300))]
    #[param(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    /// The column of questions (case-insensitive); default `Question`.
    #[validate(length(min = 1, max = 200))]
    #[param(min_length = 1, max_length = 200)]
    pub question_column: Option<String>,
    /// A column naming each question's section.
    #[validate(length(min = 1, max = 200))]
    #[param(min_length = 1, max_length = 200)]
    pub section_column: Option<String>,
    /// A column with the customer's id for each question.
    #[validate(length(min = 1, max = 200))]
    #[param(min_length = 1, max_length = 200)]
    pub id_column: Option<String>,
    /// The column answers go in on export: the file's own if it has one by this name, else
    /// one added after the last; default `Answer`.
    #[validate(length(min = 1, max = 200))]
    #[param(min_length = 1, max_length = 200)]
    pub answer_column: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[param(min_length = 1, max_length = 200)]
    pub owner: Option<String>,
    /// When the customer expects the answers.
    #[param(format = Date)]
    pub due_date: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuestionnairesQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
    pub status: Option<QuestionnaireStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnairePage {
    pub data: Vec<CustomerQuestionnaire>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// How to answer one question: from a library entry (as it stands, or edited), or in words of
/// one's own.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"entry_id": "01936b2e-8f4a-7c3e-9a57-2f1d3c4b5a69"}))]
pub struct CustomerAnswerRequest {
    /// A library entry to answer from (usually a suggestion's `entry_id`).
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub entry_id: Option<String>,
    /// The answer. With `entry_id`, a text that differs from the entry's is an edit.
    #[validate(length(min = 1, max = 20000))]
    #[schema(min_length = 1, max_length = 20000)]
    pub text: Option<String>,
    /// With `entry_id` and no `text`: use the entry's long answer.
    #[serde(default)]
    pub long_form: bool,
    /// Without `entry_id`: also keep this answer in the library, as a draft entry.
    #[serde(default)]
    pub save_to_library: bool,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "in_review"}))]
pub struct QuestionnaireStatusRequest {
    /// `in_review` (every question answered), `in_progress` (back from review or approval),
    /// or `approved`.
    pub status: QuestionnaireStatus,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json`, `csv` or `xlsx`; default: the format it came in.
    pub format: Option<FileFormat>,
}

/// An exported question in the JSON shape of the import, with its answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedCustomerQuestion {
    pub id: Option<String>,
    pub section: Option<String>,
    pub question: String,
    pub answer: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedCustomerQuestionnaire {
    pub customer: String,
    pub title: String,
    pub questions: Vec<ExportedCustomerQuestion>,
}

fn detail_response(status: StatusCode, detail: &QuestionnaireDetail) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(detail.questionnaire.version))
        .json(detail)
}

fn unreadable(message: String) -> ApiError {
    ApiError::field("body", "format", message)
}

fn required(value: Option<String>, field: &str, errors: &mut Vec<FieldError>) -> String {
    match trimmed(value) {
        Some(v) => v,
        None => {
            errors.push(FieldError::new(
                field,
                "required",
                "name it for a spreadsheet import",
            ));
            String::new()
        }
    }
}

/// Reads the body into an import: JSON as `QuestionnaireRequest`, spreadsheets by the columns
/// the query names.
fn read_import(media_type: &str, body: &[u8], query: ImportQuery) -> Result<Import, ApiError> {
    let mut errors = Vec::new();
    let due_date = match query
        .due_date
        .as_deref()
        .map(|d| parse_date_field("due_date", d))
    {
        Some(Err(e)) => {
            errors.push(e);
            None
        }
        Some(Ok(d)) => Some(d),
        None => None,
    };
    let owner = trimmed(query.owner);
    let (format, customer, title, read) = if media_type == "application/json" {
        let raw: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
        let parsed: QuestionnaireRequest = from_value(raw).map_err(ApiError::validation)?;
        let read = rules::from_json(&parsed.questions);
        (
            FileFormat::Json,
            trimmed(query.customer).unwrap_or(parsed.customer),
            trimmed(query.title).unwrap_or(parsed.title),
            read,
        )
    } else {
        let (format, table) = if media_type == "text/csv" {
            (FileFormat::Csv, spreadsheet::read_csv(body))
        } else {
            (FileFormat::Xlsx, spreadsheet::read_xlsx(body))
        };
        let table = table.map_err(unreadable)?;
        let customer = required(query.customer, "customer", &mut errors);
        let title = required(query.title, "title", &mut errors);
        let columns = Columns {
            question: trimmed(query.question_column).unwrap_or_else(|| "Question".into()),
            section: trimmed(query.section_column),
            id: trimmed(query.id_column),
            answer: trimmed(query.answer_column).unwrap_or_else(|| "Answer".into()),
        };
        (format, customer, title, rules::from_table(&table, &columns))
    };
    let (layout, questions) = match read {
        Ok(read) => read,
        Err(more) => {
            errors.extend(more);
            return Err(ApiError::validation(errors));
        }
    };
    for (field, value) in [("customer", &customer), ("title", &title)] {
        if value.trim().is_empty() && !errors.iter().any(|e| e.field == field) {
            errors.push(FieldError::new(field, "required", "must not be blank"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(Import {
        customer: customer.trim().to_owned(),
        title: title.trim().to_owned(),
        owner,
        due_date,
        format,
        layout,
        questions,
    })
}

/// Import a customer's questionnaire; every question gets ranked suggestions from the library.
#[utoipa::path(
    post, path = "/v1/customer-questionnaires", tag = "customer questionnaires",
    description = "Roles: admin, risk_manager, sales. The body is the file: `application/json` (`QuestionnaireRequest`), `text/csv`, or XLSX (its first worksheet), with a header row; the query names the question column (default `Question`) and, optionally, section and id columns. Every question must have text: a blank one is named in the 422 as `rows[<row>].<column>` (or `questions[<i>].question`) and nothing is imported. At most 5,000 questions and the configured body limit (413). Each question is stored in order with up to five suggestions: relevance, confidence band, matched wording, controls and evidence; `needs_human` marks those no approved entry answers with confidence.",
    params(ImportQuery),
    request_body(description = "The questionnaire file", content(
        (QuestionnaireRequest = "application/json"),
        (FileContent = "text/csv"),
        (FileContent = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )),
    responses(
        (status = 201, description = "Imported, with suggestions", body = QuestionnaireDetail, headers(("ETag" = String, description = "The questionnaire's version"))),
        CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn import_questionnaire(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<ImportQuery>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_ANSWERS)?;
    let limit = request.app_data::<BodyLimit>().map_or(1024 * 1024, |l| l.0);
    let media_type = media_type(&request).unwrap_or_default();
    let known = ["application/json", "text/csv", XLSX_MEDIA_TYPE];
    if !known.contains(&media_type.as_str()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("the body must be one of {}", known.join(", ")),
        ));
    }
    let body = read_limited(&request, &mut payload.into_inner(), limit).await?;
    let import = read_import(&media_type, &body, query.0)?;
    let pool = state.pool.clone();
    let indexes = state.answers.clone();
    let created = web::block(move || service::import(&pool, &indexes, &actor, import)).await??;
    Ok(detail_response(StatusCode::CREATED, &created))
}

/// List customer questionnaires, newest first.
#[utoipa::path(
    get, path = "/v1/customer-questionnaires", tag = "customer questionnaires",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(ListQuestionnairesQuery),
    responses((status = 200, description = "One page of questionnaires", body = QuestionnairePage), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_questionnaires(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<ListQuestionnairesQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let q = query.0;
    let page =
        Page::parse(q.limit, q.cursor.as_deref()).map_err(|e| ApiError::validation(vec![e]))?;
    let pool = state.pool.clone();
    let (data, next_cursor) =
        web::block(move || service::list(&pool, &actor, q.status, &page)).await??;
    Ok(HttpResponse::Ok().json(QuestionnairePage { data, next_cursor }))
}

/// Read a questionnaire with its questions, suggestions and answers.
#[utoipa::path(
    get, path = "/v1/customer-questionnaires/{questionnaire_id}", tag = "customer questionnaires",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("questionnaire_id" = String, Path, description = "Questionnaire id")),
    responses(
        (status = 200, description = "The questionnaire", body = QuestionnaireDetail, headers(("ETag" = String, description = "The questionnaire's version"))),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_questionnaire(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let detail = web::block(move || service::get(&pool, &actor, &id)).await??;
    Ok(detail_response(StatusCode::OK, &detail))
}

/// Answer a question: accept a suggestion, edit it, or write an answer.
#[utoipa::path(
    put, path = "/v1/customer-questionnaires/{questionnaire_id}/questions/{question_id}/answer", tag = "customer questionnaires",
    description = "Roles: admin, risk_manager, sales. With `entry_id` alone the entry's answer is taken (`library`); with `entry_id` and a different `text`, it is `edited`; with `text` alone it is `written`, and `save_to_library` keeps it as a draft library entry. A retired entry cannot be used (422). Answers change while the questionnaire is imported or in progress (409 after); the first answer moves it to in progress.",
    request_body = CustomerAnswerRequest,
    params(
        ("questionnaire_id" = String, Path, description = "Questionnaire id"),
        ("question_id" = String, Path, description = "Question id")
    ),
    responses(
        (status = 200, description = "The answered question", body = CustomerQuestion),
        NotFoundError, ConflictError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn answer_question(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    body: JsonBody<CustomerAnswerRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_ANSWERS)?;
    let r = body.value;
    let text = trimmed(r.text);
    if text
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_ANSWER_CHARS)
    {
        return Err(ApiError::field(
            "text",
            "length",
            format!("must be at most {MAX_ANSWER_CHARS} characters"),
        ));
    }
    if r.save_to_library && r.entry_id.is_some() {
        return Err(ApiError::field(
            "save_to_library",
            "conflict",
            "an answer taken from the library is in it already",
        ));
    }
    let answer = Answer {
        entry_id: trimmed(r.entry_id),
        text,
        long_form: r.long_form,
        save_to_library: r.save_to_library,
    };
    let (questionnaire_id, question_id) = path.into_inner();
    let pool = state.pool.clone();
    let answered =
        web::block(move || service::answer(&pool, &actor, &questionnaire_id, &question_id, answer))
            .await??;
    Ok(HttpResponse::Ok().json(answered))
}

/// Send a questionnaire to review, back to work, or approve it.
#[utoipa::path(
    post, path = "/v1/customer-questionnaires/{questionnaire_id}/status", tag = "customer questionnaires",
    description = "Roles: admin, risk_manager, sales. imported | in_progress → in_review (every question answered, 409 otherwise); in_review → in_progress | approved; approved | exported → in_progress. The first export of an approved questionnaire makes it exported.",
    request_body = QuestionnaireStatusRequest,
    params(
        ("questionnaire_id" = String, Path, description = "Questionnaire id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 200, description = "The questionnaire in its new status", body = CustomerQuestionnaire, headers(("ETag" = String, description = "The questionnaire's new version"))),
        NotFoundError, ConflictError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn change_status(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<QuestionnaireStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_ANSWERS)?;
    let request = body.value;
    let reason = trimmed(request.reason);
    let pool = state.pool.clone();
    let id = path.into_inner();
    let questionnaire = web::block(move || {
        service::change_status(
            &pool,
            &actor,
            &id,
            if_match.0,
            request.status,
            reason.as_deref(),
        )
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header(etag(questionnaire.version))
        .json(questionnaire))
}

/// Suggest again, from the library as it is now, for the questions not yet answered.
#[utoipa::path(
    post, path = "/v1/customer-questionnaires/{questionnaire_id}/suggestions", tag = "customer questionnaires",
    description = "Roles: admin, risk_manager, sales. Answered questions keep their answers and suggestions.",
    params(("questionnaire_id" = String, Path, description = "Questionnaire id")),
    responses(
        (status = 200, description = "The questionnaire with fresh suggestions", body = QuestionnaireDetail, headers(("ETag" = String, description = "The questionnaire's new version"))),
        NotFoundError, ConflictError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn refresh_suggestions(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_ANSWERS)?;
    let pool = state.pool.clone();
    let indexes = state.answers.clone();
    let id = path.into_inner();
    let detail =
        web::block(move || service::refresh_suggestions(&pool, &indexes, &actor, &id)).await??;
    Ok(detail_response(StatusCode::OK, &detail))
}

/// Export the answered questionnaire in the shape it came in.
#[utoipa::path(
    get, path = "/v1/customer-questionnaires/{questionnaire_id}/export", tag = "customer questionnaires",
    description = "Roles: admin, risk_manager, sales. Only once approved (409 before). A spreadsheet comes back with the columns it had and the answers in the answer column (its own, or one added after the last); JSON in the import's shape with `answer` on each question. Text a spreadsheet would run as a formula is prefixed with `'` in CSV; XLSX cells are plain strings. The first export of an approved questionnaire records it as exported.",
    params(
        ("questionnaire_id" = String, Path, description = "Questionnaire id"),
        ExportQuery
    ),
    responses(
        (status = 200, description = "The answered questionnaire", content(
            (ExportedCustomerQuestionnaire = "application/json"),
            (FileContent = "text/csv"),
            (FileContent = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )),
        NotFoundError, ConflictError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn export_questionnaire(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    query: QueryParams<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_ANSWERS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let export = web::block(move || service::export(&pool, &actor, &id)).await??;
    let q = &export.questionnaire;
    let stem = sanitise_file_name(&format!("{} - {}", q.customer, q.title))
        .unwrap_or_else(|| "questionnaire".into());
    let response = match query.0.format.unwrap_or(q.source_format) {
        FileFormat::Json => {
            let body = serde_json::to_vec_pretty(&ExportedCustomerQuestionnaire {
                customer: q.customer.clone(),
                title: q.title.clone(),
                questions: export
                    .questions
                    .iter()
                    .map(|question| ExportedCustomerQuestion {
                        id: question.reference.clone(),
                        section: question.section.clone(),
                        question: question.text.clone(),
                        answer: question.answer.clone(),
                    })
                    .collect(),
            })
            .map_err(|_| ApiError::internal())?;
            attachment("application/json", &format!("{stem}.json"), body)
        }
        FileFormat::Csv => {
            let sheet = rules::to_sheet(&export.layout, &export.questions, &export.cells);
            let body = spreadsheet::write_csv(&sheet).map_err(|_| ApiError::internal())?;
            attachment("text/csv", &format!("{stem}.csv"), body)
        }
        FileFormat::Xlsx => {
            let sheet = rules::to_sheet(&export.layout, &export.questions, &export.cells);
            let body = spreadsheet::write_xlsx(&[sheet]).map_err(|_| ApiError::internal())?;
            attachment(XLSX_MEDIA_TYPE, &format!("{stem}.xlsx"), body)
        }
    };
    Ok(response)
}
