//! The answer library: entries written, approved, retired and searched; every change audited
//! with the previous version kept.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ai_services::Edit;
use super::journal::{self, Change};
use super::{check_version, read, stored, stored_enum, write, ServiceError};
use crate::db::answer_library::{EntryQuery, EntryRow, EntryVersionRow};
use crate::db::{self, DbConn, Pool};
use crate::domain::ai_service::enum_to_text;
use crate::domain::answer_library::{
    check_approval, check_fields, confidence, is_stale, AnswerEntry, ControlCitation, EntryFields,
    EntryStatus, EvidenceLink, Suggestion, DEFAULT_REVIEW_DAYS,
};
use crate::domain::pagination::{self, Page};
use crate::domain::time;
use crate::domain::Actor;
use crate::search::{IndexedEntry, LibraryIndexes};

const ENTITY: &str = "answer library entry";
/// Suggestions kept per question.
pub const SUGGESTIONS_PER_QUESTION: usize = 5;

fn not_found() -> ServiceError {
    ServiceError::NotFound { entity: ENTITY }
}

fn to_entry(row: EntryRow, today: &str) -> Result<AnswerEntry, ServiceError> {
    let status: EntryStatus = stored_enum("status", &row.status)?;
    Ok(AnswerEntry {
        stale: status == EntryStatus::Approved && is_stale(row.review_by.as_deref(), today),
        alternatives: stored("alternatives", &row.alternatives)?,
        tags: stored("tags", &row.tags)?,
        control_ids: stored("control_ids", &row.control_ids)?,
        evidence: stored("evidence", &row.evidence)?,
        status,
        id: row.id,
        question: row.question,
        answer_short: row.answer_short,
        answer_long: row.answer_long,
        owner: row.owner,
        review_by: row.review_by,
        version: row.version,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Filters of the library list.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub status: Option<EntryStatus>,
    pub tag: Option<String>,
    pub control_id: Option<String>,
    /// Only approved entries past their review date.
    pub stale: bool,
    pub text: Option<String>,
}

/// A version an entry had before a change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryVersion {
    pub version: i64,
    /// The entry as it was at that version.
    pub entry: AnswerEntry,
    /// Who made the change that replaced it, and when.
    pub replaced_by: String,
    #[schema(format = DateTime)]
    pub replaced_at: String,
}

fn check(conn: &mut DbConn, org: &str, fields: &EntryFields) -> Result<(), ServiceError> {
    let errors = check_fields(fields);
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    super::catalog::require_controls(conn, org, &fields.control_ids, |i| {
        format!("control_ids[{i}]")
    })
}

fn row_fields(row: &mut EntryRow, fields: EntryFields) -> Result<(), ServiceError> {
    row.question = fields.question;
    row.alternatives = serde_json::to_string(&fields.alternatives)?;
    row.answer_short = fields.answer_short;
    row.answer_long = fields.answer_long;
    row.owner = fields.owner;
    row.tags = serde_json::to_string(&fields.tags)?;
    row.control_ids = serde_json::to_string(&fields.control_ids)?;
    row.evidence = serde_json::to_string(&fields.evidence)?;
    row.review_by = fields.review_by;
    Ok(())
}

/// The review date an approval gets: the one given, else a year from today.
fn approved_review_by(review_by: Option<String>, today: &str) -> Result<String, ServiceError> {
    check_approval(review_by.as_deref(), today).map_err(|e| ServiceError::Validation(vec![e]))?;
    match review_by {
        Some(date) => Ok(date),
        None => time::add_days(today, DEFAULT_REVIEW_DAYS)
            .ok_or_else(|| ServiceError::Internal("date out of range".into())),
    }
}

/// Stores the next state of an entry, keeps the one before as history, audits, raises `event`.
fn store(
    conn: &mut DbConn,
    actor: &Actor,
    event: &str,
    before: Option<&EntryRow>,
    mut after: EntryRow,
    reason: Option<&str>,
) -> Result<AnswerEntry, ServiceError> {
    let today = time::today();
    let previous = before.map(|b| to_entry(b.clone(), &today)).transpose()?;
    match (before, &previous) {
        (Some(b), Some(previous)) => {
            after.version = b.version + 1;
            after.updated_at = time::now();
            db::answer_library::insert_version(
                conn,
                &EntryVersionRow {
                    id: db::new_id(),
                    org_id: actor.org.clone(),
                    entry_id: b.id.clone(),
                    version: b.version,
                    snapshot: serde_json::to_string(previous)?,
                    replaced_by: actor.subject.clone(),
                    replaced_at: after.updated_at.clone(),
                },
            )?;
            if !db::answer_library::update(conn, &after, b.version)? {
                return Err(ServiceError::Conflict(
                    "the entry was changed by another request; fetch it and try again".into(),
                ));
            }
        }
        _ => db::answer_library::insert(conn, &after)?,
    }
    let current = to_entry(after, &today)?;
    journal::audit(
        conn,
        actor,
        Change {
            action: event,
            entity_type: "answer_entry",
            entity_id: &current.id,
            before: previous
                .as_ref()
                .map(journal::snapshot)
                .transpose()?
                .flatten(),
            after: journal::snapshot(&current)?,
            reason,
        },
    )?;
    journal::emit(conn, &actor.org, event, json!({ "entry": current }))?;
    Ok(current)
}

/// Inserts a new entry (draft unless `status` says approved) inside the caller's transaction.
pub(super) fn insert_entry(
    conn: &mut DbConn,
    actor: &Actor,
    mut fields: EntryFields,
    status: EntryStatus,
) -> Result<AnswerEntry, ServiceError> {
    check(conn, &actor.org, &fields)?;
    let today = time::today();
    if status == EntryStatus::Approved {
        fields.review_by = Some(approved_review_by(fields.review_by.take(), &today)?);
    }
    let now = time::now();
    let mut row = EntryRow {
        id: db::new_id(),
        org_id: actor.org.clone(),
        question: String::new(),
        alternatives: String::new(),
        answer_short: String::new(),
        answer_long: None,
        owner: None,
        tags: String::new(),
        control_ids: String::new(),
        evidence: String::new(),
        status: enum_to_text(&status),
        review_by: None,
        version: 1,
        created_by: actor.subject.clone(),
        created_at: now.clone(),
        updated_at: now,
    };
    row_fields(&mut row, fields)?;
    store(conn, actor, "answer_entry.created", None, row, None)
}

pub fn create(
    pool: &Pool,
    actor: &Actor,
    fields: EntryFields,
    status: EntryStatus,
) -> Result<AnswerEntry, ServiceError> {
    write(pool, |conn| {
        insert_entry(conn, actor, fields.clone(), status)
    })
}

/// The entry, read inside the caller's transaction.
pub(super) fn get_in(
    conn: &mut DbConn,
    org: &str,
    id: &str,
) -> Result<Option<AnswerEntry>, ServiceError> {
    db::answer_library::find(conn, org, id)?
        .map(|row| to_entry(row, &time::today()))
        .transpose()
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<AnswerEntry, ServiceError> {
    read(pool, |conn| {
        get_in(conn, &actor.org, id)?.ok_or_else(not_found)
    })
}

pub fn list(
    pool: &Pool,
    actor: &Actor,
    filter: &EntryFilter,
    page: &Page,
) -> Result<(Vec<AnswerEntry>, Option<String>), ServiceError> {
    let today = time::today();
    let query = EntryQuery {
        status: filter.status.as_ref().map(enum_to_text),
        tag: filter.tag.clone(),
        control_id: filter.control_id.clone(),
        stale_before: filter.stale.then(|| today.clone()),
        text: filter.text.clone(),
    };
    read(pool, |conn| {
        let rows =
            db::answer_library::list(conn, &actor.org, &query, page.after.as_deref(), page.limit)?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.id.clone());
        let data = rows
            .into_iter()
            .map(|r| to_entry(r, &today))
            .collect::<Result<_, _>>()?;
        Ok((data, next))
    })
}

pub fn update(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    edit: Edit<'_, AnswerEntry, EntryFields>,
) -> Result<AnswerEntry, ServiceError> {
    write(pool, |conn| {
        let current = db::answer_library::find(conn, &actor.org, id)?.ok_or_else(not_found)?;
        check_version(if_match, current.version)?;
        let today = time::today();
        let fields = edit(&to_entry(current.clone(), &today)?).map_err(ServiceError::Validation)?;
        check(conn, &actor.org, &fields)?;
        if current.status == enum_to_text(&EntryStatus::Approved) {
            check_approval(fields.review_by.as_deref(), &today)
                .map_err(|e| ServiceError::Validation(vec![e]))?;
        }
        let mut next = current.clone();
        row_fields(&mut next, fields)?;
        if next == current {
            return to_entry(current, &today);
        }
        store(
            conn,
            actor,
            "answer_entry.updated",
            Some(&current),
            next,
            None,
        )
    })
}

pub fn change_status(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    to: EntryStatus,
    reason: Option<&str>,
) -> Result<AnswerEntry, ServiceError> {
    write(pool, |conn| {
        let current = db::answer_library::find(conn, &actor.org, id)?.ok_or_else(not_found)?;
        check_version(if_match, current.version)?;
        let from: EntryStatus = stored_enum("status", &current.status)?;
        if !from.can_become(to) {
            return Err(ServiceError::IllegalTransition {
                from: enum_to_text(&from),
                to: enum_to_text(&to),
                allowed: from.allowed_next().iter().map(enum_to_text).collect(),
            });
        }
        let mut next = current.clone();
        next.status = enum_to_text(&to);
        if to == EntryStatus::Approved {
            let review_by = current.review_by.clone().filter(|d| *d > time::today());
            next.review_by = Some(approved_review_by(review_by, &time::today())?);
        }
        store(
            conn,
            actor,
            "answer_entry.status_changed",
            Some(&current),
            next,
            reason,
        )
    })
}

pub fn history(pool: &Pool, actor: &Actor, id: &str) -> Result<Vec<EntryVersion>, ServiceError> {
    read(pool, |conn| {
        db::answer_library::find(conn, &actor.org, id)?.ok_or_else(not_found)?;
        db::answer_library::versions(conn, id)?
            .into_iter()
            .map(|row| {
                Ok(EntryVersion {
                    version: row.version,
                    entry: stored("snapshot", &row.snapshot)?,
                    replaced_by: row.replaced_by,
                    replaced_at: row.replaced_at,
                })
            })
            .collect()
    })
}

/// What a suggestion shows of an approved entry besides its short answer: kept with the
/// library's search index, so that suggesting reads no entry.
pub struct SuggestedEntry {
    review_by: Option<String>,
    control_ids: Vec<String>,
    evidence: Vec<EvidenceLink>,
}

/// Every organisation's answer-library search index.
pub type AnswerIndexes = LibraryIndexes<SuggestedEntry>;

/// Ranked suggestions for each question, from the organisation's approved entries.
pub(super) fn suggest_many(
    conn: &mut DbConn,
    indexes: &AnswerIndexes,
    org: &str,
    questions: &[&str],
) -> Result<Vec<Vec<Suggestion>>, ServiceError> {
    let fingerprint = db::answer_library::fingerprint(conn, org)?;
    let index = indexes.get(org, fingerprint, || {
        db::answer_library::for_index(conn, org)?
            .into_iter()
            .map(|row| {
                Ok(IndexedEntry {
                    alternatives: stored("alternatives", &row.alternatives)?,
                    tags: stored("tags", &row.tags)?,
                    detail: SuggestedEntry {
                        control_ids: stored("control_ids", &row.control_ids)?,
                        evidence: stored("evidence", &row.evidence)?,
                        review_by: row.review_by,
                    },
                    id: row.id,
                    question: row.question,
                    answer_short: row.answer_short,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()
    })?;
    let matches: Vec<_> = questions
        .iter()
        .map(|q| index.suggest(q, SUGGESTIONS_PER_QUESTION))
        .collect();
    let control_ids: Vec<String> = matches
        .iter()
        .flatten()
        .flat_map(|m| m.detail.control_ids.iter().cloned())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let controls: HashMap<String, ControlCitation> =
        db::catalog::find_many(conn, org, &control_ids)?
            .into_iter()
            .map(|c| {
                (
                    c.id.clone(),
                    ControlCitation {
                        id: c.id,
                        reference: c.reference,
                        title: c.title,
                    },
                )
            })
            .collect();
    let today = time::today();
    Ok(matches
        .into_iter()
        .map(|found| {
            found
                .into_iter()
                .enumerate()
                .map(|(i, m)| {
                    // Only approved entries are indexed: one within its review date is fit
                    // to give a customer as it stands.
                    let stale = is_stale(m.detail.review_by.as_deref(), &today);
                    Suggestion {
                        rank: i as u32 + 1,
                        score: (m.score * 1000.0).round() / 1000.0,
                        relevance: (m.relevance * 1000.0).round() / 1000.0,
                        confidence: confidence(m.relevance),
                        matched_phrasing: m.phrasing.to_owned(),
                        answer_short: m.answer_short.to_owned(),
                        status: EntryStatus::Approved,
                        stale,
                        approved: !stale,
                        controls: m
                            .detail
                            .control_ids
                            .iter()
                            .filter_map(|id| controls.get(id).cloned())
                            .collect(),
                        evidence: m.detail.evidence.clone(),
                        entry_id: m.entry_id.to_owned(),
                    }
                })
                .collect()
        })
        .collect())
}

/// Suggestions for one question asked outright.
pub fn suggest(
    pool: &Pool,
    indexes: &AnswerIndexes,
    actor: &Actor,
    question: &str,
) -> Result<Vec<Suggestion>, ServiceError> {
    read(pool, |conn| {
        Ok(suggest_many(conn, indexes, &actor.org, &[question])?
            .pop()
            .unwrap_or_default())
    })
}
