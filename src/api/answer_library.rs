//! `/v1/answer-library`: approved answers to customers' AI-governance questions, searched for
//! suggestions.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{trimmed, Auth, IfMatch, JsonBody, MergePatch, QueryParams};
use super::problem::{
    ApiError, BodyErrors, CommonErrors, ConflictError, NotFoundError, StaleVersionError,
};
use super::vendors::etag;
use super::AppState;
use crate::domain::answer_library::{
    AnswerEntry, EntryFields, EntryStatus, EvidenceLink, Suggestion,
};
use crate::domain::pagination::Page;
use crate::domain::roles::access;
use crate::domain::time::parse_date_field;
use crate::domain::vendor::{dedup, parse_tag};
use crate::domain::FieldError;
use crate::service::answer_library::{self as service, EntryFilter, EntryVersion};

/// Fields the server owns.
const ENTRY_READ_ONLY: [&str; 7] = [
    "id",
    "status",
    "stale",
    "version",
    "created_by",
    "created_at",
    "updated_at",
];

const MAX_TEXT: usize = 2_000;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/answer-library")
            .route(web::get().to(list_entries))
            .route(web::post().to(create_entry)),
    )
    .service(web::resource("/v1/answer-library/suggestions").route(web::get().to(suggest)))
    .service(
        web::resource("/v1/answer-library/{entry_id}")
            .route(web::get().to(get_entry))
            .route(web::patch().to(update_entry)),
    )
    .service(
        web::resource("/v1/answer-library/{entry_id}/status").route(web::post().to(change_status)),
    )
    .service(
        web::resource("/v1/answer-library/{entry_id}/history").route(web::get().to(entry_history)),
    );
}

/// An entry as written: the body of a create, and what a merge patch is read as.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "question": "Do you use customer data to train or fine-tune your AI models?",
    "alternatives": ["Is customer content used to improve your models?"],
    "answer_short": "No. Customer data is never used to train, fine-tune or evaluate models.",
    "owner": "trust@example.com",
    "tags": ["data", "training"],
    "control_ids": ["iso42001:A.7.3"],
    "evidence": [{"title": "Data processing addendum", "url": "https://trust.example.com/dpa.pdf"}],
    "status": "approved",
    "review_by": "2027-06-30"
}))]
pub struct EntryRequest {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub question: String,
    /// Other wordings of the question, up to 20.
    #[validate(length(max = 20))]
    #[serde(default)]
    #[schema(max_items = 20)]
    pub alternatives: Vec<String>,
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub answer_short: String,
    #[validate(length(min = 1, max = 50000))]
    #[schema(min_length = 1, max_length = 50000)]
    pub answer_long: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub owner: Option<String>,
    #[validate(length(max = 50))]
    #[serde(default)]
    #[schema(max_items = 50)]
    pub tags: Vec<String>,
    /// Controls of the catalog this answer describes.
    #[validate(length(max = 50))]
    #[serde(default)]
    #[schema(max_items = 50, example = json!(["iso42001:A.10.4"]))]
    pub control_ids: Vec<String>,
    #[validate(length(max = 20))]
    #[serde(default)]
    #[schema(max_items = 20)]
    pub evidence: Vec<EvidenceLink>,
    /// When the answer must be reviewed again; approving without one sets it a year ahead.
    #[schema(format = Date)]
    pub review_by: Option<String>,
    /// On creation only: `draft` (the default) or `approved`. Later changes go through
    /// `POST /v1/answer-library/{entry_id}/status`.
    pub status: Option<EntryStatus>,
}

fn check_text(field: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let text = value.trim().to_owned();
    if text.is_empty() {
        errors.push(FieldError::new(field, "required", "must not be blank"));
    } else if text.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "length",
            format!("must be at most {max} characters"),
        ));
    }
    text
}

impl EntryRequest {
    fn into_fields(self) -> Result<EntryFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let question = check_text("question", &self.question, MAX_TEXT, &mut errors);
        let answer_short = check_text("answer_short", &self.answer_short, 5_000, &mut errors);
        let alternatives = self
            .alternatives
            .iter()
            .enumerate()
            .map(|(i, a)| check_text(&format!("alternatives[{i}]"), a, MAX_TEXT, &mut errors))
            .collect();
        let mut tags = Vec::new();
        for (i, tag) in self.tags.iter().enumerate() {
            match parse_tag(&format!("tags[{i}]"), tag) {
                Ok(t) => tags.push(t),
                Err(e) => errors.push(e),
            }
        }
        tags.sort();
        let control_ids = dedup(
            self.control_ids
                .iter()
                .enumerate()
                .map(|(i, c)| check_text(&format!("control_ids[{i}]"), c, 200, &mut errors))
                .collect(),
        );
        let evidence = self
            .evidence
            .into_iter()
            .enumerate()
            .map(|(i, e)| EvidenceLink {
                title: check_text(&format!("evidence[{i}].title"), &e.title, 300, &mut errors),
                url: trimmed(e.url),
                reference: trimmed(e.reference),
            })
            .collect();
        let review_by = match self
            .review_by
            .as_deref()
            .map(|d| parse_date_field("review_by", d))
        {
            Some(Err(e)) => {
                errors.push(e);
                None
            }
            Some(Ok(d)) => Some(d),
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(EntryFields {
            question,
            alternatives,
            answer_short,
            answer_long: trimmed(self.answer_long),
            owner: trimmed(self.owner),
            tags: dedup(tags),
            control_ids,
            evidence,
            review_by,
        })
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "approved"}))]
pub struct EntryStatusRequest {
    pub status: EntryStatus,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListEntriesQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
    pub status: Option<EntryStatus>,
    #[validate(length(min = 1, max = 64))]
    pub tag: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub control_id: Option<String>,
    /// `true`: only approved entries past their review date.
    pub stale: Option<bool>,
    /// Part of the question's canonical wording, case-insensitively.
    #[validate(length(min = 1, max = 200))]
    pub q: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// The question as the customer asked it.
    #[validate(length(min = 1, max = 5000))]
    #[param(
        min_length = 1,
        max_length = 5000,
        example = "Is our data ever used to train your models?"
    )]
    pub q: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryPage {
    pub data: Vec<AnswerEntry>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryHistory {
    /// Earlier versions, newest first.
    pub data: Vec<EntryVersion>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionList {
    /// Best first; empty when nothing in the library shares a meaningful word.
    pub data: Vec<Suggestion>,
    /// No suggestion is approved with at least medium confidence.
    pub needs_human: bool,
}

fn entry_response(status: StatusCode, entry: &AnswerEntry) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(entry.version))
        .json(entry)
}

/// Add an entry to the library.
#[utoipa::path(
    post, path = "/v1/answer-library", tag = "answer library",
    description = "Roles: admin, risk_manager, sales. Entries start as drafts unless `status` is `approved`; approving needs a `review_by` after today (a year from today when absent). Every `control_ids` member must be a control of the catalog (422 naming it otherwise).",
    request_body = EntryRequest,
    responses(
        (status = 201, description = "Created", body = AnswerEntry, headers(("ETag" = String, description = "The entry's version"))),
        CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_entry(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<EntryRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_ANSWERS)?;
    let request = body.value;
    let status = request.status.unwrap_or(EntryStatus::Draft);
    if status == EntryStatus::Retired {
        return Err(ApiError::field(
            "status",
            "enum",
            "a new entry is draft or approved",
        ));
    }
    let fields = request.into_fields().map_err(ApiError::validation)?;
    let pool = state.pool.clone();
    let entry = web::block(move || service::create(&pool, &actor, fields, status)).await??;
    Ok(entry_response(StatusCode::CREATED, &entry))
}

/// List the library, newest first, with filters.
#[utoipa::path(
    get, path = "/v1/answer-library", tag = "answer library",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(ListEntriesQuery),
    responses((status = 200, description = "One page of entries", body = EntryPage), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_entries(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<ListEntriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let q = query.0;
    let page =
        Page::parse(q.limit, q.cursor.as_deref()).map_err(|e| ApiError::validation(vec![e]))?;
    let filter = EntryFilter {
        status: q.status,
        tag: q.tag.map(|t| t.trim().to_lowercase()),
        control_id: q.control_id,
        stale: q.stale == Some(true),
        text: q.q,
    };
    let pool = state.pool.clone();
    let (data, next_cursor) =
        web::block(move || service::list(&pool, &actor, &filter, &page)).await??;
    Ok(HttpResponse::Ok().json(EntryPage { data, next_cursor }))
}

/// Suggestions from the library for one question.
#[utoipa::path(
    get, path = "/v1/answer-library/suggestions", tag = "answer library",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Approved entries ranked by full-text relevance (stemmed, stop words removed, every wording of an entry searched); each with a relevance from 0 to 1, a confidence band, the wording that matched and the entry's controls and evidence. A stale entry is suggested but never as `approved`.",
    params(SuggestQuery),
    responses((status = 200, description = "Suggestions, best first", body = SuggestionList), CommonErrors),
    security(("bearer" = []))
)]
pub async fn suggest(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<SuggestQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let question = query.0.q;
    if question.trim().is_empty() {
        return Err(ApiError::field("q", "required", "must not be blank"));
    }
    let pool = state.pool.clone();
    let indexes = state.answers.clone();
    let data = web::block(move || service::suggest(&pool, &indexes, &actor, &question)).await??;
    let needs_human = crate::domain::answer_library::needs_human(&data);
    Ok(HttpResponse::Ok().json(SuggestionList { data, needs_human }))
}

/// Read an entry.
#[utoipa::path(
    get, path = "/v1/answer-library/{entry_id}", tag = "answer library",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("entry_id" = String, Path, description = "Entry id")),
    responses(
        (status = 200, description = "The entry", body = AnswerEntry, headers(("ETag" = String, description = "The entry's version"))),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_entry(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let entry = web::block(move || service::get(&pool, &actor, &id)).await??;
    Ok(entry_response(StatusCode::OK, &entry))
}

/// Change an entry (JSON merge patch); the version before is kept as history.
#[utoipa::path(
    patch, path = "/v1/answer-library/{entry_id}", tag = "answer library",
    description = "Roles: admin, risk_manager, sales. Status changes go through `POST /v1/answer-library/{entry_id}/status`. An approved entry keeps a review date after today.",
    request_body(content = EntryRequest, description = "Fields to change; `null` clears an optional one; not `status`"),
    params(
        ("entry_id" = String, Path, description = "Entry id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 200, description = "The updated entry", body = AnswerEntry, headers(("ETag" = String, description = "The entry's new version"))),
        NotFoundError, ConflictError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn update_entry(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<MergePatch>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_ANSWERS)?;
    let patch = body.value;
    if patch.0.contains_key("status") {
        return Err(ApiError::field(
            "status",
            "read_only",
            "change it with POST /v1/answer-library/{entry_id}/status",
        ));
    }
    let pool = state.pool.clone();
    let id = path.into_inner();
    let entry = web::block(move || {
        let edit = |current: &AnswerEntry| {
            patch
                .apply_to::<_, EntryRequest>(current, &ENTRY_READ_ONLY)?
                .into_fields()
        };
        service::update(&pool, &actor, &id, if_match.0, &edit)
    })
    .await??;
    Ok(entry_response(StatusCode::OK, &entry))
}

/// Approve an entry, return it to draft, or retire it.
#[utoipa::path(
    post, path = "/v1/answer-library/{entry_id}/status", tag = "answer library",
    description = "Roles: admin, risk_manager, sales. draft → approved | retired; approved → draft | retired; retired → draft. Approving keeps a future `review_by` or sets one a year ahead.",
    request_body = EntryStatusRequest,
    params(
        ("entry_id" = String, Path, description = "Entry id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 200, description = "The entry in its new status", body = AnswerEntry, headers(("ETag" = String, description = "The entry's new version"))),
        NotFoundError, ConflictError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn change_status(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<EntryStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::MANAGE_ANSWERS)?;
    let request = body.value;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let reason = trimmed(request.reason);
    let entry = web::block(move || {
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
    Ok(entry_response(StatusCode::OK, &entry))
}

/// Earlier versions of an entry.
#[utoipa::path(
    get, path = "/v1/answer-library/{entry_id}/history", tag = "answer library",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Every version the entry had before a change, with who replaced it and when.",
    params(("entry_id" = String, Path, description = "Entry id")),
    responses(
        (status = 200, description = "Earlier versions, newest first", body = EntryHistory),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn entry_history(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let data = web::block(move || service::history(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(EntryHistory { data }))
}
