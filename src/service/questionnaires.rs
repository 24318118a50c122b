use serde_json::json;
use sha2::{Digest, Sha256};

use super::journal::{self, Change};
use super::{read, write, ServiceError};
use crate::db::questionnaires::{TemplateRow, VersionRow};
use crate::db::{self, DbConn, Pool};
use crate::domain::ai_service::{enum_from_text, enum_to_text};
use crate::domain::questionnaire::{
    QuestionnaireTemplate, TemplateContent, TemplateVersion, VersionStatus, VersionSummary,
};
use crate::domain::time;
use crate::domain::{Actor, FieldError};

const TEMPLATE: &str = "questionnaire_template";
const VERSION: &str = "questionnaire_version";

fn template_not_found() -> ServiceError {
    ServiceError::NotFound {
        entity: "questionnaire template",
    }
}

fn version_not_found() -> ServiceError {
    ServiceError::NotFound {
        entity: "template version",
    }
}

fn summary(row: &VersionRow) -> Result<VersionSummary, ServiceError> {
    Ok(VersionSummary {
        id: row.id.clone(),
        number: row.number,
        status: enum_from_text(&row.status).ok_or_else(|| {
            ServiceError::Internal(format!("stored version status '{}' is unknown", row.status))
        })?,
        question_count: row.question_count,
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
        published_at: row.published_at.clone(),
    })
}

fn to_version(row: &VersionRow) -> Result<TemplateVersion, ServiceError> {
    let content: TemplateContent = serde_json::from_str(&row.content).map_err(|e| {
        ServiceError::Internal(format!("stored template content is not valid: {e}"))
    })?;
    Ok(TemplateVersion {
        template_id: row.template_id.clone(),
        summary: summary(row)?,
        sections: content.sections,
    })
}

fn load(conn: &mut DbConn, org: &str, id: &str) -> Result<QuestionnaireTemplate, ServiceError> {
    let row = db::questionnaires::find_template(conn, org, id)?.ok_or_else(template_not_found)?;
    let versions = db::questionnaires::versions(conn, id)?
        .iter()
        .map(summary)
        .collect::<Result<_, _>>()?;
    Ok(QuestionnaireTemplate {
        built_in: row.org_id.is_none(),
        id: row.id,
        name: row.name,
        description: row.description,
        versions,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// One of the organisation's own templates; built-in ones are read-only.
fn own(conn: &mut DbConn, org: &str, id: &str) -> Result<QuestionnaireTemplate, ServiceError> {
    let template = load(conn, org, id)?;
    if template.built_in {
        return Err(ServiceError::Conflict(
            "built-in templates are read-only; create a template of your own from its questions"
                .into(),
        ));
    }
    Ok(template)
}

/// Checks the content's rules and that every mapped control is in the catalog.
fn checked(
    conn: &mut DbConn,
    org: &str,
    content: TemplateContent,
) -> Result<TemplateContent, ServiceError> {
    let content = content.normalised().map_err(ServiceError::Validation)?;
    let ids = content.control_ids();
    let known: std::collections::HashSet<String> = db::catalog::find_many(conn, org, &ids)?
        .into_iter()
        .map(|row| row.id)
        .collect();
    let mut errors = Vec::new();
    for (s, section) in content.sections.iter().enumerate() {
        for (q, question) in section.questions.iter().enumerate() {
            for (c, control) in question.controls.iter().enumerate() {
                if !known.contains(control) {
                    errors.push(FieldError::new(
                        format!("sections[{s}].questions[{q}].controls[{c}]"),
                        "not_found",
                        format!("'{control}' is not a control in the catalog"),
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(content)
    } else {
        Err(ServiceError::Validation(errors))
    }
}

fn content_digest(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

fn journal_version(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    before: Option<&VersionRow>,
    after: &VersionRow,
) -> Result<(), ServiceError> {
    let snapshot = |row: &VersionRow| {
        json!({
            "template_id": row.template_id,
            "number": row.number,
            "status": row.status,
            "question_count": row.question_count,
            "content_sha256": content_digest(&row.content),
        })
    };
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: VERSION,
            entity_id: &after.id,
            before: before.map(|b| snapshot(b).to_string()),
            after: Some(snapshot(after).to_string()),
            reason: None,
        },
    )?;
    journal::emit(conn, &actor.org, action, snapshot(after))
}

fn insert_draft(
    conn: &mut DbConn,
    actor: &Actor,
    template_id: &str,
    number: i32,
    content: &TemplateContent,
) -> Result<VersionRow, ServiceError> {
    let now = time::now();
    let row = VersionRow {
        id: db::new_id(),
        template_id: template_id.to_owned(),
        org_id: Some(actor.org.clone()),
        number,
        status: enum_to_text(&VersionStatus::Draft),
        content: serde_json::to_string(content)?,
        question_count: content.questions().count() as i32,
        created_at: now.clone(),
        updated_at: now,
        published_at: None,
    };
    db::questionnaires::insert_version(conn, &row)?;
    journal_version(conn, actor, "questionnaire_version.created", None, &row)?;
    Ok(row)
}

pub fn list(pool: &Pool, actor: &Actor) -> Result<Vec<QuestionnaireTemplate>, ServiceError> {
    read(pool, |conn| {
        db::questionnaires::templates(conn, &actor.org)?
            .into_iter()
            .map(|row| load(conn, &actor.org, &row.id))
            .collect()
    })
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<QuestionnaireTemplate, ServiceError> {
    read(pool, |conn| load(conn, &actor.org, id))
}

/// Creates a template with its first version as a draft.
pub fn create(
    pool: &Pool,
    actor: &Actor,
    name: &str,
    description: Option<&str>,
    content: TemplateContent,
) -> Result<QuestionnaireTemplate, ServiceError> {
    write(pool, |conn| {
        let content = checked(conn, &actor.org, content.clone())?;
        let now = time::now();
        let row = TemplateRow {
            id: db::new_id(),
            org_id: Some(actor.org.clone()),
            name: name.to_owned(),
            description: description.map(str::to_owned),
            created_at: now.clone(),
            updated_at: now,
        };
        db::questionnaires::insert_template(conn, &row)?;
        journal::audit(
            conn,
            actor,
            Change {
                action: "questionnaire_template.created",
                entity_type: TEMPLATE,
                entity_id: &row.id,
                before: None,
                after: Some(
                    json!({ "name": row.name, "description": row.description }).to_string(),
                ),
                reason: None,
            },
        )?;
        insert_draft(conn, actor, &row.id, 1, &content)?;
        load(conn, &actor.org, &row.id)
    })
}

/// A template's name and description.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateDetails {
    pub name: String,
    pub description: Option<String>,
}

/// Applies `edit` (a merge patch, say) to the name and description of one of the
/// organisation's own templates.
pub fn update_details(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    edit: super::ai_services::Edit<'_, TemplateDetails, TemplateDetails>,
) -> Result<QuestionnaireTemplate, ServiceError> {
    write(pool, |conn| {
        let current = own(conn, &actor.org, id)?;
        let before = TemplateDetails {
            name: current.name.clone(),
            description: current.description.clone(),
        };
        let after = edit(&before).map_err(ServiceError::Validation)?;
        if after == before {
            return Ok(current);
        }
        db::questionnaires::rename_template(
            conn,
            &actor.org,
            id,
            &after.name,
            after.description.as_deref(),
            &time::now(),
        )?;
        journal::audit(
            conn,
            actor,
            Change {
                action: "questionnaire_template.updated",
                entity_type: TEMPLATE,
                entity_id: id,
                before: Some(
                    json!({ "name": before.name, "description": before.description }).to_string(),
                ),
                after: Some(
                    json!({ "name": after.name, "description": after.description }).to_string(),
                ),
                reason: None,
            },
        )?;
        load(conn, &actor.org, id)
    })
}

fn version_row(
    conn: &mut DbConn,
    org: &str,
    id: &str,
    number: i32,
) -> Result<VersionRow, ServiceError> {
    load(conn, org, id)?;
    db::questionnaires::find_version(conn, id, number)?.ok_or_else(version_not_found)
}

pub fn get_version(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    number: i32,
) -> Result<TemplateVersion, ServiceError> {
    read(pool, |conn| {
        to_version(&version_row(conn, &actor.org, id, number)?)
    })
}

/// A version with its template, in one read (what an export names and holds).
pub fn template_version(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    number: i32,
) -> Result<(QuestionnaireTemplate, TemplateVersion), ServiceError> {
    read(pool, |conn| {
        let version = to_version(&version_row(conn, &actor.org, id, number)?)?;
        Ok((load(conn, &actor.org, id)?, version))
    })
}

fn published_conflict(number: i32) -> ServiceError {
    ServiceError::Conflict(format!(
        "version {number} is published and cannot change; create a new version"
    ))
}

/// Replaces the questions of a draft version.
pub fn replace_draft(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    number: i32,
    content: TemplateContent,
) -> Result<TemplateVersion, ServiceError> {
    write(pool, |conn| {
        own(conn, &actor.org, id)?;
        let current = version_row(conn, &actor.org, id, number)?;
        if current.status != enum_to_text(&VersionStatus::Draft) {
            return Err(published_conflict(number));
        }
        let content = checked(conn, &actor.org, content.clone())?;
        let text = serde_json::to_string(&content)?;
        if text == current.content {
            return to_version(&current);
        }
        let count = content.questions().count() as i32;
        if db::questionnaires::update_draft(conn, &current.id, &text, count, &time::now())? == 0 {
            return Err(published_conflict(number));
        }
        let updated = version_row(conn, &actor.org, id, number)?;
        journal_version(
            conn,
            actor,
            "questionnaire_version.updated",
            Some(&current),
            &updated,
        )?;
        to_version(&updated)
    })
}

/// Makes a draft immutable and usable in assessments.
pub fn publish(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    number: i32,
) -> Result<TemplateVersion, ServiceError> {
    write(pool, |conn| {
        own(conn, &actor.org, id)?;
        let current = version_row(conn, &actor.org, id, number)?;
        if db::questionnaires::publish(conn, &current.id, &time::now())? == 0 {
            return Err(ServiceError::Conflict(format!(
                "version {number} is already published"
            )));
        }
        let published = version_row(conn, &actor.org, id, number)?;
        journal_version(
            conn,
            actor,
            "questionnaire_version.published",
            Some(&current),
            &published,
        )?;
        to_version(&published)
    })
}

/// Starts the next version as a draft, from the given questions or a copy of the latest
/// version's. Only one draft at a time.
pub fn new_version(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    content: Option<TemplateContent>,
) -> Result<TemplateVersion, ServiceError> {
    write(pool, |conn| {
        let template = own(conn, &actor.org, id)?;
        if let Some(draft) = template
            .versions
            .iter()
            .find(|v| v.status == VersionStatus::Draft)
        {
            return Err(ServiceError::Conflict(format!(
                "version {} is still a draft; edit or publish it first",
                draft.number
            )));
        }
        let latest = template.versions.last().ok_or_else(version_not_found)?;
        let content = match &content {
            Some(content) => checked(conn, &actor.org, content.clone())?,
            None => {
                let row = version_row(conn, &actor.org, id, latest.number)?;
                serde_json::from_str(&row.content)?
            }
        };
        let row = insert_draft(conn, actor, id, latest.number + 1, &content)?;
        to_version(&row)
    })
}
