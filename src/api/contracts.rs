//! `/v1/contracts` and `/v1/vendors/{vendor_id}/contracts`: contracts, their documents and
//! clauses mapped to controls.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::evidence::{attachment, FileContent, UploadQuery};
use super::extract::{
    double_option, media_type, read_limited, trimmed, Auth, IfMatch, JsonBody, MergePatch,
    QueryParams,
};
use super::problem::{
    ApiError, BodyErrors, CommonErrors, ConflictError, NotFoundError, StaleVersionError,
};
use super::vendors::etag;
use super::AppState;
use crate::domain::contract::{
    Clause, ClauseCategory, ClauseCoverage, Contract, ContractFields, ContractStatus, ContractType,
    Verification,
};
use crate::domain::pagination::Page;
use crate::domain::roles::access;
use crate::domain::time::parse_date_field;
use crate::domain::{Actor, FieldError};
use crate::service::contracts::{
    self as service, ClauseFields, ContractDocument, ContractFilter, MappingPatch, NewMapping,
};
use crate::service::evidence::Upload;

/// Fields the server owns.
const CONTRACT_READ_ONLY: [&str; 6] = [
    "id",
    "vendor_id",
    "notice_date",
    "version",
    "created_at",
    "updated_at",
];
const CLAUSE_READ_ONLY: [&str; 5] = ["id", "contract_id", "mappings", "created_at", "updated_at"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/vendors/{vendor_id}/contracts")
            .route(web::get().to(list_vendor_contracts))
            .route(web::post().to(create_contract)),
    )
    .service(web::resource("/v1/contracts").route(web::get().to(list_contracts)))
    .service(
        web::resource("/v1/contracts/{contract_id}")
            .route(web::get().to(get_contract))
            .route(web::patch().to(update_contract))
            .route(web::delete().to(delete_contract)),
    )
    .service(
        web::resource("/v1/contracts/{contract_id}/documents")
            .route(web::get().to(list_documents))
            .route(web::post().to(upload_document)),
    )
    .service(
        web::resource("/v1/contracts/{contract_id}/documents/{document_id}/content")
            .route(web::get().to(download_document)),
    )
    .service(
        web::resource("/v1/contracts/{contract_id}/clauses")
            .route(web::get().to(list_clauses))
            .route(web::post().to(create_clause)),
    )
    .service(
        web::resource("/v1/contracts/{contract_id}/clauses/{clause_id}")
            .route(web::patch().to(update_clause))
            .route(web::delete().to(delete_clause)),
    )
    .service(
        web::resource("/v1/contracts/{contract_id}/clauses/{clause_id}/mappings")
            .route(web::post().to(add_mappings)),
    )
    .service(
        web::resource("/v1/contracts/{contract_id}/clauses/{clause_id}/mappings/{mapping_id}")
            .route(web::patch().to(update_mapping))
            .route(web::delete().to(delete_mapping)),
    );
}

fn default_status() -> ContractStatus {
    ContractStatus::Draft
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Acme AI master services agreement",
    "contract_type": "msa",
    "status": "active",
    "effective_date": "2026-01-01",
    "end_date": "2027-12-31",
    "auto_renewal": true,
    "renewal_term_months": 12,
    "notice_period_days": 90,
    "governing_law": "England and Wales"
}))]
pub struct ContractRequest {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    pub contract_type: ContractType,
    /// `draft` when not given. `expired` is set by annexa, never by a client.
    #[serde(default = "default_status")]
    pub status: ContractStatus,
    #[schema(format = Date)]
    pub effective_date: String,
    /// Absent for an open-ended contract.
    #[schema(format = Date)]
    pub end_date: Option<String>,
    /// Renews itself at the end date unless notice is given; needs `end_date`.
    #[serde(default)]
    pub auto_renewal: bool,
    /// Length of each automatic renewal (12 when not given).
    #[validate(range(min = 1, max = 120))]
    #[schema(minimum = 1, maximum = 120)]
    pub renewal_term_months: Option<i32>,
    /// Days before the end date by which notice must be given; needs `end_date`.
    #[validate(range(min = 0, max = 365))]
    #[schema(minimum = 0, maximum = 365)]
    pub notice_period_days: Option<i32>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub governing_law: Option<String>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
}

impl ContractRequest {
    /// `current` is the stored status when patching: an expired contract may keep it.
    fn into_fields(
        self,
        current: Option<ContractStatus>,
    ) -> Result<ContractFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.status == ContractStatus::Expired && current != Some(ContractStatus::Expired) {
            errors.push(FieldError::new(
                "status",
                "set_by_annexa",
                "a contract becomes expired when its end date passes; use draft, negotiating, active or terminated",
            ));
        }
        let mut date = |field: &str, value: &str| match parse_date_field(field, value) {
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                value.to_owned()
            }
        };
        let effective_date = date("effective_date", &self.effective_date);
        let end_date = self.end_date.as_deref().map(|d| date("end_date", d));
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            errors.push(FieldError::new("title", "required", "must not be blank"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ContractFields {
            title,
            contract_type: self.contract_type,
            status: self.status,
            effective_date,
            end_date,
            auto_renewal: self.auto_renewal,
            renewal_term_months: self.renewal_term_months,
            notice_period_days: self.notice_period_days,
            governing_law: trimmed(self.governing_law),
            notes: trimmed(self.notes),
        })
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListContractsQuery {
    /// Page size, 1 to 200 (larger values are capped); default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 300))]
    pub cursor: Option<String>,
    #[validate(length(min = 1, max = 64))]
    pub vendor_id: Option<String>,
    pub status: Option<ContractStatus>,
    /// Active contracts whose notice date or end date falls within this many days from
    /// today: `30d` (or `30`), 1 to 3650.
    #[param(example = "30d")]
    #[validate(length(min = 1, max = 8))]
    pub expiring_within: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractPage {
    pub data: Vec<Contract>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractList {
    pub data: Vec<Contract>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    pub data: Vec<ContractDocument>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClauseList {
    pub data: Vec<Clause>,
}

fn default_verification() -> Verification {
    Verification::Claimed
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "iso42001:A.10.3", min_length = 1, max_length = 200)]
    pub control_id: String,
    pub coverage: ClauseCoverage,
    /// `claimed` when not given; `verified` and `disputed` need role admin or risk_manager.
    #[serde(default = "default_verification")]
    pub verification: Verification,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
}

fn into_mappings(requests: Vec<MappingRequest>) -> Vec<NewMapping> {
    requests
        .into_iter()
        .map(|m| NewMapping {
            control_id: m.control_id.trim().to_owned(),
            coverage: m.coverage,
            verification: m.verification,
            note: trimmed(m.note),
        })
        .collect()
}

/// Verifying or disputing a mapping is a reviewer's call.
fn require_verifier(actor: &Actor, verifications: &[Verification]) -> Result<(), ApiError> {
    let deciding = verifications.iter().any(|v| *v != Verification::Claimed);
    let allowed = actor
        .roles
        .iter()
        .any(|r| access::VERIFY_AND_ACCEPT.contains(r));
    if deciding && !allowed {
        return Err(ApiError::forbidden(format!(
            "verifying or disputing a mapping needs one of the roles: {}",
            access::describe(access::VERIFY_AND_ACCEPT)
        )));
    }
    Ok(())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reference": "§7.2",
    "summary": "No training on customer data without written opt-in.",
    "category": "training_data",
    "mappings": [{"control_id": "iso42001:A.10.3", "coverage": "full"}]
}))]
pub struct CreateClauseRequest {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub reference: String,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub summary: String,
    pub category: ClauseCategory,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub mappings: Vec<MappingRequest>,
}

/// A clause's own fields, as a merge patch reads them.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"summary": "No training on customer data, ever."}))]
pub struct ClauseFieldsRequest {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub reference: String,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub summary: String,
    pub category: ClauseCategory,
}

fn clause_fields(
    reference: &str,
    summary: &str,
    category: ClauseCategory,
) -> Result<ClauseFields, Vec<FieldError>> {
    let (reference, summary) = (reference.trim(), summary.trim());
    let mut errors = Vec::new();
    if reference.is_empty() {
        errors.push(FieldError::new(
            "reference",
            "required",
            "must not be blank",
        ));
    }
    if summary.is_empty() {
        errors.push(FieldError::new("summary", "required", "must not be blank"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ClauseFields {
        reference: reference.to_owned(),
        summary: summary.to_owned(),
        category,
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mappings": [{"control_id": "iso42001:A.7.3", "coverage": "partial"}]}))]
pub struct AddMappingsRequest {
    #[validate(length(min = 1, max = 50), nested)]
    #[schema(min_items = 1, max_items = 50)]
    pub mappings: Vec<MappingRequest>,
}

/// Fields to change; absent fields stay, `"note": null` clears the note.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"verification": "verified", "note": "Checked against the signed copy."}))]
pub struct UpdateMappingRequest {
    pub coverage: Option<ClauseCoverage>,
    /// Setting `verified` or `disputed` records who and when; needs role admin or risk_manager.
    pub verification: Option<Verification>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub note: Option<Option<String>>,
}

fn contract_response(status: StatusCode, contract: &Contract) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(contract.version))
        .json(contract)
}

/// Add a contract with a vendor.
#[utoipa::path(
    post, path = "/v1/vendors/{vendor_id}/contracts", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement. Dates are `YYYY-MM-DD`; the end date may not precede the effective date, a notice period or automatic renewal needs an end date, and the notice date may not fall before the effective date (422 naming the field). A vendor has at most 200 contracts. The vendor's coverage and risk are recomputed in the same transaction.",
    request_body = ContractRequest,
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses(
        (status = 201, description = "Created", body = Contract, headers(("ETag" = String, description = "The contract's version"))),
        NotFoundError, ConflictError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_contract(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<ContractRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let fields = body.value.into_fields(None).map_err(ApiError::validation)?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let contract = web::block(move || service::create(&pool, &actor, &vendor_id, fields)).await??;
    Ok(contract_response(StatusCode::CREATED, &contract))
}

/// A vendor's contracts.
#[utoipa::path(
    get, path = "/v1/vendors/{vendor_id}/contracts", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. Oldest first.",
    params(("vendor_id" = String, Path, description = "Vendor id")),
    responses((status = 200, description = "The vendor's contracts", body = ContractList), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_vendor_contracts(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let vendor_id = path.into_inner();
    let data = web::block(move || service::for_vendor(&pool, &actor, &vendor_id)).await??;
    Ok(HttpResponse::Ok().json(ContractList { data }))
}

/// List contracts across vendors, newest first.
#[utoipa::path(
    get, path = "/v1/contracts", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. `expiring_within=30d` keeps active contracts whose notice date or end date falls in the next 30 days (today included).",
    params(ListContractsQuery),
    responses((status = 200, description = "One page of contracts", body = ContractPage), CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_contracts(
    state: web::Data<AppState>,
    auth: Auth,
    query: QueryParams<ListContractsQuery>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let q = query.0;
    let page =
        Page::parse(q.limit, q.cursor.as_deref()).map_err(|e| ApiError::validation(vec![e]))?;
    let expiring_within = q
        .expiring_within
        .as_deref()
        .map(|w| crate::domain::contract::parse_window("expiring_within", w))
        .transpose()
        .map_err(|e| ApiError::validation(vec![e]))?;
    let filter = ContractFilter {
        vendor_id: q.vendor_id,
        status: q.status,
        expiring_within,
    };
    let pool = state.pool.clone();
    let (data, next_cursor) =
        web::block(move || service::list(&pool, &actor, &filter, &page)).await??;
    Ok(HttpResponse::Ok().json(ContractPage { data, next_cursor }))
}

/// Read a contract.
#[utoipa::path(
    get, path = "/v1/contracts/{contract_id}", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement, sales, auditor.",
    params(("contract_id" = String, Path, description = "Contract id")),
    responses(
        (status = 200, description = "The contract", body = Contract, headers(("ETag" = String, description = "The contract's version"))),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn get_contract(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let contract = web::block(move || service::get(&pool, &actor, &id)).await??;
    Ok(contract_response(StatusCode::OK, &contract))
}

/// Change a contract (JSON merge patch).
#[utoipa::path(
    patch, path = "/v1/contracts/{contract_id}", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement. The body is a JSON merge patch of the contract's fields; the result is checked like a new contract. Send `If-Match` to refuse lost updates.",
    request_body(content = Object, description = "Fields to change; `null` clears an optional one", example = json!({"status": "terminated"})),
    params(
        ("contract_id" = String, Path, description = "Contract id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 200, description = "The updated contract", body = Contract, headers(("ETag" = String, description = "The contract's new version"))),
        NotFoundError, ConflictError, StaleVersionError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn update_contract(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<MergePatch>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let patch = body.value;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let contract = web::block(move || {
        let edit = |current: &Contract| {
            patch
                .apply_to::<_, ContractRequest>(current, &CONTRACT_READ_ONLY)?
                .into_fields(Some(current.status))
        };
        service::update(&pool, &actor, &id, if_match.0, &edit)
    })
    .await??;
    Ok(contract_response(StatusCode::OK, &contract))
}

/// Delete a contract with its clauses.
#[utoipa::path(
    delete, path = "/v1/contracts/{contract_id}", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement. A contract with documents is kept (409): terminate it instead.",
    params(
        ("contract_id" = String, Path, description = "Contract id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    responses(
        (status = 204, description = "Deleted"),
        NotFoundError, ConflictError, StaleVersionError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn delete_contract(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    web::block(move || service::delete(&pool, &actor, &id, if_match.0)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// Upload a contract document (signed copy, annex).
#[utoipa::path(
    post, path = "/v1/contracts/{contract_id}/documents", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement. The body is the file itself: a PDF or a Word (.docx) document, sniffed like evidence files (the declared `Content-Type` and the name's extension must match the content; 422 otherwise). Kept in the evidence store with its SHA-256; at most 50 per contract.",
    params(("contract_id" = String, Path, description = "Contract id"), UploadQuery),
    request_body(description = "The file, with its real media type as `Content-Type`", content(
        (FileContent = "application/pdf"),
        (FileContent = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    )),
    responses(
        (status = 201, description = "Stored", body = ContractDocument),
        (status = 413, description = "Larger than the limit", body = super::problem::Problem, content_type = "application/problem+json"),
        NotFoundError, ConflictError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn upload_document(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    query: QueryParams<UploadQuery>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let limit = usize::try_from(state.evidence.max_bytes()).unwrap_or(usize::MAX);
    let content = read_limited(&request, &mut payload.into_inner(), limit).await?;
    let upload = Upload {
        file_name: query.0.filename,
        declared_type: media_type(&request),
        content,
    };
    let pool = state.pool.clone();
    let store = state.evidence.clone();
    let id = path.into_inner();
    let stored =
        web::block(move || service::upload_document(&pool, &store, &actor, &id, upload)).await??;
    Ok(HttpResponse::Created().json(stored))
}

/// A contract's documents.
#[utoipa::path(
    get, path = "/v1/contracts/{contract_id}/documents", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. In upload order.",
    params(("contract_id" = String, Path, description = "Contract id")),
    responses((status = 200, description = "The documents", body = DocumentList), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_documents(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let data = web::block(move || service::documents(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(DocumentList { data }))
}

/// Download a contract document.
#[utoipa::path(
    get, path = "/v1/contracts/{contract_id}/documents/{document_id}/content", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. The file as uploaded, as an attachment; its content is checked against the SHA-256 recorded at upload before it is sent.",
    params(
        ("contract_id" = String, Path, description = "Contract id"),
        ("document_id" = String, Path, description = "Document id")
    ),
    responses(
        (status = 200, description = "The file", content(
            (FileContent = "application/pdf"),
            (FileContent = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        )),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn download_document(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let (id, document_id) = path.into_inner();
    let pool = state.pool.clone();
    let store = state.evidence.clone();
    let (document, content) =
        web::block(move || service::download_document(&pool, &store, &actor, &id, &document_id))
            .await??;
    Ok(attachment(
        &document.content_type,
        &document.file_name,
        content,
    ))
}

/// Add a clause, optionally mapped to controls.
#[utoipa::path(
    post, path = "/v1/contracts/{contract_id}/clauses", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement (mappings sent as `verified` or `disputed` need admin or risk_manager). Each mapping names a control of the catalog the organisation can see; unknown controls, another organisation's controls and duplicates are 422 on `mappings[i].control_id`. At most 300 clauses per contract.",
    request_body = CreateClauseRequest,
    params(("contract_id" = String, Path, description = "Contract id")),
    responses(
        (status = 201, description = "Created", body = Clause),
        NotFoundError, ConflictError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn create_clause(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<CreateClauseRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let request = body.value;
    let verifications: Vec<Verification> =
        request.mappings.iter().map(|m| m.verification).collect();
    require_verifier(&actor, &verifications)?;
    let fields = clause_fields(&request.reference, &request.summary, request.category)
        .map_err(ApiError::validation)?;
    let mappings = into_mappings(request.mappings);
    let pool = state.pool.clone();
    let id = path.into_inner();
    let clause =
        web::block(move || service::add_clause(&pool, &actor, &id, fields, mappings)).await??;
    Ok(HttpResponse::Created().json(clause))
}

/// A contract's clauses with their mappings.
#[utoipa::path(
    get, path = "/v1/contracts/{contract_id}/clauses", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement, sales, auditor. In the order they were added.",
    params(("contract_id" = String, Path, description = "Contract id")),
    responses((status = 200, description = "The clauses", body = ClauseList), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn list_clauses(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::READ_VENDORS)?;
    let pool = state.pool.clone();
    let id = path.into_inner();
    let data = web::block(move || service::clauses(&pool, &actor, &id)).await??;
    Ok(HttpResponse::Ok().json(ClauseList { data }))
}

/// Change a clause's reference, summary or category (JSON merge patch).
#[utoipa::path(
    patch, path = "/v1/contracts/{contract_id}/clauses/{clause_id}", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement. Mappings change through their own endpoints.",
    request_body(content = ClauseFieldsRequest, description = "Fields to change"),
    params(
        ("contract_id" = String, Path, description = "Contract id"),
        ("clause_id" = String, Path, description = "Clause id")
    ),
    responses(
        (status = 200, description = "The updated clause", body = Clause),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn update_clause(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    body: JsonBody<MergePatch>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let patch = body.value;
    let pool = state.pool.clone();
    let (id, clause_id) = path.into_inner();
    let clause = web::block(move || {
        let edit = |current: &Clause| {
            let r = patch.apply_to::<_, ClauseFieldsRequest>(current, &CLAUSE_READ_ONLY)?;
            clause_fields(&r.reference, &r.summary, r.category)
        };
        service::update_clause(&pool, &actor, &id, &clause_id, &edit)
    })
    .await??;
    Ok(HttpResponse::Ok().json(clause))
}

/// Remove a clause and its mappings.
#[utoipa::path(
    delete, path = "/v1/contracts/{contract_id}/clauses/{clause_id}", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement.",
    params(
        ("contract_id" = String, Path, description = "Contract id"),
        ("clause_id" = String, Path, description = "Clause id")
    ),
    responses((status = 204, description = "Deleted"), NotFoundError, CommonErrors),
    security(("bearer" = []))
)]
pub async fn delete_clause(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let pool = state.pool.clone();
    let (id, clause_id) = path.into_inner();
    web::block(move || service::delete_clause(&pool, &actor, &id, &clause_id)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// Map a clause to more controls.
#[utoipa::path(
    post, path = "/v1/contracts/{contract_id}/clauses/{clause_id}/mappings", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement (`verified`/`disputed` need admin or risk_manager). A control already mapped on the clause is 422 (`duplicate`); a clause maps to at most 50 controls.",
    request_body = AddMappingsRequest,
    params(
        ("contract_id" = String, Path, description = "Contract id"),
        ("clause_id" = String, Path, description = "Clause id")
    ),
    responses(
        (status = 200, description = "The clause with its mappings", body = Clause),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn add_mappings(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    body: JsonBody<AddMappingsRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let request = body.value;
    let verifications: Vec<Verification> =
        request.mappings.iter().map(|m| m.verification).collect();
    require_verifier(&actor, &verifications)?;
    let mappings = into_mappings(request.mappings);
    let pool = state.pool.clone();
    let (id, clause_id) = path.into_inner();
    let clause =
        web::block(move || service::add_mappings(&pool, &actor, &id, &clause_id, mappings))
            .await??;
    Ok(HttpResponse::Ok().json(clause))
}

/// Change a mapping's coverage, verification or note.
#[utoipa::path(
    patch, path = "/v1/contracts/{contract_id}/clauses/{clause_id}/mappings/{mapping_id}", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement; setting `verification` to `verified` or `disputed` needs admin or risk_manager and records who and when.",
    request_body = UpdateMappingRequest,
    params(
        ("contract_id" = String, Path, description = "Contract id"),
        ("clause_id" = String, Path, description = "Clause id"),
        ("mapping_id" = String, Path, description = "Mapping id")
    ),
    responses(
        (status = 200, description = "The clause with its mappings", body = Clause),
        NotFoundError, CommonErrors, BodyErrors
    ),
    security(("bearer" = []))
)]
pub async fn update_mapping(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String, String)>,
    body: JsonBody<UpdateMappingRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let request = body.value;
    if let Some(verification) = request.verification {
        require_verifier(&actor, &[verification])?;
    }
    let note = match request.note {
        Some(Some(n)) if n.trim().is_empty() || n.chars().count() > 2000 => {
            return Err(ApiError::field(
                "note",
                "length",
                "must be 1 to 2000 characters",
            ))
        }
        other => other.map(trimmed),
    };
    let patch = MappingPatch {
        coverage: request.coverage,
        verification: request.verification,
        note,
    };
    let pool = state.pool.clone();
    let (id, clause_id, mapping_id) = path.into_inner();
    let clause = web::block(move || {
        service::update_mapping(&pool, &actor, &id, &clause_id, &mapping_id, patch)
    })
    .await??;
    Ok(HttpResponse::Ok().json(clause))
}

/// Remove a mapping.
#[utoipa::path(
    delete, path = "/v1/contracts/{contract_id}/clauses/{clause_id}/mappings/{mapping_id}", tag = "contracts",
    description = "Roles: admin, risk_manager, procurement.",
    params(
        ("contract_id" = String, Path, description = "Contract id"),
        ("clause_id" = String, Path, description = "Clause id"),
        ("mapping_id" = String, Path, description = "Mapping id")
    ),
    responses(
        (status = 200, description = "The clause with its remaining mappings", body = Clause),
        NotFoundError, CommonErrors
    ),
    security(("bearer" = []))
)]
pub async fn delete_mapping(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.require(access::WRITE_VENDORS)?;
    let pool = state.pool.clone();
    let (id, clause_id, mapping_id) = path.into_inner();
    let clause =
        web::block(move || service::delete_mapping(&pool, &actor, &id, &clause_id, &mapping_id))
            .await??;
    Ok(HttpResponse::Ok().json(clause))
}
