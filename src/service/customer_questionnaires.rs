//! Customer questionnaires: imported with suggestions from the library, answered, reviewed,
//! approved and exported; every change audited.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::answer_library::{insert_entry, suggest_many, AnswerIndexes};
use super::journal::{self, Change};
use super::{check_version, read, stored, stored_enum, write, ServiceError};
use crate::db::customer_questionnaires::{Progress, QuestionRow, QuestionnaireRow};
use crate::db::{self, DbConn, Pool};
use crate::domain::ai_service::enum_to_text;
use crate::domain::answer_library::{needs_human, EntryFields, EntryStatus, Suggestion};
use crate::domain::customer_questionnaire::{
    AnswerSource, CustomerQuestion, CustomerQuestionnaire, FileFormat, ImportedQuestion, Layout,
    QuestionnaireStatus, SuggestionsJson,
};
use crate::domain::pagination::{self, Page};
use crate::domain::time;
use crate::domain::Actor;

const ENTITY: &str = "customer questionnaire";

fn not_found() -> ServiceError {
    ServiceError::NotFound { entity: ENTITY }
}

fn to_questionnaire(
    row: QuestionnaireRow,
    progress: Progress,
) -> Result<CustomerQuestionnaire, ServiceError> {
    let layout: Layout = stored("layout", &row.layout)?;
    Ok(CustomerQuestionnaire {
        source_format: stored_enum("source_format", &row.source_format)?,
        status: stored_enum("status", &row.status)?,
        answer_column: layout.answer_column_name,
        id: row.id,
        customer: row.customer,
        title: row.title,
        owner: row.owner,
        due_date: row.due_date,
        question_count: row.question_count,
        answered_count: progress.answered,
        needs_human_count: progress.needs_human,
        version: row.version,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn to_question(row: QuestionRow) -> Result<CustomerQuestion, ServiceError> {
    let suggestions = stored("suggestions", &row.suggestions)?;
    with_suggestions(row, suggestions)
}

/// The question `row` holds, with its `suggestions` already read.
fn with_suggestions(
    row: QuestionRow,
    suggestions: SuggestionsJson,
) -> Result<CustomerQuestion, ServiceError> {
    Ok(CustomerQuestion {
        suggestions,
        answer_source: row
            .answer_source
            .as_deref()
            .map(|s| stored_enum("answer_source", s))
            .transpose()?,
        id: row.id,
        position: row.position,
        row_number: row.row_number,
        section: row.section,
        reference: row.reference,
        text: row.text,
        needs_human: row.needs_human,
        answer: row.answer,
        entry_id: row.entry_id,
        answered_by: row.answered_by,
        answered_at: row.answered_at,
    })
}

/// A questionnaire with its questions in order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionnaireDetail {
    #[serde(flatten)]
    pub questionnaire: CustomerQuestionnaire,
    pub questions: Vec<CustomerQuestion>,
}

/// A questionnaire to import, already read from its file.
#[derive(Debug, Clone)]
pub struct Import {
    pub customer: String,
    pub title: String,
    pub owner: Option<String>,
    pub due_date: Option<String>,
    pub format: FileFormat,
    pub layout: Layout,
    pub questions: Vec<ImportedQuestion>,
}

/// How a question is answered.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The library entry to answer from.
    pub entry_id: Option<String>,
    /// The answer's text; from a library entry when absent.
    pub text: Option<String>,
    /// With `entry_id` and no `text`: take the long answer rather than the short one.
    pub long_form: bool,
    /// Without `entry_id`: keep the written answer in the library as a draft entry.
    pub save_to_library: bool,
}

/// What an export needs: the questionnaire, how its file was laid out, and its rows.
pub struct Export {
    pub questionnaire: CustomerQuestionnaire,
    pub layout: Layout,
    pub questions: Vec<CustomerQuestion>,
    pub cells: Vec<Vec<String>>,
}

fn load(conn: &mut DbConn, org: &str, id: &str) -> Result<QuestionnaireRow, ServiceError> {
    db::customer_questionnaires::find(conn, org, id)?.ok_or_else(not_found)
}

fn current(
    conn: &mut DbConn,
    row: QuestionnaireRow,
) -> Result<CustomerQuestionnaire, ServiceError> {
    let progress = db::customer_questionnaires::progress(conn, &row.id)?;
    to_questionnaire(row, progress)
}

fn detail(conn: &mut DbConn, row: QuestionnaireRow) -> Result<QuestionnaireDetail, ServiceError> {
    let questions = db::customer_questionnaires::questions(conn, &row.id)?
        .into_iter()
        .map(to_question)
        .collect::<Result<_, _>>()?;
    Ok(QuestionnaireDetail {
        questionnaire: current(conn, row)?,
        questions,
    })
}

/// Bumps the questionnaire's version, audits the change and raises `event` with `data`.
fn touch(
    conn: &mut DbConn,
    actor: &Actor,
    before: &QuestionnaireRow,
    mut after: QuestionnaireRow,
    action: &str,
    reason: Option<&str>,
) -> Result<CustomerQuestionnaire, ServiceError> {
    let previous = current(conn, before.clone())?;
    after.version = before.version + 1;
    after.updated_at = time::now();
    if !db::customer_questionnaires::update(conn, &after, before.version)? {
        return Err(ServiceError::Conflict(
            "the questionnaire was changed by another request; fetch it and try again".into(),
        ));
    }
    let next = current(conn, after)?;
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: "customer_questionnaire",
            entity_id: &next.id,
            before: journal::snapshot(&previous)?,
            after: journal::snapshot(&next)?,
            reason,
        },
    )?;
    if previous.status != next.status {
        journal::emit(
            conn,
            &actor.org,
            "customer_questionnaire.status_changed",
            json!({ "questionnaire": next, "from": previous.status, "to": next.status }),
        )?;
    }
    Ok(next)
}

pub fn import(
    pool: &Pool,
    indexes: &AnswerIndexes,
    actor: &Actor,
    import: Import,
) -> Result<QuestionnaireDetail, ServiceError> {
    // Suggesting reads the library only: done before the write lock is taken.
    let texts: Vec<&str> = import.questions.iter().map(|q| q.text.as_str()).collect();
    let suggestions = read(pool, |conn| suggest_many(conn, indexes, &actor.org, &texts))?;
    write(pool, |conn| {
        let now = time::now();
        let row = QuestionnaireRow {
            id: db::new_id(),
            org_id: actor.org.clone(),
            customer: import.customer.clone(),
            title: import.title.clone(),
            source_format: enum_to_text(&import.format),
            layout: serde_json::to_string(&import.layout)?,
            status: enum_to_text(&QuestionnaireStatus::Imported),
            owner: import.owner.clone(),
            due_date: import.due_date.clone(),
            question_count: import.questions.len() as i64,
            version: 1,
            created_by: actor.subject.clone(),
            created_at: now.clone(),
            updated_at: now,
        };
        db::customer_questionnaires::insert(conn, &row)?;
        let questions = import
            .questions
            .iter()
            .zip(&suggestions)
            .enumerate()
            .map(|(i, (q, found))| {
                let offered = SuggestionsJson::of(found)?;
                let row = QuestionRow {
                    id: db::new_id(),
                    org_id: actor.org.clone(),
                    questionnaire_id: row.id.clone(),
                    position: i as i64 + 1,
                    row_number: q.row_number.map(|n| n as i64),
                    section: q.section.clone(),
                    reference: q.reference.clone(),
                    text: q.text.clone(),
                    cells: serde_json::to_string(&q.cells)?,
                    suggestions: offered.as_str().to_owned(),
                    needs_human: needs_human(found),
                    answer: None,
                    answer_source: None,
                    entry_id: None,
                    answered_by: None,
                    answered_at: None,
                };
                Ok((row, offered))
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        let (questions, offered): (Vec<QuestionRow>, Vec<SuggestionsJson>) =
            questions.into_iter().unzip();
        db::customer_questionnaires::insert_questions(conn, &questions)?;
        // Made from what was just stored, not read back: nothing is answered yet.
        let progress = Progress {
            answered: 0,
            needs_human: questions.iter().filter(|q| q.needs_human).count() as i64,
        };
        let created = QuestionnaireDetail {
            questionnaire: to_questionnaire(row, progress)?,
            questions: questions
                .into_iter()
                .zip(offered)
                .map(|(q, offered)| with_suggestions(q, offered))
                .collect::<Result<_, _>>()?,
        };
        journal::audit(
            conn,
            actor,
            Change {
                action: "customer_questionnaire.imported",
                entity_type: "customer_questionnaire",
                entity_id: &created.questionnaire.id,
                before: None,
                after: journal::snapshot(&created.questionnaire)?,
                reason: None,
            },
        )?;
        journal::emit(
            conn,
            &actor.org,
            "customer_questionnaire.imported",
            json!({ "questionnaire": created.questionnaire }),
        )?;
        Ok(created)
    })
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<QuestionnaireDetail, ServiceError> {
    read(pool, |conn| {
        let row = load(conn, &actor.org, id)?;
        detail(conn, row)
    })
}

pub fn list(
    pool: &Pool,
    actor: &Actor,
    status: Option<QuestionnaireStatus>,
    page: &Page,
) -> Result<(Vec<CustomerQuestionnaire>, Option<String>), ServiceError> {
    let status = status.as_ref().map(enum_to_text);
    read(pool, |conn| {
        let rows = db::customer_questionnaires::list(
            conn,
            &actor.org,
            status.as_deref(),
            page.after.as_deref(),
            page.limit,
        )?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.id.clone());
        let data = rows
            .into_iter()
            .map(|r| current(conn, r))
            .collect::<Result<_, _>>()?;
        Ok((data, next))
    })
}

fn entry_not_usable(message: &str) -> ServiceError {
    ServiceError::field("entry_id", "not_usable", message)
}

pub fn answer(
    pool: &Pool,
    actor: &Actor,
    questionnaire_id: &str,
    question_id: &str,
    answer: Answer,
) -> Result<CustomerQuestion, ServiceError> {
    write(pool, |conn| {
        let questionnaire = load(conn, &actor.org, questionnaire_id)?;
        let status: QuestionnaireStatus = stored_enum("status", &questionnaire.status)?;
        if !status.accepts_answers() {
            return Err(ServiceError::Conflict(format!(
                "the questionnaire is {}; answers change only while it is imported or in progress",
                enum_to_text(&status)
            )));
        }
        let question =
            db::customer_questionnaires::find_question(conn, questionnaire_id, question_id)?
                .ok_or(ServiceError::NotFound { entity: "question" })?;
        let (text, source, entry_id) = match (&answer.entry_id, &answer.text) {
            (Some(entry_id), text) => {
                let entry = super::answer_library::get_in(conn, &actor.org, entry_id)?.ok_or_else(
                    || {
                        ServiceError::field(
                            "entry_id",
                            "not_found",
                            format!("'{entry_id}' is not an entry of the answer library"),
                        )
                    },
                )?;
                if entry.status == EntryStatus::Retired {
                    return Err(entry_not_usable("the entry is retired"));
                }
                let library_text = if answer.long_form {
                    entry.answer_long.clone().ok_or_else(|| {
                        ServiceError::field("long_form", "missing", "the entry has no long answer")
                    })?
                } else {
                    entry.answer_short.clone()
                };
                match text {
                    Some(t) if *t != library_text => (t.clone(), AnswerSource::Edited, entry.id),
                    _ => (library_text, AnswerSource::Library, entry.id),
                }
            }
            (None, Some(text)) => {
                let saved = if answer.save_to_library {
                    let fields = EntryFields {
                        question: question.text.clone(),
                        alternatives: Vec::new(),
                        answer_short: text.clone(),
                        answer_long: None,
                        owner: Some(actor.subject.clone()),
                        tags: Vec::new(),
                        control_ids: Vec::new(),
                        evidence: Vec::new(),
                        review_by: None,
                    };
                    Some(insert_entry(conn, actor, fields, EntryStatus::Draft)?.id)
                } else {
                    None
                };
                (
                    text.clone(),
                    AnswerSource::Written,
                    saved.unwrap_or_default(),
                )
            }
            (None, None) => {
                return Err(ServiceError::field(
                    "text",
                    "required",
                    "give the answer's text, or an entry_id to answer from the library",
                ))
            }
        };
        let before = to_question(question.clone())?;
        let next = QuestionRow {
            answer: Some(text),
            answer_source: Some(enum_to_text(&source)),
            entry_id: Some(entry_id).filter(|id| !id.is_empty()),
            answered_by: Some(actor.subject.clone()),
            answered_at: Some(time::now()),
            ..question
        };
        db::customer_questionnaires::update_question(conn, &next)?;
        let answered = to_question(next)?;
        journal::audit(
            conn,
            actor,
            Change {
                action: "customer_questionnaire.answered",
                entity_type: "customer_question",
                entity_id: &answered.id,
                before: journal::snapshot(&before)?,
                after: journal::snapshot(&answered)?,
                reason: None,
            },
        )?;
        journal::emit(
            conn,
            &actor.org,
            "customer_questionnaire.answered",
            json!({ "questionnaire_id": questionnaire.id, "question": answered }),
        )?;
        let mut after = questionnaire.clone();
        if status == QuestionnaireStatus::Imported {
            after.status = enum_to_text(&QuestionnaireStatus::InProgress);
        }
        touch(
            conn,
            actor,
            &questionnaire,
            after,
            "customer_questionnaire.updated",
            None,
        )?;
        Ok(answered)
    })
}

pub fn change_status(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    to: QuestionnaireStatus,
    reason: Option<&str>,
) -> Result<CustomerQuestionnaire, ServiceError> {
    write(pool, |conn| {
        let row = load(conn, &actor.org, id)?;
        check_version(if_match, row.version)?;
        let from: QuestionnaireStatus = stored_enum("status", &row.status)?;
        if !from.can_become(to) {
            return Err(ServiceError::IllegalTransition {
                from: enum_to_text(&from),
                to: enum_to_text(&to),
                allowed: from.allowed_next().iter().map(enum_to_text).collect(),
            });
        }
        if to == QuestionnaireStatus::InReview {
            let progress = db::customer_questionnaires::progress(conn, id)?;
            let open = row.question_count - progress.answered;
            if open > 0 {
                return Err(ServiceError::Conflict(format!(
                    "{open} of {} questions have no answer yet",
                    row.question_count
                )));
            }
        }
        let after = QuestionnaireRow {
            status: enum_to_text(&to),
            ..row.clone()
        };
        touch(
            conn,
            actor,
            &row,
            after,
            "customer_questionnaire.status_changed",
            reason,
        )
    })
}

/// Suggests again, from the library as it is now, for every question still unanswered.
pub fn refresh_suggestions(
    pool: &Pool,
    indexes: &AnswerIndexes,
    actor: &Actor,
    id: &str,
) -> Result<QuestionnaireDetail, ServiceError> {
    let open: Vec<QuestionRow> = read(pool, |conn| {
        load(conn, &actor.org, id)?;
        Ok(db::customer_questionnaires::questions(conn, id)?
            .into_iter()
            .filter(|q| q.answer.is_none())
            .collect())
    })?;
    let texts: Vec<&str> = open.iter().map(|q| q.text.as_str()).collect();
    let found: Vec<Vec<Suggestion>> =
        read(pool, |conn| suggest_many(conn, indexes, &actor.org, &texts))?;
    write(pool, |conn| {
        let latest = load(conn, &actor.org, id)?;
        for (question, suggestions) in open.iter().zip(&found) {
            // An answer given meanwhile stands; its suggestions no longer matter, and none
            // are stored.
            db::customer_questionnaires::set_suggestions(
                conn,
                &actor.org,
                &question.id,
                &serde_json::to_string(suggestions)?,
                needs_human(suggestions),
            )?;
        }
        let after = latest.clone();
        touch(
            conn,
            actor,
            &latest,
            after,
            "customer_questionnaire.suggestions_refreshed",
            None,
        )?;
        let fresh = load(conn, &actor.org, id)?;
        detail(conn, fresh)
    })
}

/// The questionnaire's content for export; the first export of an approved questionnaire
/// records it as exported.
pub fn export(pool: &Pool, actor: &Actor, id: &str) -> Result<Export, ServiceError> {
    write(pool, |conn| {
        let mut row = load(conn, &actor.org, id)?;
        let status: QuestionnaireStatus = stored_enum("status", &row.status)?;
        if !status.can_export() {
            return Err(ServiceError::Conflict(format!(
                "the questionnaire is {}; it is exported once approved",
                enum_to_text(&status)
            )));
        }
        if status == QuestionnaireStatus::Approved {
            let after = QuestionnaireRow {
                status: enum_to_text(&QuestionnaireStatus::Exported),
                ..row.clone()
            };
            touch(
                conn,
                actor,
                &row,
                after,
                "customer_questionnaire.exported",
                None,
            )?;
            row = load(conn, &actor.org, id)?;
        }
        let layout: Layout = stored("layout", &row.layout)?;
        let rows = db::customer_questionnaires::questions(conn, id)?;
        let cells = rows
            .iter()
            .map(|q| stored::<Vec<String>>("cells", &q.cells))
            .collect::<Result<Vec<_>, _>>()?;
        let questions = rows
            .into_iter()
            .map(to_question)
            .collect::<Result<_, _>>()?;
        Ok(Export {
            questionnaire: current(conn, row)?,
            layout,
            questions,
            cells,
        })
    })
}
