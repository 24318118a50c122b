use diesel::prelude::*;

use super::schema::{questionnaire_templates, questionnaire_versions};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = questionnaire_templates, treat_none_as_default_value = false)]
pub struct TemplateRow {
    pub id: String,
    pub org_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = questionnaire_versions, treat_none_as_default_value = false)]
pub struct VersionRow {
    pub id: String,
    pub template_id: String,
    pub org_id: Option<String>,
    pub number: i32,
    pub status: String,
    pub content: String,
    pub question_count: i32,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
}

/// The built-in templates and the organisation's own, built-in first.
pub fn templates(conn: &mut DbConn, org: &str) -> QueryResult<Vec<TemplateRow>> {
    let mut rows: Vec<TemplateRow> = questionnaire_templates::table
        .filter(
            questionnaire_templates::org_id
                .is_null()
                .or(questionnaire_templates::org_id.eq(org)),
        )
        .select(TemplateRow::as_select())
        .order(questionnaire_templates::id.asc())
        .load(conn)?;
    rows.sort_by_key(|r| r.org_id.is_some());
    Ok(rows)
}

pub fn find_template(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<TemplateRow>> {
    questionnaire_templates::table
        .filter(questionnaire_templates::id.eq(id))
        .filter(
            questionnaire_templates::org_id
                .is_null()
                .or(questionnaire_templates::org_id.eq(org)),
        )
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_template(conn: &mut DbConn, row: &TemplateRow) -> QueryResult<()> {
    diesel::insert_into(questionnaire_templates::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn rename_template(
    conn: &mut DbConn,
    org: &str,
    id: &str,
    name: &str,
    description: Option<&str>,
    updated_at: &str,
) -> QueryResult<usize> {
    diesel::update(
        questionnaire_templates::table
            .filter(questionnaire_templates::id.eq(id))
            .filter(questionnaire_templates::org_id.eq(org)),
    )
    .set((
        questionnaire_templates::name.eq(name),
        questionnaire_templates::description.eq(description),
        questionnaire_templates::updated_at.eq(updated_at),
    ))
    .execute(conn)
}

/// A template's versions, oldest first.
pub fn versions(conn: &mut DbConn, template_id: &str) -> QueryResult<Vec<VersionRow>> {
    questionnaire_versions::table
        .filter(questionnaire_versions::template_id.eq(template_id))
        .select(VersionRow::as_select())
        .order(questionnaire_versions::number.asc())
        .load(conn)
}

pub fn find_version(
    conn: &mut DbConn,
    template_id: &str,
    number: i32,
) -> QueryResult<Option<VersionRow>> {
    questionnaire_versions::table
        .filter(questionnaire_versions::template_id.eq(template_id))
        .filter(questionnaire_versions::number.eq(number))
        .select(VersionRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_version(conn: &mut DbConn, row: &VersionRow) -> QueryResult<()> {
    diesel::insert_into(questionnaire_versions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Replaces a draft's content; a published version is never matched.
pub fn update_draft(
    conn: &mut DbConn,
    id: &str,
    content: &str,
    question_count: i32,
    updated_at: &str,
) -> QueryResult<usize> {
    diesel::update(
        questionnaire_versions::table
            .filter(questionnaire_versions::id.eq(id))
            .filter(questionnaire_versions::status.eq("draft")),
    )
    .set((
        questionnaire_versions::content.eq(content),
        questionnaire_versions::question_count.eq(question_count),
        questionnaire_versions::updated_at.eq(updated_at),
    ))
    .execute(conn)
}

pub fn publish(conn: &mut DbConn, id: &str, at: &str) -> QueryResult<usize> {
    diesel::update(
        questionnaire_versions::table
            .filter(questionnaire_versions::id.eq(id))
            .filter(questionnaire_versions::status.eq("draft")),
    )
    .set((
        questionnaire_versions::status.eq("published"),
        questionnaire_versions::published_at.eq(Some(at)),
        questionnaire_versions::updated_at.eq(at),
    ))
    .execute(conn)
}

pub fn find_version_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<VersionRow>> {
    questionnaire_versions::table
        .filter(questionnaire_versions::id.eq(id))
        .select(VersionRow::as_select())
        .first(conn)
        .optional()
}
