//! Contracts, their documents and clauses mapped to controls, the responsibility matrix, and
//! the date checks (expiring, renewed, expired). Every change rescores the vendor in the same
//! transaction.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ai_services::Edit;
use super::evidence::{check_upload, read_checked, store_with_row, Upload};
use super::journal::{self, Change};
use super::risk::refresh;
use super::vendors::require_vendor;
use super::{check_version, read, stored_enum, system_actor, write, ServiceError};
use crate::db::contracts::{
    ClauseRow, ContractQuery, ContractRow, DocumentRow, MappingChange, MappingRow,
    ResponsibilityRow,
};
use crate::db::{self, DbConn, Pool};
use crate::domain::ai_service::enum_to_text;
use crate::domain::catalog::Control;
use crate::domain::contract::{
    self as rules, Clause, ClauseCategory, ClauseCoverage, ClauseMapping, Contract, ContractFields,
    ContractStatus, Milestone, Party, Verification,
};
use crate::domain::pagination::{self, Page};
use crate::domain::time;
use crate::domain::Actor;
use crate::storage::EvidenceStore;

const ENTITY: &str = "contract";
pub const MAX_CONTRACTS_PER_VENDOR: i64 = 200;
pub const MAX_CLAUSES_PER_CONTRACT: i64 = 300;
pub const MAX_DOCUMENTS_PER_CONTRACT: i64 = 50;
pub const MAX_MAPPINGS_PER_CLAUSE: usize = 50;
/// Media types a contract document may have: signed contracts are PDFs or Word documents.
pub const DOCUMENT_TYPES: [&str; 2] = [
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
];

fn not_found() -> ServiceError {
    ServiceError::NotFound { entity: ENTITY }
}

fn to_contract(row: ContractRow) -> Result<Contract, ServiceError> {
    Ok(Contract {
        contract_type: stored_enum("contract type", &row.contract_type)?,
        status: stored_enum("contract status", &row.status)?,
        id: row.id,
        vendor_id: row.vendor_id,
        title: row.title,
        effective_date: row.effective_date,
        end_date: row.end_date,
        auto_renewal: row.auto_renewal,
        renewal_term_months: row.renewal_term_months,
        notice_period_days: row.notice_period_days,
        notice_date: row.notice_date,
        governing_law: row.governing_law,
        notes: row.notes,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn fields_of(row: &ContractRow) -> Result<ContractFields, ServiceError> {
    Ok(ContractFields {
        title: row.title.clone(),
        contract_type: stored_enum("contract type", &row.contract_type)?,
        status: stored_enum("contract status", &row.status)?,
        effective_date: row.effective_date.clone(),
        end_date: row.end_date.clone(),
        auto_renewal: row.auto_renewal,
        renewal_term_months: row.renewal_term_months,
        notice_period_days: row.notice_period_days,
        governing_law: row.governing_law.clone(),
        notes: row.notes.clone(),
    })
}

/// The row of a new contract (version 1).
pub(super) fn new_row(
    org: &str,
    vendor_id: &str,
    fields: &ContractFields,
    now: &str,
) -> ContractRow {
    let mut row = ContractRow {
        id: db::new_id(),
        org_id: org.to_owned(),
        vendor_id: vendor_id.to_owned(),
        title: String::new(),
        contract_type: String::new(),
        status: String::new(),
        effective_date: String::new(),
        end_date: None,
        auto_renewal: false,
        renewal_term_months: None,
        notice_period_days: None,
        notice_date: None,
        governing_law: None,
        notes: None,
        version: 1,
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
    };
    apply_fields(&mut row, fields);
    row
}

fn apply_fields(row: &mut ContractRow, fields: &ContractFields) {
    row.title = fields.title.clone();
    row.contract_type = enum_to_text(&fields.contract_type);
    row.status = enum_to_text(&fields.status);
    row.effective_date = fields.effective_date.clone();
    row.end_date = fields.end_date.clone();
    row.auto_renewal = fields.auto_renewal;
    row.renewal_term_months = fields.renewal_term_months;
    row.notice_period_days = fields.notice_period_days;
    row.notice_date = rules::notice_date(fields.end_date.as_deref(), fields.notice_period_days);
    row.governing_law = fields.governing_law.clone();
    row.notes = fields.notes.clone();
}

fn load_row(conn: &mut DbConn, org: &str, id: &str) -> Result<ContractRow, ServiceError> {
    db::contracts::find(conn, org, id)?.ok_or_else(not_found)
}

fn check_fields(fields: &ContractFields) -> Result<(), ServiceError> {
    let errors = rules::check(fields);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Validation(errors))
    }
}

/// Audits and raises `action` for a contract change, then rescores the vendor.
fn journal_contract(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    before: Option<&Contract>,
    after: Option<&Contract>,
    reason: Option<&str>,
) -> Result<(), ServiceError> {
    let contract = after
        .or(before)
        .ok_or_else(|| ServiceError::Internal("a contract change needs a contract".into()))?;
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: ENTITY,
            entity_id: &contract.id,
            before: before.map(journal::snapshot).transpose()?.flatten(),
            after: after.map(journal::snapshot).transpose()?.flatten(),
            reason,
        },
    )?;
    journal::emit(conn, &actor.org, action, json!({ "contract": contract }))?;
    sync_expired_flag(conn, actor, &contract.vendor_id)?;
    refresh(conn, actor, &contract.vendor_id, action)?;
    Ok(())
}

/// Flags the vendor while it has an expired contract and no active one; clears it otherwise.
fn sync_expired_flag(
    conn: &mut DbConn,
    actor: &Actor,
    vendor_id: &str,
) -> Result<(), ServiceError> {
    let statuses = db::contracts::statuses_for_vendor(conn, &actor.org, vendor_id)?;
    let expired = enum_to_text(&ContractStatus::Expired);
    let active = enum_to_text(&ContractStatus::Active);
    let flagged = statuses.contains(&expired) && !statuses.contains(&active);
    super::vendors::set_contract_expired(conn, actor, vendor_id, flagged)
}

pub fn create(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
    fields: ContractFields,
) -> Result<Contract, ServiceError> {
    check_fields(&fields)?;
    write(pool, |conn| {
        require_vendor(conn, &actor.org, vendor_id)?;
        if db::contracts::count_for_vendor(conn, &actor.org, vendor_id)? >= MAX_CONTRACTS_PER_VENDOR
        {
            return Err(ServiceError::Conflict(format!(
                "a vendor has at most {MAX_CONTRACTS_PER_VENDOR} contracts"
            )));
        }
        let row = new_row(&actor.org, vendor_id, &fields, &time::now());
        db::contracts::insert(conn, &row)?;
        let contract = to_contract(row)?;
        journal_contract(conn, actor, "contract.created", None, Some(&contract), None)?;
        Ok(contract)
    })
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<Contract, ServiceError> {
    read(pool, |conn| to_contract(load_row(conn, &actor.org, id)?))
}

/// A vendor's contracts, oldest first.
pub fn for_vendor(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
) -> Result<Vec<Contract>, ServiceError> {
    read(pool, |conn| {
        require_vendor(conn, &actor.org, vendor_id)?;
        db::contracts::for_vendor(conn, &actor.org, vendor_id)?
            .into_iter()
            .map(to_contract)
            .collect()
    })
}

/// Contract list filters as the API takes them.
#[derive(Debug, Clone, Default)]
pub struct ContractFilter {
    pub vendor_id: Option<String>,
    pub status: Option<ContractStatus>,
    /// Active contracts reaching their notice or end date within this many days.
    pub expiring_within: Option<u32>,
}

pub fn list(
    pool: &Pool,
    actor: &Actor,
    filter: &ContractFilter,
    page: &Page,
) -> Result<(Vec<Contract>, Option<String>), ServiceError> {
    let today = time::today();
    let milestone_between = filter
        .expiring_within
        .map(|days| {
            time::add_days(&today, days)
                .map(|until| (today.clone(), until))
                .ok_or_else(|| ServiceError::Internal("date out of range".into()))
        })
        .transpose()?;
    let query = ContractQuery {
        vendor_id: filter.vendor_id.clone(),
        status: filter.status.as_ref().map(enum_to_text),
        milestone_between,
    };
    read(pool, |conn| {
        let rows =
            db::contracts::list(conn, &actor.org, &query, page.after.as_deref(), page.limit)?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.id.clone());
        let data = rows
            .into_iter()
            .map(to_contract)
            .collect::<Result<_, _>>()?;
        Ok((data, next))
    })
}

pub fn update(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    edit: Edit<'_, Contract, ContractFields>,
) -> Result<Contract, ServiceError> {
    write(pool, |conn| {
        let current = load_row(conn, &actor.org, id)?;
        check_version(if_match, current.version)?;
        let before = fields_of(&current)?;
        let fields = edit(&to_contract(current.clone())?).map_err(ServiceError::Validation)?;
        if fields == before {
            return to_contract(current);
        }
        check_fields(&fields)?;
        let mut next = current.clone();
        apply_fields(&mut next, &fields);
        next.version = current.version + 1;
        next.updated_at = time::now();
        if !db::contracts::update(conn, &next, current.version)? {
            return Err(ServiceError::Conflict(
                "the contract was changed by another request; fetch it and try again".into(),
            ));
        }
        let (before, after) = (to_contract(current)?, to_contract(next)?);
        journal_contract(
            conn,
            actor,
            "contract.updated",
            Some(&before),
            Some(&after),
            None,
        )?;
        Ok(after)
    })
}

pub fn delete(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
) -> Result<(), ServiceError> {
    write(pool, |conn| {
        let current = load_row(conn, &actor.org, id)?;
        check_version(if_match, current.version)?;
        if db::contracts::count_documents(conn, id)? > 0 {
            return Err(ServiceError::Conflict(
                "the contract has documents, which are kept as evidence; terminate it instead"
                    .into(),
            ));
        }
        db::contracts::delete(conn, &actor.org, id)?;
        let before = to_contract(current)?;
        journal_contract(conn, actor, "contract.deleted", Some(&before), None, None)
    })
}

/// A contract document as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ContractDocument {
    pub id: String,
    pub contract_id: String,
    #[schema(example = "Acme-MSA-signed.pdf")]
    pub file_name: String,
    #[schema(example = "application/pdf")]
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content, recorded at upload.
    pub sha256: String,
    pub uploaded_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

fn to_document(row: DocumentRow) -> ContractDocument {
    ContractDocument {
        id: row.id,
        contract_id: row.contract_id,
        file_name: row.file_name,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        uploaded_by: row.uploaded_by,
        created_at: row.created_at,
    }
}

/// Stores a signed copy or annex; committed only once the file is on disk.
pub fn upload_document(
    pool: &Pool,
    store: &EvidenceStore,
    actor: &Actor,
    contract_id: &str,
    upload: Upload,
) -> Result<ContractDocument, ServiceError> {
    let checked = check_upload(&upload)?;
    if !DOCUMENT_TYPES.contains(&checked.media_type) {
        return Err(ServiceError::field(
            "body",
            "content_type",
            format!(
                "a contract document must be a PDF or a Word (.docx) file, not {}",
                checked.media_type
            ),
        ));
    }
    let row = DocumentRow {
        id: db::new_id(),
        org_id: actor.org.clone(),
        contract_id: contract_id.to_owned(),
        file_name: checked.file_name,
        content_type: checked.media_type.to_owned(),
        size_bytes: checked.size_bytes,
        sha256: checked.sha256,
        uploaded_by: actor.subject.clone(),
        created_at: time::now(),
    };
    store_with_row(pool, store, &row.id.clone(), &upload.content, |conn| {
        load_row(conn, &actor.org, contract_id)?;
        if db::contracts::count_documents(conn, contract_id)? >= MAX_DOCUMENTS_PER_CONTRACT {
            return Err(ServiceError::Conflict(format!(
                "a contract holds at most {MAX_DOCUMENTS_PER_CONTRACT} documents"
            )));
        }
        db::contracts::insert_document(conn, &row)?;
        let document = to_document(row.clone());
        journal::audit(
            conn,
            actor,
            Change {
                action: "contract.document_uploaded",
                entity_type: ENTITY,
                entity_id: contract_id,
                before: None,
                after: journal::snapshot(&document)?,
                reason: None,
            },
        )?;
        Ok(document)
    })
}

pub fn documents(
    pool: &Pool,
    actor: &Actor,
    contract_id: &str,
) -> Result<Vec<ContractDocument>, ServiceError> {
    read(pool, |conn| {
        load_row(conn, &actor.org, contract_id)?;
        Ok(db::contracts::documents(conn, &actor.org, contract_id)?
            .into_iter()
            .map(to_document)
            .collect())
    })
}

pub fn download_document(
    pool: &Pool,
    store: &EvidenceStore,
    actor: &Actor,
    contract_id: &str,
    document_id: &str,
) -> Result<(ContractDocument, Vec<u8>), ServiceError> {
    let row = read(pool, |conn| {
        db::contracts::find_document(conn, &actor.org, contract_id, document_id)?
            .ok_or(ServiceError::NotFound { entity: "document" })
    })?;
    let content = read_checked(store, &row.id, &row.sha256)?;
    Ok((to_document(row), content))
}

/// A control a clause is to be mapped to.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMapping {
    pub control_id: String,
    pub coverage: ClauseCoverage,
    pub verification: Verification,
    pub note: Option<String>,
}

/// A clause's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ClauseFields {
    pub reference: String,
    pub summary: String,
    pub category: ClauseCategory,
}

fn to_mapping(row: MappingRow) -> Result<ClauseMapping, ServiceError> {
    Ok(ClauseMapping {
        coverage: stored_enum("coverage", &row.coverage)?,
        verification: stored_enum("verification", &row.verification)?,
        id: row.id,
        control_id: row.control_id,
        verified_by: row.verified_by,
        verified_at: row.verified_at,
        note: row.note,
    })
}

fn assemble_clauses(conn: &mut DbConn, rows: Vec<ClauseRow>) -> Result<Vec<Clause>, ServiceError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut mappings: BTreeMap<String, Vec<ClauseMapping>> = BTreeMap::new();
    for m in db::contracts::mappings_for(conn, &ids)? {
        let clause_id = m.clause_id.clone();
        mappings.entry(clause_id).or_default().push(to_mapping(m)?);
    }
    rows.into_iter()
        .map(|row| {
            Ok(Clause {
                category: stored_enum("clause category", &row.category)?,
                mappings: mappings.remove(&row.id).unwrap_or_default(),
                id: row.id,
                contract_id: row.contract_id,
                reference: row.reference,
                summary: row.summary,
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
        })
        .collect()
}

fn load_clause(
    conn: &mut DbConn,
    org: &str,
    contract_id: &str,
    clause_id: &str,
) -> Result<Clause, ServiceError> {
    load_row(conn, org, contract_id)?;
    let row = db::contracts::find_clause(conn, org, contract_id, clause_id)?
        .ok_or(ServiceError::NotFound { entity: "clause" })?;
    Ok(assemble_clauses(conn, vec![row])?.remove(0))
}

fn verified_stamp(actor: &Actor, verification: Verification) -> (Option<String>, Option<String>) {
    match verification {
        Verification::Claimed => (None, None),
        Verification::Verified | Verification::Disputed => {
            (Some(actor.subject.clone()), Some(time::now()))
        }
    }
}

/// Unknown controls, duplicates and controls already mapped on the clause are refused, each
/// named as `mappings[i].control_id`.
fn insert_mappings(
    conn: &mut DbConn,
    actor: &Actor,
    clause_id: &str,
    already: &[String],
    mappings: &[NewMapping],
) -> Result<(), ServiceError> {
    let ids: Vec<String> = mappings.iter().map(|m| m.control_id.clone()).collect();
    super::catalog::require_controls(conn, &actor.org, &ids, |i| {
        format!("mappings[{i}].control_id")
    })?;
    let mut seen: HashSet<&str> = already.iter().map(String::as_str).collect();
    if already.len() + mappings.len() > MAX_MAPPINGS_PER_CLAUSE {
        return Err(ServiceError::field(
            "mappings",
            "length",
            format!("a clause maps to at most {MAX_MAPPINGS_PER_CLAUSE} controls"),
        ));
    }
    for (i, m) in mappings.iter().enumerate() {
        if !seen.insert(m.control_id.as_str()) {
            return Err(ServiceError::field(
                &format!("mappings[{i}].control_id"),
                "duplicate",
                format!("the clause is already mapped to '{}'", m.control_id),
            ));
        }
        let (verified_by, verified_at) = verified_stamp(actor, m.verification);
        db::contracts::insert_mapping(
            conn,
            &MappingRow {
                id: db::new_id(),
                org_id: actor.org.clone(),
                clause_id: clause_id.to_owned(),
                control_id: m.control_id.clone(),
                coverage: enum_to_text(&m.coverage),
                verification: enum_to_text(&m.verification),
                verified_by,
                verified_at,
                note: m.note.clone(),
                created_at: time::now(),
            },
        )?;
    }
    Ok(())
}

fn journal_clause(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    vendor_id: &str,
    before: Option<&Clause>,
    after: Option<&Clause>,
) -> Result<(), ServiceError> {
    let clause = after
        .or(before)
        .ok_or_else(|| ServiceError::Internal("a clause change needs a clause".into()))?;
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: "contract_clause",
            entity_id: &clause.id,
            before: before.map(journal::snapshot).transpose()?.flatten(),
            after: after.map(journal::snapshot).transpose()?.flatten(),
            reason: None,
        },
    )?;
    journal::emit(
        conn,
        &actor.org,
        action,
        json!({ "vendor_id": vendor_id, "clause": clause }),
    )?;
    refresh(conn, actor, vendor_id, action)?;
    Ok(())
}

pub fn add_clause(
    pool: &Pool,
    actor: &Actor,
    contract_id: &str,
    fields: ClauseFields,
    mappings: Vec<NewMapping>,
) -> Result<Clause, ServiceError> {
    write(pool, |conn| {
        let contract = load_row(conn, &actor.org, contract_id)?;
        if db::contracts::count_clauses(conn, contract_id)? >= MAX_CLAUSES_PER_CONTRACT {
            return Err(ServiceError::Conflict(format!(
                "a contract holds at most {MAX_CLAUSES_PER_CONTRACT} clauses"
            )));
        }
        let now = time::now();
        let row = ClauseRow {
            id: db::new_id(),
            org_id: actor.org.clone(),
            contract_id: contract_id.to_owned(),
            reference: fields.reference.clone(),
            summary: fields.summary.clone(),
            category: enum_to_text(&fields.category),
            created_at: now.clone(),
            updated_at: now,
        };
        db::contracts::insert_clause(conn, &row)?;
        insert_mappings(conn, actor, &row.id, &[], &mappings)?;
        let clause = load_clause(conn, &actor.org, contract_id, &row.id)?;
        journal_clause(
            conn,
            actor,
            "contract_clause.created",
            &contract.vendor_id,
            None,
            Some(&clause),
        )?;
        Ok(clause)
    })
}

pub fn clauses(pool: &Pool, actor: &Actor, contract_id: &str) -> Result<Vec<Clause>, ServiceError> {
    read(pool, |conn| {
        load_row(conn, &actor.org, contract_id)?;
        let rows = db::contracts::clauses(conn, &actor.org, contract_id)?;
        assemble_clauses(conn, rows)
    })
}

/// Loads the clause, lets `change` alter it, and journals the clause before and after (and
/// rescores the vendor) when something changed.
fn change_clause(
    pool: &Pool,
    actor: &Actor,
    contract_id: &str,
    clause_id: &str,
    mut change: impl FnMut(&mut DbConn, &Clause) -> Result<(), ServiceError>,
) -> Result<Clause, ServiceError> {
    write(pool, |conn| {
        let contract = load_row(conn, &actor.org, contract_id)?;
        let current = load_clause(conn, &actor.org, contract_id, clause_id)?;
        change(conn, &current)?;
        let updated = load_clause(conn, &actor.org, contract_id, clause_id)?;
        if updated != current {
            journal_clause(
                conn,
                actor,
                "contract_clause.updated",
                &contract.vendor_id,
                Some(&current),
                Some(&updated),
            )?;
        }
        Ok(updated)
    })
}

pub fn update_clause(
    pool: &Pool,
    actor: &Actor,
    contract_id: &str,
    clause_id: &str,
    edit: Edit<'_, Clause, ClauseFields>,
) -> Result<Clause, ServiceError> {
    change_clause(pool, actor, contract_id, clause_id, |conn, current| {
        let fields = edit(current).map_err(ServiceError::Validation)?;
        let unchanged = fields.reference == current.reference
            && fields.summary == current.summary
            && fields.category == current.category;
        if unchanged {
            return Ok(());
        }
        db::contracts::update_clause(
            conn,
            &ClauseRow {
                id: current.id.clone(),
                org_id: actor.org.clone(),
                contract_id: contract_id.to_owned(),
                reference: fields.reference,
                summary: fields.summary,
                category: enum_to_text(&fields.category),
                created_at: current.created_at.clone(),
                updated_at: time::now(),
            },
        )?;
        Ok(())
    })
}

pub fn delete_clause(
    pool: &Pool,
    actor: &Actor,
    contract_id: &str,
    clause_id: &str,
) -> Result<(), ServiceError> {
    write(pool, |conn| {
        let contract = load_row(conn, &actor.org, contract_id)?;
        let current = load_clause(conn, &actor.org, contract_id, clause_id)?;
        db::contracts::delete_clause(conn, clause_id)?;
        journal_clause(
            conn,
            actor,
            "contract_clause.deleted",
            &contract.vendor_id,
            Some(&current),
            None,
        )
    })
}
pub fn add_mappings(
    pool: &Pool,
    actor: &Actor,
    contract_id: &str,
    clause_id: &str,
    mappings: Vec<NewMapping>,
) -> Result<Clause, ServiceError> {
    change_clause(pool, actor, contract_id, clause_id, |conn, current| {
        let already: Vec<String> = current
            .mappings
            .iter()
            .map(|m| m.control_id.clone())
            .collect();
        insert_mappings(conn, actor, clause_id, &already, &mappings)
    })
}

/// Changes to one mapping; `note: Some(None)` clears the note.
#[derive(Debug, Clone, Default)]
pub struct MappingPatch {
    pub coverage: Option<ClauseCoverage>,
    pub verification: Option<Verification>,
    pub note: Option<Option<String>>,
}

pub fn update_mapping(
    pool: &Pool,
    actor: &Actor,
    contract_id: &str,
    clause_id: &str,
    mapping_id: &str,
    patch: MappingPatch,
) -> Result<Clause, ServiceError> {
    change_clause(pool, actor, contract_id, clause_id, |conn, current| {
        let mapping = current
            .mappings
            .iter()
            .find(|m| m.id == mapping_id)
            .ok_or(ServiceError::NotFound { entity: "mapping" })?;
        let verification = patch.verification.unwrap_or(mapping.verification);
        let (verified_by, verified_at) = if patch.verification.is_some() {
            verified_stamp(actor, verification)
        } else {
            (mapping.verified_by.clone(), mapping.verified_at.clone())
        };
        db::contracts::update_mapping(
            conn,
            &MappingChange {
                id: mapping.id.clone(),
                coverage: enum_to_text(&patch.coverage.unwrap_or(mapping.coverage)),
                verification: enum_to_text(&verification),
                verified_by,
                verified_at,
                note: patch.note.clone().unwrap_or(mapping.note.clone()),
            },
        )?;
        Ok(())
    })
}

pub fn delete_mapping(
    pool: &Pool,
    actor: &Actor,
    contract_id: &str,
    clause_id: &str,
    mapping_id: &str,
) -> Result<Clause, ServiceError> {
    change_clause(pool, actor, contract_id, clause_id, |conn, current| {
        if !current.mappings.iter().any(|m| m.id == mapping_id) {
            return Err(ServiceError::NotFound { entity: "mapping" });
        }
        db::contracts::delete_mapping(conn, mapping_id)?;
        Ok(())
    })
}

/// One row of the responsibility matrix.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Responsibility {
    pub control: Control,
    /// Whether the vendor must evidence the control today.
    pub required: bool,
    /// Who holds it; absent while nobody decided.
    pub party: Option<Party>,
    pub note: Option<String>,
    pub updated_by: Option<String>,
    #[schema(format = DateTime)]
    pub updated_at: Option<String>,
}

/// The matrix for one vendor: every required control, then any other control with a decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResponsibilityMatrix {
    pub vendor_id: String,
    pub data: Vec<Responsibility>,
}

/// One decision as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponsibilityEntry {
    pub control_id: String,
    pub party: Party,
    pub note: Option<String>,
}

fn matrix_of(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> Result<ResponsibilityMatrix, ServiceError> {
    let vendor = super::vendors::load(conn, org, vendor_id)?;
    let services = super::ai_services::in_use(conn, org, vendor_id)?;
    let required = super::catalog::requirements_of(conn, org, &vendor, &services)?;
    let mut decided: BTreeMap<String, ResponsibilityRow> =
        db::contracts::responsibilities(conn, org, vendor_id)?
            .into_iter()
            .map(|r| (r.control_id.clone(), r))
            .collect();
    let mut data = Vec::new();
    let row_of = |control: Control,
                  required: bool,
                  r: Option<ResponsibilityRow>|
     -> Result<Responsibility, ServiceError> {
        Ok(Responsibility {
            control,
            required,
            party: r
                .as_ref()
                .map(|r| stored_enum("party", &r.party))
                .transpose()?,
            note: r.as_ref().and_then(|r| r.note.clone()),
            updated_by: r.as_ref().map(|r| r.updated_by.clone()),
            updated_at: r.map(|r| r.updated_at),
        })
    };
    for r in required.data {
        let decision = decided.remove(&r.control.id);
        data.push(row_of(Arc::unwrap_or_clone(r.control), true, decision)?);
    }
    let rest: Vec<String> = decided.keys().cloned().collect();
    let controls = super::catalog::resolve_all(conn, org, &rest)?;
    for control in controls {
        let decision = decided.remove(&control.id);
        data.push(row_of(control, false, decision)?);
    }
    Ok(ResponsibilityMatrix {
        vendor_id: vendor_id.to_owned(),
        data,
    })
}

pub fn responsibilities(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
) -> Result<ResponsibilityMatrix, ServiceError> {
    read(pool, |conn| matrix_of(conn, &actor.org, vendor_id))
}

/// Replaces the vendor's decisions with `entries`.
pub fn set_responsibilities(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
    entries: Vec<ResponsibilityEntry>,
) -> Result<ResponsibilityMatrix, ServiceError> {
    write(pool, |conn| {
        let before = matrix_of(conn, &actor.org, vendor_id)?;
        let ids: Vec<String> = entries.iter().map(|e| e.control_id.clone()).collect();
        super::catalog::require_controls(conn, &actor.org, &ids, |i| {
            format!("entries[{i}].control_id")
        })?;
        let mut seen = HashSet::new();
        for (i, id) in ids.iter().enumerate() {
            if !seen.insert(id) {
                return Err(ServiceError::field(
                    &format!("entries[{i}].control_id"),
                    "duplicate",
                    format!("'{id}' appears more than once"),
                ));
            }
        }
        let now = time::now();
        let rows: Vec<ResponsibilityRow> = entries
            .iter()
            .map(|e| ResponsibilityRow {
                vendor_id: vendor_id.to_owned(),
                control_id: e.control_id.clone(),
                org_id: actor.org.clone(),
                party: enum_to_text(&e.party),
                note: e.note.clone(),
                updated_by: actor.subject.clone(),
                updated_at: now.clone(),
            })
            .collect();
        db::contracts::replace_responsibilities(conn, vendor_id, &rows)?;
        let after = matrix_of(conn, &actor.org, vendor_id)?;
        let decisions = |m: &ResponsibilityMatrix| {
            m.data
                .iter()
                .filter_map(|r| r.party.map(|p| (r.control.id.clone(), enum_to_text(&p))))
                .collect::<BTreeMap<_, _>>()
        };
        journal::audit(
            conn,
            actor,
            Change {
                action: "vendor.responsibilities_updated",
                entity_type: "vendor",
                entity_id: vendor_id,
                before: Some(json!(decisions(&before)).to_string()),
                after: Some(json!(decisions(&after)).to_string()),
                reason: None,
            },
        )?;
        journal::emit(
            conn,
            &actor.org,
            "vendor.responsibilities_updated",
            json!({ "vendor_id": vendor_id, "responsibilities": decisions(&after) }),
        )?;
        refresh(conn, actor, vendor_id, "vendor.responsibilities_updated")?;
        Ok(after)
    })
}

/// What one run of the date checks did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateCheck {
    pub expiring_raised: usize,
    pub renewed: usize,
    pub expired: usize,
}

/// Contracts looked at per batch of the date check.
const DATE_BATCH: i64 = 500;

/// Raises `contract.expiring` once per threshold reached before a notice or end date, renews
/// contracts that renew themselves once their end date passed, and expires the others.
pub fn check_dates(pool: &Pool, thresholds: &[u32]) -> Result<DateCheck, ServiceError> {
    let today = time::today();
    let furthest = thresholds.iter().copied().max().unwrap_or(0);
    let horizon = time::add_days(&today, furthest)
        .ok_or_else(|| ServiceError::Internal("date out of range".into()))?;
    write(pool, |conn| {
        let mut done = DateCheck::default();
        let mut after: Option<String> = None;
        loop {
            let batch = db::contracts::active_with_milestone_by(
                conn,
                &horizon,
                after.as_deref(),
                DATE_BATCH,
            )?;
            let Some(last) = batch.last().map(|c| c.id.clone()) else {
                break;
            };
            for row in batch {
                let actor = system_actor(&row.org_id);
                let ended = row
                    .end_date
                    .as_deref()
                    .and_then(|end| time::days_until(end, &today))
                    .is_some_and(|d| d < 0);
                if ended {
                    if row.auto_renewal {
                        renew(conn, &actor, row, &today)?;
                        done.renewed += 1;
                    } else {
                        expire(conn, &actor, row)?;
                        done.expired += 1;
                    }
                    continue;
                }
                done.expiring_raised += announce(conn, &actor, &row, &today, thresholds)?;
            }
            after = Some(last);
        }
        Ok(done)
    })
}

fn announce(
    conn: &mut DbConn,
    actor: &Actor,
    row: &ContractRow,
    today: &str,
    thresholds: &[u32],
) -> Result<usize, ServiceError> {
    let mut raised = 0;
    for (milestone, date) in rules::milestones(row.end_date.as_deref(), row.notice_period_days) {
        let Some(days_left) = time::days_until(&date, today) else {
            continue;
        };
        let reached = rules::reached_thresholds(days_left, thresholds);
        let Some(&threshold) = reached.first() else {
            continue;
        };
        let key = milestone.as_str();
        let threshold_days = i32::try_from(threshold).unwrap_or(i32::MAX);
        if db::contracts::notice_raised(conn, &row.id, key, &date, threshold_days)? {
            continue;
        }
        for t in &reached {
            let t = i32::try_from(*t).unwrap_or(i32::MAX);
            if !db::contracts::notice_raised(conn, &row.id, key, &date, t)? {
                db::contracts::record_notice(conn, &row.id, key, &date, t, &time::now())?;
            }
        }
        let contract = to_contract(row.clone())?;
        let notice = json!({
            "contract": contract,
            "milestone": milestone,
            "date": date,
            "days_left": days_left,
            "threshold_days": threshold,
        });
        journal::audit(
            conn,
            actor,
            Change {
                action: "contract.expiring",
                entity_type: ENTITY,
                entity_id: &row.id,
                before: None,
                after: Some(notice.to_string()),
                reason: Some(match milestone {
                    Milestone::Notice => "the notice date is near",
                    Milestone::End => "the end date is near",
                }),
            },
        )?;
        journal::emit(conn, &row.org_id, "contract.expiring", notice)?;
        raised += 1;
    }
    Ok(raised)
}

fn store_system_change(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    current: ContractRow,
    mut next: ContractRow,
) -> Result<(), ServiceError> {
    next.version = current.version + 1;
    next.updated_at = time::now();
    if !db::contracts::update(conn, &next, current.version)? {
        return Err(ServiceError::Conflict(
            "the contract changed meanwhile".into(),
        ));
    }
    let (before, after) = (to_contract(current)?, to_contract(next)?);
    journal_contract(conn, actor, action, Some(&before), Some(&after), None)
}

fn renew(
    conn: &mut DbConn,
    actor: &Actor,
    row: ContractRow,
    today: &str,
) -> Result<(), ServiceError> {
    let term = row
        .renewal_term_months
        .and_then(|m| u32::try_from(m).ok())
        .unwrap_or(rules::DEFAULT_RENEWAL_MONTHS);
    let end = row
        .end_date
        .as_deref()
        .and_then(|end| rules::renewed_end(end, term, today))
        .ok_or_else(|| ServiceError::Internal(format!("contract {} cannot renew", row.id)))?;
    let mut next = row.clone();
    next.notice_date = rules::notice_date(Some(&end), row.notice_period_days);
    next.end_date = Some(end);
    store_system_change(conn, actor, "contract.renewed", row, next)
}

fn expire(conn: &mut DbConn, actor: &Actor, row: ContractRow) -> Result<(), ServiceError> {
    let mut next = row.clone();
    next.status = enum_to_text(&ContractStatus::Expired);
    store_system_change(conn, actor, "contract.expired", row, next)
}
