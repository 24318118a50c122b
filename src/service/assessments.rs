use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, OnceLock, PoisonError};

use lru::LruCache;

use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::journal::{self, Change};
use super::{check_version, read, system_actor, write, ServiceError};
use crate::auth::LinkScope;
use crate::db::assessments::{
    AnswerRow, AssessmentQuery, AssessmentRow, LinkRow, ReminderRow, StoredAnswer,
};
use crate::db::{self, DbConn, Pool};
use crate::domain::ai_service::{enum_from_text, enum_to_text};
use crate::domain::assessment::{
    self as rules, Answer, Answers, Assessment, AssessmentStatus, Reminder, ReminderChannel,
    Scorecard, Verdict,
};
use crate::domain::coverage::{DocumentInput, QuestionnaireResult};
use crate::domain::evidence::EvidenceFile;
use crate::domain::oscal;
use crate::domain::pagination::{self, Page};
use crate::domain::questionnaire::{Question, QuestionType, TemplateContent, VersionStatus};
use crate::domain::time;
use crate::domain::{Actor, FieldError};

const ENTITY: &str = "assessment";

fn not_found() -> ServiceError {
    ServiceError::NotFound {
        entity: "assessment",
    }
}

pub(super) fn status_of(row: &AssessmentRow) -> Result<AssessmentStatus, ServiceError> {
    enum_from_text(&row.status).ok_or_else(|| {
        ServiceError::Internal(format!(
            "stored assessment status '{}' is unknown",
            row.status
        ))
    })
}

fn to_assessment(conn: &mut DbConn, row: AssessmentRow) -> Result<Assessment, ServiceError> {
    let version = db::questionnaires::find_version_by_id(conn, &row.template_version_id)?
        .ok_or_else(|| ServiceError::Internal("assessment template version is missing".into()))?;
    let status = status_of(&row)?;
    Ok(Assessment {
        overdue: rules::is_overdue(status, row.due_date.as_deref(), &time::today()),
        allowed_next_states: status.allowed_next().to_vec(),
        status,
        template_id: version.template_id,
        template_version: version.number,
        id: row.id,
        vendor_id: row.vendor_id,
        ai_service_id: row.ai_service_id,
        template_version_id: row.template_version_id,
        contact_id: row.contact_id,
        due_date: row.due_date,
        score: row.score,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        sent_at: row.sent_at,
        submitted_at: row.submitted_at,
        completed_at: row.completed_at,
        overdue_notified_at: row.overdue_notified_at,
    })
}

pub(super) fn load_row(
    conn: &mut DbConn,
    org: &str,
    id: &str,
) -> Result<AssessmentRow, ServiceError> {
    db::assessments::find(conn, org, id)?.ok_or_else(not_found)
}

/// A template version's parsed content, with each question's JSON written once, on the first
/// questionnaire built from it: a questionnaire response is mostly its questions, the same for
/// every save, and serialising them again cost a tenth of a 100-answer save.
struct LoadedTemplate {
    content: TemplateContent,
    question_json: OnceLock<Vec<Vec<Arc<RawValue>>>>,
}

impl LoadedTemplate {
    fn new(content: TemplateContent) -> Self {
        Self {
            content,
            question_json: OnceLock::new(),
        }
    }

    /// Each section's questions as JSON, in the content's order.
    fn question_json(&self) -> Result<&[Vec<Arc<RawValue>>], ServiceError> {
        if let Some(json) = self.question_json.get() {
            return Ok(json);
        }
        let json = self
            .content
            .sections
            .iter()
            .map(|section| {
                section
                    .questions
                    .iter()
                    .map(|question| Ok(Arc::from(serde_json::value::to_raw_value(question)?)))
                    .collect::<Result<Vec<_>, serde_json::Error>>()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ServiceError::Internal(format!("question not serialisable: {e}")))?;
        Ok(self.question_json.get_or_init(|| json))
    }
}

impl Deref for LoadedTemplate {
    type Target = TemplateContent;

    fn deref(&self) -> &TemplateContent {
        &self.content
    }
}

/// How many parsed published template versions stay in memory.
const PUBLISHED_CONTENTS_KEPT: NonZeroUsize = NonZeroUsize::new(256).unwrap();

/// Parsed contents of published template versions, by version id. A published version never
/// changes, and parsing its JSON cost more than the rest of a 100-answer save.
static PUBLISHED_CONTENTS: LazyLock<Mutex<LruCache<String, Arc<LoadedTemplate>>>> =
    LazyLock::new(|| Mutex::new(LruCache::new(PUBLISHED_CONTENTS_KEPT)));

fn published_contents() -> MutexGuard<'static, LruCache<String, Arc<LoadedTemplate>>> {
    // The cache holds parsed copies only; a panic elsewhere cannot leave one half-written.
    PUBLISHED_CONTENTS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

fn content_of(conn: &mut DbConn, row: &AssessmentRow) -> Result<Arc<LoadedTemplate>, ServiceError> {
    if let Some(content) = published_contents().get(&row.template_version_id) {
        return Ok(Arc::clone(content));
    }
    let version = db::questionnaires::find_version_by_id(conn, &row.template_version_id)?
        .ok_or_else(|| ServiceError::Internal("assessment template version is missing".into()))?;
    let content = Arc::new(LoadedTemplate::new(
        serde_json::from_str(&version.content).map_err(|e| {
            ServiceError::Internal(format!("stored template content is not valid: {e}"))
        })?,
    ));
    if version.status == enum_to_text(&VersionStatus::Published) {
        published_contents().put(version.id, Arc::clone(&content));
    }
    Ok(content)
}

fn answers_of(conn: &mut DbConn, assessment_id: &str) -> Result<Answers, ServiceError> {
    db::assessments::answers(conn, assessment_id)?
        .into_iter()
        .map(|row| {
            let value: Value = serde_json::from_str(&row.value)?;
            let verdict = row
                .verdict
                .as_deref()
                .map(|v| {
                    enum_from_text::<Verdict>(v).ok_or_else(|| {
                        ServiceError::Internal(format!("stored verdict '{v}' is unknown"))
                    })
                })
                .transpose()?;
            Ok((
                row.question_key.clone(),
                Answer {
                    question: row.question_key,
                    value,
                    not_applicable: row.not_applicable,
                    comment: row.comment,
                    verdict,
                    review_comment: row.review_comment,
                },
            ))
        })
        .collect()
}

/// An answer as its row stores it.
pub(super) fn stored(answer: &Answer) -> StoredAnswer {
    StoredAnswer {
        question_key: answer.question.clone(),
        value: answer.value.to_string(),
        not_applicable: answer.not_applicable,
        comment: answer.comment.clone(),
        verdict: answer.verdict.map(|v| enum_to_text(&v)),
        review_comment: answer.review_comment.clone(),
    }
}

/// Stores a new state of the assessment (version bumped) and journals the change.
fn store(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    before: &AssessmentRow,
    mut after: AssessmentRow,
    reason: Option<&str>,
) -> Result<Assessment, ServiceError> {
    after.version = before.version + 1;
    after.updated_at = time::now();
    if !db::assessments::update(conn, &after, before.version)? {
        return Err(ServiceError::Conflict(
            "the assessment was changed by another request; fetch it and try again".into(),
        ));
    }
    let previous = to_assessment(conn, before.clone())?;
    let current = to_assessment(conn, after)?;
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: ENTITY,
            entity_id: &current.id,
            before: journal::snapshot(&previous)?,
            after: journal::snapshot(&current)?,
            reason,
        },
    )?;
    journal::emit(conn, &actor.org, action, json!({ "assessment": current }))?;
    Ok(current)
}

fn illegal(from: AssessmentStatus, to: AssessmentStatus) -> ServiceError {
    ServiceError::IllegalTransition {
        from: enum_to_text(&from),
        to: enum_to_text(&to),
        allowed: from.allowed_next().iter().map(enum_to_text).collect(),
    }
}

/// What a new assessment is for.
pub struct NewAssessment {
    pub vendor_id: String,
    pub ai_service_id: Option<String>,
    pub template_id: String,
    /// The template version's number; the latest published one when absent.
    pub template_version: Option<i32>,
    pub due_date: Option<String>,
    pub contact_id: Option<String>,
}

pub fn create(pool: &Pool, actor: &Actor, new: NewAssessment) -> Result<Assessment, ServiceError> {
    write(pool, |conn| create_in(conn, actor, &new))
}

/// The newest published version among a template's versions (oldest first).
pub(super) fn latest_published(
    versions: Vec<db::questionnaires::VersionRow>,
) -> Option<db::questionnaires::VersionRow> {
    let published = enum_to_text(&VersionStatus::Published);
    versions.into_iter().rev().find(|v| v.status == published)
}

/// Creates a draft assessment inside the caller's transaction.
pub(super) fn create_in(
    conn: &mut DbConn,
    actor: &Actor,
    new: &NewAssessment,
) -> Result<Assessment, ServiceError> {
    let org = actor.org.as_str();
    if db::vendors::find(conn, org, &new.vendor_id)?.is_none() {
        return Err(ServiceError::field(
            "vendor_id",
            "not_found",
            "is not a vendor of the organisation",
        ));
    }
    if let Some(service_id) = &new.ai_service_id {
        let service = db::ai_services::find(conn, org, service_id)?;
        if service.is_none_or(|s| s.vendor_id != new.vendor_id) {
            return Err(ServiceError::field(
                "ai_service_id",
                "not_found",
                "is not an AI service of this vendor",
            ));
        }
    }
    if let Some(contact_id) = &new.contact_id {
        if db::contacts::find(conn, org, &new.vendor_id, contact_id)?.is_none() {
            return Err(ServiceError::field(
                "contact_id",
                "not_found",
                "is not a contact of this vendor",
            ));
        }
    }
    if db::questionnaires::find_template(conn, org, &new.template_id)?.is_none() {
        return Err(ServiceError::field(
            "template_id",
            "not_found",
            "is not a questionnaire template",
        ));
    }
    let published = enum_to_text(&VersionStatus::Published);
    let versions = db::questionnaires::versions(conn, &new.template_id)?;
    let version = match new.template_version {
        Some(number) => versions
            .into_iter()
            .find(|v| v.number == number)
            .ok_or_else(|| {
                ServiceError::field("template_version", "not_found", "no such version")
            })?,
        None => latest_published(versions).ok_or_else(|| {
            ServiceError::field(
                "template_id",
                "unpublished",
                "the template has no published version yet",
            )
        })?,
    };
    if version.status != published {
        return Err(ServiceError::field(
            "template_version",
            "unpublished",
            format!("version {} is a draft; publish it first", version.number),
        ));
    }
    let now = time::now();
    let row = AssessmentRow {
        id: db::new_id(),
        org_id: org.to_owned(),
        vendor_id: new.vendor_id.clone(),
        ai_service_id: new.ai_service_id.clone(),
        template_version_id: version.id,
        contact_id: new.contact_id.clone(),
        status: enum_to_text(&AssessmentStatus::Draft),
        due_date: new.due_date.clone(),
        score: None,
        scorecard: None,
        version: 1,
        created_at: now.clone(),
        updated_at: now,
        sent_at: None,
        submitted_at: None,
        completed_at: None,
        overdue_notified_at: None,
    };
    db::assessments::insert(conn, &row)?;
    let created = to_assessment(conn, row)?;
    journal::audit(
        conn,
        actor,
        Change {
            action: "assessment.created",
            entity_type: ENTITY,
            entity_id: &created.id,
            before: None,
            after: journal::snapshot(&created)?,
            reason: None,
        },
    )?;
    journal::emit(
        conn,
        org,
        "assessment.created",
        json!({ "assessment": created }),
    )?;
    Ok(created)
}

/// List filters as the API takes them.
#[derive(Debug, Clone, Default)]
pub struct AssessmentFilter {
    pub vendor_id: Option<String>,
    pub status: Option<AssessmentStatus>,
    pub overdue: bool,
}

pub fn list(
    pool: &Pool,
    actor: &Actor,
    filter: &AssessmentFilter,
    page: &Page,
) -> Result<(Vec<Assessment>, Option<String>), ServiceError> {
    let query = AssessmentQuery {
        vendor_id: filter.vendor_id.clone(),
        status: filter.status.map(|s| enum_to_text(&s)),
        due_before: filter.overdue.then(|| {
            let waiting = rules::WAITING.iter().map(enum_to_text).collect();
            (time::today(), waiting)
        }),
    };
    read(pool, |conn| {
        let rows =
            db::assessments::list(conn, &actor.org, &query, page.after.as_deref(), page.limit)?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.id.clone());
        let data = rows
            .into_iter()
            .map(|row| to_assessment(conn, row))
            .collect::<Result<_, _>>()?;
        Ok((data, next))
    })
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<Assessment, ServiceError> {
    read(pool, |conn| {
        let row = load_row(conn, &actor.org, id)?;
        to_assessment(conn, row)
    })
}

/// A vendor link's row, to sign.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct IssuedLink {
    pub id: String,
    pub expires_at: String,
}

fn issue_link(
    conn: &mut DbConn,
    actor: &Actor,
    assessment_id: &str,
    expires_at: &str,
) -> Result<IssuedLink, ServiceError> {
    let row = LinkRow {
        id: uuid::Uuid::new_v4().to_string(),
        org_id: actor.org.clone(),
        assessment_id: assessment_id.to_owned(),
        expires_at: expires_at.to_owned(),
        revoked_at: None,
        created_at: time::now(),
        created_by: actor.subject.clone(),
    };
    db::assessments::insert_link(conn, &row)?;
    journal::audit(
        conn,
        actor,
        Change {
            action: "vendor_link.issued",
            entity_type: ENTITY,
            entity_id: assessment_id,
            before: None,
            after: Some(json!({ "link_id": row.id, "expires_at": row.expires_at }).to_string()),
            reason: None,
        },
    )?;
    Ok(IssuedLink {
        id: row.id,
        expires_at: row.expires_at,
    })
}

/// Sends a draft: it becomes `sent` and a vendor link is issued, expiring at `expires_at`.
pub fn send(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    expires_at: &str,
) -> Result<(Assessment, IssuedLink), ServiceError> {
    write(pool, |conn| send_in(conn, actor, id, if_match, expires_at))
}

/// Sends a draft inside the caller's transaction.
pub(super) fn send_in(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    expires_at: &str,
) -> Result<(Assessment, IssuedLink), ServiceError> {
    let current = load_row(conn, &actor.org, id)?;
    check_version(if_match, current.version)?;
    let status = status_of(&current)?;
    if !status.can_become(AssessmentStatus::Sent) {
        return Err(illegal(status, AssessmentStatus::Sent));
    }
    let next = AssessmentRow {
        status: enum_to_text(&AssessmentStatus::Sent),
        sent_at: Some(time::now()),
        ..current.clone()
    };
    let sent = store(conn, actor, "assessment.sent", &current, next, None)?;
    let link = issue_link(conn, actor, id, expires_at)?;
    Ok((sent, link))
}

/// Issues another link while the vendor may still answer (the old ones stay live unless
/// revoked).
pub fn new_link(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    expires_at: &str,
) -> Result<IssuedLink, ServiceError> {
    write(pool, |conn| {
        let current = load_row(conn, &actor.org, id)?;
        if !status_of(&current)?.vendor_may_answer() {
            return Err(ServiceError::Conflict(format!(
                "the assessment is {}; links are issued while the vendor may answer",
                current.status
            )));
        }
        issue_link(conn, actor, id, expires_at)
    })
}

/// Revokes every live link of the assessment.
pub fn revoke_links(pool: &Pool, actor: &Actor, id: &str) -> Result<usize, ServiceError> {
    write(pool, |conn| {
        load_row(conn, &actor.org, id)?;
        let count = db::assessments::revoke_links(conn, id, &time::now())?;
        journal::audit(
            conn,
            actor,
            Change {
                action: "vendor_link.revoked",
                entity_type: ENTITY,
                entity_id: id,
                before: None,
                after: Some(json!({ "revoked": count }).to_string()),
                reason: None,
            },
        )?;
        Ok(count)
    })
}

/// A vendor link is live while its row is neither revoked nor expired.
pub(super) fn check_link(
    conn: &mut DbConn,
    org: &str,
    link: &LinkScope,
) -> Result<(), ServiceError> {
    let row = db::assessments::find_link(conn, org, &link.link_id)?
        .filter(|row| row.assessment_id == link.assessment_id)
        .ok_or_else(|| ServiceError::Unauthorized("this link is not known".into()))?;
    if row.revoked_at.is_some() {
        return Err(ServiceError::Unauthorized("this link was revoked".into()));
    }
    if row.expires_at <= time::now() {
        return Err(ServiceError::Unauthorized("this link has expired".into()));
    }
    Ok(())
}

/// What the vendor sees: the questions that apply given the answers so far, and the answers.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Questionnaire {
    pub assessment_id: String,
    pub status: AssessmentStatus,
    #[schema(example = "2026-12-31")]
    pub due_date: Option<String>,
    pub sections: Vec<VisibleSection>,
    pub answers: Vec<Answer>,
    /// Required questions that apply and are not answered yet.
    pub unanswered_required: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VisibleSection {
    pub title: String,
    /// Each question as its template version holds it.
    #[schema(value_type = Vec<Question>)]
    pub questions: Vec<Arc<RawValue>>,
}

fn questionnaire_of(conn: &mut DbConn, row: &AssessmentRow) -> Result<Questionnaire, ServiceError> {
    let content = content_of(conn, row)?;
    let answers = answers_of(conn, &row.id)?;
    questionnaire_from(row, &content, answers)
}

fn questionnaire_from(
    row: &AssessmentRow,
    content: &LoadedTemplate,
    answers: Answers,
) -> Result<Questionnaire, ServiceError> {
    let visible_questions = rules::visible_questions(content, &answers);
    let unanswered_required = rules::unanswered_among(&visible_questions, &answers);
    let visible: rustc_hash::FxHashSet<&str> =
        visible_questions.iter().map(|q| q.key.as_str()).collect();
    let sections = content
        .sections
        .iter()
        .zip(content.question_json()?)
        .map(|(section, json)| VisibleSection {
            title: section.title.clone(),
            questions: section
                .questions
                .iter()
                .zip(json)
                .filter(|(question, _)| visible.contains(question.key.as_str()))
                .map(|(_, json)| Arc::clone(json))
                .collect(),
        })
        .filter(|s| !s.questions.is_empty())
        .collect();
    let mut shown: Vec<Answer> = answers
        .into_values()
        .filter(|a| visible.contains(a.question.as_str()))
        .collect();
    shown.sort_by(|a, b| a.question.cmp(&b.question));
    Ok(Questionnaire {
        assessment_id: row.id.clone(),
        status: status_of(row)?,
        due_date: row.due_date.clone(),
        sections,
        answers: shown,
        unanswered_required,
    })
}

/// The questionnaire for the vendor (through a live link) or for staff.
pub fn questionnaire(
    pool: &Pool,
    actor: &Actor,
    link: Option<&LinkScope>,
    id: &str,
) -> Result<Questionnaire, ServiceError> {
    read(pool, |conn| {
        if let Some(link) = link {
            check_link(conn, &actor.org, link)?;
        }
        let row = load_row(conn, &actor.org, id)?;
        questionnaire_of(conn, &row)
    })
}

/// One answer as the vendor sends it.
#[derive(Debug, Clone)]
pub struct AnswerInput {
    pub question: String,
    pub value: Value,
    pub not_applicable: bool,
    pub comment: Option<String>,
}

/// Saves the vendor's answers (a draft: nothing is final until submitted). Every answer is
/// checked against its question, and against the questions that apply once all of them are
/// taken into account; one bad answer refuses them all.
pub fn save_answers(
    pool: &Pool,
    actor: &Actor,
    link: &LinkScope,
    id: &str,
    inputs: Vec<AnswerInput>,
) -> Result<Questionnaire, ServiceError> {
    write(pool, |conn| {
        check_link(conn, &actor.org, link)?;
        // A save carries no expected version, so concurrent saves wait for each other.
        db::assessments::lock(conn, &actor.org, id)?;
        let current = load_row(conn, &actor.org, id)?;
        let status = status_of(&current)?;
        if !status.vendor_may_answer() {
            return Err(ServiceError::Conflict(format!(
                "the assessment is {}; answers can no longer change",
                enum_to_text(&status)
            )));
        }
        let content = content_of(conn, &current)?;
        let mut answers = answers_of(conn, id)?;
        let evidence: rustc_hash::FxHashSet<String> = db::evidence::list(conn, &actor.org, id)?
            .into_iter()
            .map(|row| row.id)
            .collect();
        let questions = content.questions_by_key();
        let mut errors = Vec::new();
        let mut seen = rustc_hash::FxHashSet::default();
        for (i, input) in inputs.iter().enumerate() {
            let at = format!("answers[{i}]");
            let Some(question) = questions.get(input.question.as_str()) else {
                errors.push(FieldError::new(
                    format!("{at}.question"),
                    "not_found",
                    format!(
                        "'{}' is not a question of this questionnaire",
                        input.question
                    ),
                ));
                continue;
            };
            if !seen.insert(input.question.clone()) {
                errors.push(FieldError::new(
                    format!("{at}.question"),
                    "duplicate",
                    format!("'{}' is answered twice", input.question),
                ));
                continue;
            }
            if let Err(e) =
                rules::check_answer(&at, question, &input.value, input.not_applicable, &|id| {
                    evidence.contains(id)
                })
            {
                errors.push(e);
                continue;
            }
            let previous = answers.get(&input.question);
            answers.insert(
                input.question.clone(),
                Answer {
                    question: input.question.clone(),
                    value: input.value.clone(),
                    not_applicable: input.not_applicable,
                    comment: input.comment.clone(),
                    verdict: previous.and_then(|p| p.verdict),
                    review_comment: previous.and_then(|p| p.review_comment.clone()),
                },
            );
        }
        if errors.is_empty() {
            let visible: rustc_hash::FxHashSet<&str> = rules::visible_questions(&content, &answers)
                .into_iter()
                .map(|q| q.key.as_str())
                .collect();
            for (i, input) in inputs.iter().enumerate() {
                if !visible.contains(input.question.as_str()) {
                    errors.push(FieldError::new(
                        format!("answers[{i}].question"),
                        "hidden",
                        format!(
                            "'{}' does not apply given the answers; it is not asked",
                            input.question
                        ),
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let now = time::now();
        let rows: Vec<AnswerRow> = inputs
            .iter()
            .map(|input| AnswerRow {
                id: db::new_id(),
                org_id: actor.org.clone(),
                assessment_id: id.to_owned(),
                answer: stored(&answers[&input.question]),
                updated_at: now.clone(),
            })
            .collect();
        db::assessments::save_answers(conn, &rows)?;
        let row = if status == AssessmentStatus::InProgress {
            let mut touched = current.clone();
            touched.version += 1;
            touched.updated_at = now;
            if !db::assessments::touch(conn, &actor.org, id, current.version, &touched.updated_at)?
            {
                return Err(ServiceError::Conflict(
                    "the assessment was changed by another request; try again".into(),
                ));
            }
            touched
        } else {
            let next = AssessmentRow {
                status: enum_to_text(&AssessmentStatus::InProgress),
                ..current.clone()
            };
            store(conn, actor, "assessment.in_progress", &current, next, None)?;
            load_row(conn, &actor.org, id)?
        };
        journal::audit(
            conn,
            actor,
            Change {
                action: "assessment.answers_saved",
                entity_type: ENTITY,
                entity_id: id,
                before: None,
                after: Some(
                    json!({
                        "questions": inputs.iter().map(|i| i.question.clone()).collect::<Vec<_>>()
                    })
                    .to_string(),
                ),
                reason: None,
            },
        )?;
        questionnaire_from(&row, &content, answers)
    })
}

/// The vendor submits; refused while required questions that apply are unanswered.
pub fn submit(
    pool: &Pool,
    actor: &Actor,
    link: &LinkScope,
    id: &str,
) -> Result<Assessment, ServiceError> {
    write(pool, |conn| {
        check_link(conn, &actor.org, link)?;
        let current = load_row(conn, &actor.org, id)?;
        let status = status_of(&current)?;
        if !status.vendor_may_answer() {
            return Err(illegal(status, AssessmentStatus::Submitted));
        }
        let content = content_of(conn, &current)?;
        let answers = answers_of(conn, id)?;
        let missing = rules::unanswered_required(&content, &answers);
        if !missing.is_empty() {
            return Err(ServiceError::Validation(
                missing
                    .into_iter()
                    .map(|key| {
                        FieldError::new(
                            format!("answers.{key}"),
                            "required",
                            format!("'{key}' is required and not answered"),
                        )
                    })
                    .collect(),
            ));
        }
        if !status.can_become(AssessmentStatus::Submitted) {
            return Err(ServiceError::Conflict(
                "save answers before submitting".into(),
            ));
        }
        let next = AssessmentRow {
            status: enum_to_text(&AssessmentStatus::Submitted),
            submitted_at: Some(time::now()),
            ..current.clone()
        };
        store(conn, actor, "assessment.submitted", &current, next, None)
    })
}

/// Staff moves: `in_review`, `returned` (back to the vendor) and `completed` (scored).
pub fn change_status(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    to: AssessmentStatus,
    if_match: Option<i64>,
    comment: Option<&str>,
) -> Result<Assessment, ServiceError> {
    write(pool, |conn| {
        let current = load_row(conn, &actor.org, id)?;
        check_version(if_match, current.version)?;
        let status = status_of(&current)?;
        let staff_move = matches!(
            to,
            AssessmentStatus::InReview | AssessmentStatus::Returned | AssessmentStatus::Completed
        );
        if !staff_move || !status.can_become(to) {
            return Err(illegal(status, to));
        }
        let mut next = AssessmentRow {
            status: enum_to_text(&to),
            ..current.clone()
        };
        if to == AssessmentStatus::Completed {
            let content = content_of(conn, &current)?;
            let answers = answers_of(conn, id)?;
            let card = rules::score(&content, &answers);
            next.score = card.score;
            next.scorecard = Some(serde_json::to_string(&card)?);
            next.completed_at = Some(time::now());
        }
        let action = format!("assessment.{}", enum_to_text(&to));
        let stored = store(conn, actor, &action, &current, next, comment)?;
        if to == AssessmentStatus::Completed {
            super::risk::refresh(conn, actor, &stored.vendor_id, &action)?;
        }
        Ok(stored)
    })
}

/// A reviewer's verdict on one answer, while the assessment is in review.
pub fn review_answer(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    question: &str,
    verdict: Verdict,
    comment: Option<&str>,
) -> Result<Answer, ServiceError> {
    write(pool, |conn| {
        let current = load_row(conn, &actor.org, id)?;
        if status_of(&current)? != AssessmentStatus::InReview {
            return Err(ServiceError::Conflict(format!(
                "the assessment is {}; answers are reviewed while it is in_review",
                current.status
            )));
        }
        let mut answers = answers_of(conn, id)?;
        let Some(mut answer) = answers.remove(question) else {
            return Err(ServiceError::NotFound { entity: "answer" });
        };
        let before = answer.clone();
        answer.verdict = Some(verdict);
        answer.review_comment = comment.map(str::to_owned);
        db::assessments::save_answers(
            conn,
            &[AnswerRow {
                id: db::new_id(),
                org_id: actor.org.clone(),
                assessment_id: id.to_owned(),
                answer: stored(&answer),
                updated_at: time::now(),
            }],
        )?;
        journal::audit(
            conn,
            actor,
            Change {
                action: "assessment.answer_reviewed",
                entity_type: ENTITY,
                entity_id: id,
                before: journal::snapshot(&before)?,
                after: journal::snapshot(&answer)?,
                reason: comment,
            },
        )?;
        Ok(answer)
    })
}

/// The score and per-control results: as stored at completion, or computed now (provisional).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AssessmentResults {
    pub assessment_id: String,
    pub status: AssessmentStatus,
    /// False until the assessment is completed: the figures may still change.
    pub final_result: bool,
    #[serde(flatten)]
    pub scorecard: Scorecard,
}

fn results_of(conn: &mut DbConn, row: &AssessmentRow) -> Result<AssessmentResults, ServiceError> {
    let status = status_of(row)?;
    let scorecard: Scorecard = match (&row.scorecard, status) {
        (Some(stored), AssessmentStatus::Completed) => serde_json::from_str(stored)?,
        _ => {
            let content = content_of(conn, row)?;
            let answers = answers_of(conn, &row.id)?;
            rules::score(&content, &answers)
        }
    };
    Ok(AssessmentResults {
        assessment_id: row.id.clone(),
        status,
        final_result: status == AssessmentStatus::Completed,
        scorecard,
    })
}

pub fn results(pool: &Pool, actor: &Actor, id: &str) -> Result<AssessmentResults, ServiceError> {
    read(pool, |conn| {
        let row = load_row(conn, &actor.org, id)?;
        results_of(conn, &row)
    })
}

/// One question of an exported assessment, with its answer if it has one.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ExportedQuestion {
    pub section: String,
    pub key: String,
    pub text: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    pub required: bool,
    /// False when its `show_if` is not met by the answers: it was not asked.
    pub applies: bool,
    pub controls: Vec<String>,
    pub answer: Option<Answer>,
}

/// Everything about an assessment, for the record.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AssessmentExport {
    pub assessment: Assessment,
    pub vendor_name: String,
    pub template_name: String,
    pub questions: Vec<ExportedQuestion>,
    pub evidence: Vec<EvidenceFile>,
    pub reminders: Vec<Reminder>,
    pub results: AssessmentResults,
}

pub fn export(pool: &Pool, actor: &Actor, id: &str) -> Result<AssessmentExport, ServiceError> {
    read(pool, |conn| {
        let row = load_row(conn, &actor.org, id)?;
        let vendor_name = db::vendors::find(conn, &actor.org, &row.vendor_id)?
            .map(|v| v.legal_name)
            .ok_or_else(|| ServiceError::Internal("the assessed vendor is missing".into()))?;
        let assessment = to_assessment(conn, row.clone())?;
        let template_name =
            db::questionnaires::find_template(conn, &actor.org, &assessment.template_id)?
                .map(|t| t.name)
                .ok_or_else(|| {
                    ServiceError::Internal("the assessment's template is missing".into())
                })?;
        let content = content_of(conn, &row)?;
        let mut answers = answers_of(conn, id)?;
        let applies: std::collections::HashSet<String> =
            rules::visible_questions(&content, &answers)
                .into_iter()
                .map(|q| q.key.clone())
                .collect();
        let questions = content
            .sections
            .iter()
            .flat_map(|section| section.questions.iter().map(move |q| (section, q)))
            .map(|(section, q)| ExportedQuestion {
                section: section.title.clone(),
                key: q.key.clone(),
                text: q.text.clone(),
                kind: q.kind,
                required: q.required,
                applies: applies.contains(&q.key),
                controls: q.controls.clone(),
                answer: answers.remove(&q.key),
            })
            .collect();
        let evidence = super::evidence::files_of(conn, &actor.org, id)?;
        let reminders = db::assessments::reminders(conn, id)?
            .into_iter()
            .map(to_reminder)
            .collect::<Result<_, _>>()?;
        let results = results_of(conn, &row)?;
        Ok(AssessmentExport {
            assessment,
            vendor_name,
            template_name,
            questions,
            evidence,
            reminders,
            results,
        })
    })
}

/// The per-control results as an OSCAL assessment-results document.
pub fn oscal_results(pool: &Pool, actor: &Actor, id: &str) -> Result<Value, ServiceError> {
    let export = export(pool, actor, id)?;
    let control_ids: Vec<String> = export
        .results
        .scorecard
        .controls
        .iter()
        .map(|c| c.control_id.clone())
        .collect();
    let references: std::collections::HashMap<String, String> = read(pool, |conn| {
        Ok(db::catalog::find_many(conn, &actor.org, &control_ids)?
            .into_iter()
            .map(|c| (c.id, c.reference))
            .collect())
    })?;
    let controls = export
        .results
        .scorecard
        .controls
        .iter()
        .map(|outcome| oscal::AssessedControl {
            reference: references
                .get(&outcome.control_id)
                .map_or(outcome.control_id.as_str(), String::as_str),
            outcome,
        })
        .collect();
    let evidence_href =
        |evidence_id: &str| format!("/v1/assessments/{id}/evidence/{evidence_id}/content");
    let answers = export
        .questions
        .iter()
        .filter(|q| q.applies)
        .filter_map(|q| {
            let answer = q.answer.as_ref()?;
            let evidence = match (q.kind, &answer.value) {
                (QuestionType::Evidence, Value::Array(ids)) => ids
                    .iter()
                    .filter_map(Value::as_str)
                    .map(evidence_href)
                    .collect(),
                _ => Vec::new(),
            };
            Some(oscal::AnsweredQuestion {
                key: &q.key,
                text: &q.text,
                answer: rules::answer_text(answer),
                evidence,
            })
        })
        .collect();
    let assessment = &export.assessment;
    let report = oscal::AssessmentReport {
        assessment_id: &assessment.id,
        title: format!("{}: {}", export.vendor_name, export.template_name),
        start: assessment
            .sent_at
            .as_deref()
            .unwrap_or(&assessment.created_at),
        end: assessment.completed_at.as_deref(),
        final_result: export.results.final_result,
        controls,
        answers,
    };
    let now = time::now();
    let stamp_uuid = uuid::Uuid::new_v4().to_string();
    Ok(oscal::assessment_results(
        &report,
        &oscal::Stamp {
            uuid: &stamp_uuid,
            last_modified: &now,
            version: env!("CARGO_PKG_VERSION"),
        },
        &mut || uuid::Uuid::new_v4().to_string(),
    ))
}

/// Assessments looked at per overdue check; the rest wait for the next one.
const OVERDUE_BATCH: i64 = 500;

/// Raises `assessment.overdue` for every assessment that became overdue, once each: the mark,
/// the audit record and the outbox event commit together. Returns how many were raised.
pub fn raise_overdue(pool: &Pool) -> Result<usize, ServiceError> {
    write(pool, |conn| {
        let now = time::now();
        let mut raised = 0;
        for row in db::assessments::overdue_unnotified(conn, &time::today(), OVERDUE_BATCH)? {
            if !db::assessments::mark_overdue_notified(conn, &row.id, &now)? {
                continue;
            }
            let actor = system_actor(&row.org_id);
            let before = to_assessment(conn, row.clone())?;
            let after = to_assessment(
                conn,
                AssessmentRow {
                    overdue_notified_at: Some(now.clone()),
                    ..row
                },
            )?;
            journal::audit(
                conn,
                &actor,
                Change {
                    action: "assessment.overdue",
                    entity_type: ENTITY,
                    entity_id: &after.id,
                    before: journal::snapshot(&before)?,
                    after: journal::snapshot(&after)?,
                    reason: None,
                },
            )?;
            journal::emit(
                conn,
                &actor.org,
                "assessment.overdue",
                json!({ "assessment": after }),
            )?;
            raised += 1;
        }
        Ok(raised)
    })
}

fn to_reminder(row: ReminderRow) -> Result<Reminder, ServiceError> {
    Ok(Reminder {
        channel: enum_from_text(&row.channel).ok_or_else(|| {
            ServiceError::Internal(format!(
                "stored reminder channel '{}' is unknown",
                row.channel
            ))
        })?,
        id: row.id,
        assessment_id: row.assessment_id,
        note: row.note,
        sent_at: row.sent_at,
        recorded_by: row.recorded_by,
    })
}

/// Records a reminder sent to the vendor while the assessment waits for its answers.
pub fn record_reminder(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    channel: ReminderChannel,
    note: Option<String>,
    sent_at: Option<String>,
) -> Result<Reminder, ServiceError> {
    write(pool, |conn| {
        let current = load_row(conn, &actor.org, id)?;
        if !status_of(&current)?.vendor_may_answer() {
            return Err(ServiceError::Conflict(format!(
                "the assessment is {}; reminders are for assessments waiting for the vendor",
                current.status
            )));
        }
        let row = ReminderRow {
            id: db::new_id(),
            org_id: actor.org.clone(),
            assessment_id: id.to_owned(),
            channel: enum_to_text(&channel),
            note: note.clone(),
            sent_at: sent_at.clone().unwrap_or_else(time::now),
            recorded_by: actor.subject.clone(),
        };
        db::assessments::insert_reminder(conn, &row)?;
        let reminder = to_reminder(row)?;
        journal::audit(
            conn,
            actor,
            Change {
                action: "assessment.reminder_recorded",
                entity_type: ENTITY,
                entity_id: id,
                before: None,
                after: journal::snapshot(&reminder)?,
                reason: None,
            },
        )?;
        Ok(reminder)
    })
}

pub fn reminders(pool: &Pool, actor: &Actor, id: &str) -> Result<Vec<Reminder>, ServiceError> {
    read(pool, |conn| {
        load_row(conn, &actor.org, id)?;
        db::assessments::reminders(conn, id)?
            .into_iter()
            .map(to_reminder)
            .collect()
    })
}

/// What the vendor's completed assessments say about each control: the result in the most
/// recently completed assessment that asks about it, and the evidence files a reviewer
/// accepted there on questions mapped to it.
pub(super) fn control_evidence(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> Result<AnsweredControls, ServiceError> {
    let completed = db::assessments::completed_for_vendor(conn, org, vendor_id)?;
    answered_controls(conn, org, completed)
}

/// `control_evidence` from the vendor's completed assessments, newest first.
pub(super) fn answered_controls(
    conn: &mut DbConn,
    org: &str,
    completed: Vec<AssessmentRow>,
) -> Result<AnsweredControls, ServiceError> {
    let mut out: HashMap<String, (QuestionnaireResult, Vec<DocumentInput>)> = HashMap::new();
    let last_completed = completed
        .iter()
        .filter_map(|row| row.completed_at.clone())
        .max();
    for row in completed {
        let Some(stored) = &row.scorecard else {
            continue;
        };
        let card: Scorecard = serde_json::from_str(stored)?;
        let fresh: Vec<_> = card
            .controls
            .iter()
            .filter(|c| !out.contains_key(&c.control_id))
            .collect();
        if fresh.is_empty() {
            continue;
        }
        let content = content_of(conn, &row)?;
        let evidence_questions: Vec<&Question> = content
            .questions()
            .filter(|q| q.kind == QuestionType::Evidence)
            .collect();
        // Answers and files matter only where an evidence question backs one of the controls.
        let (answers, files) = if fresh.iter().any(|outcome| {
            evidence_questions
                .iter()
                .any(|q| q.controls.contains(&outcome.control_id))
        }) {
            let files: HashMap<String, String> = super::evidence::files_of(conn, org, &row.id)?
                .into_iter()
                .map(|f| (f.id, f.file_name))
                .collect();
            (answers_of(conn, &row.id)?, files)
        } else {
            (Answers::default(), HashMap::new())
        };
        for outcome in fresh {
            let documents = evidence_questions
                .iter()
                .filter(|q| q.controls.contains(&outcome.control_id))
                .filter_map(|q| answers.get(&q.key))
                .filter(|a| a.verdict == Some(Verdict::Accepted))
                .flat_map(|a| a.value.as_array().cloned().unwrap_or_default())
                .filter_map(|id| id.as_str().map(str::to_owned))
                .filter_map(|id| {
                    files.get(&id).map(|name| DocumentInput {
                        evidence_id: id,
                        file_name: name.clone(),
                    })
                })
                .collect();
            let result = QuestionnaireResult {
                assessment_id: row.id.clone(),
                result: outcome.result,
            };
            out.insert(outcome.control_id.clone(), (result, documents));
        }
    }
    Ok(AnsweredControls {
        by_control: out,
        last_completed,
    })
}

/// Per control, the latest completed assessment's result and the documents accepted there;
/// and when the vendor's last assessment was completed.
#[derive(Default)]
pub(super) struct AnsweredControls {
    pub by_control: HashMap<String, (QuestionnaireResult, Vec<DocumentInput>)>,
    pub last_completed: Option<String>,
}
