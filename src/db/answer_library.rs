use diesel::dsl::{count_star, max};
use diesel::prelude::*;

use super::schema::{answer_entries, answer_entry_versions};
use super::{contains_pattern, lower, DbConn};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = answer_entries, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct EntryRow {
    pub id: String,
    pub org_id: String,
    pub question: String,
    pub alternatives: String,
    pub answer_short: String,
    pub answer_long: Option<String>,
    pub owner: Option<String>,
    pub tags: String,
    pub control_ids: String,
    pub evidence: String,
    pub status: String,
    pub review_by: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = answer_entry_versions, treat_none_as_default_value = false)]
pub struct EntryVersionRow {
    pub id: String,
    pub org_id: String,
    pub entry_id: String,
    pub version: i64,
    pub snapshot: String,
    pub replaced_by: String,
    pub replaced_at: String,
}

/// What the search index is built from.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct IndexRow {
    pub id: String,
    pub question: String,
    pub alternatives: String,
    pub answer_short: String,
    pub tags: String,
    pub review_by: Option<String>,
    pub control_ids: String,
    pub evidence: String,
}

/// List filters, as stored text.
#[derive(Debug, Clone, Default)]
pub struct EntryQuery {
    pub status: Option<String>,
    /// A JSON-quoted tag, matched inside the stored array.
    pub tag: Option<String>,
    pub control_id: Option<String>,
    /// Approved entries whose review date is before this day.
    pub stale_before: Option<String>,
    pub text: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &EntryRow) -> QueryResult<()> {
    diesel::insert_into(answer_entries::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Writes `row` if the stored version is still `expected_version`; returns whether it did.
pub fn update(conn: &mut DbConn, row: &EntryRow, expected_version: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        answer_entries::table
            .filter(answer_entries::id.eq(&row.id))
            .filter(answer_entries::org_id.eq(&row.org_id))
            .filter(answer_entries::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn find(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<EntryRow>> {
    answer_entries::table
        .filter(answer_entries::id.eq(id))
        .filter(answer_entries::org_id.eq(org))
        .select(EntryRow::as_select())
        .first(conn)
        .optional()
}

fn json_member(value: &str) -> String {
    contains_pattern(&serde_json::Value::from(value).to_string())
}

/// One page, newest first, one row more than `limit`.
pub fn list(
    conn: &mut DbConn,
    org: &str,
    filter: &EntryQuery,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<EntryRow>> {
    let mut query = answer_entries::table
        .filter(answer_entries::org_id.eq(org))
        .select(EntryRow::as_select())
        .into_boxed();
    if let Some(status) = &filter.status {
        query = query.filter(answer_entries::status.eq(status.clone()));
    }
    if let Some(tag) = &filter.tag {
        query = query.filter(
            lower(answer_entries::tags)
                .like(json_member(tag))
                .escape('\\'),
        );
    }
    if let Some(control) = &filter.control_id {
        query = query.filter(
            lower(answer_entries::control_ids)
                .like(json_member(control))
                .escape('\\'),
        );
    }
    if let Some(today) = &filter.stale_before {
        query = query
            .filter(answer_entries::status.eq("approved"))
            .filter(answer_entries::review_by.lt(today.clone()));
    }
    if let Some(text) = &filter.text {
        query = query.filter(
            lower(answer_entries::question)
                .like(contains_pattern(text))
                .escape('\\'),
        );
    }
    if let Some(after) = after {
        query = query.filter(answer_entries::id.lt(after.to_owned()));
    }
    query
        .order(answer_entries::id.desc())
        .limit(limit + 1)
        .load(conn)
}

/// The library's fingerprint: entry count and latest change. Any write moves it, since every
/// write stamps the row it changes with the current time.
pub fn fingerprint(conn: &mut DbConn, org: &str) -> QueryResult<(i64, Option<String>)> {
    answer_entries::table
        .filter(answer_entries::org_id.eq(org))
        .select((count_star(), max(answer_entries::updated_at)))
        .first(conn)
}

/// Approved entries, which are the ones suggested.
pub fn for_index(conn: &mut DbConn, org: &str) -> QueryResult<Vec<IndexRow>> {
    answer_entries::table
        .filter(answer_entries::org_id.eq(org))
        .filter(answer_entries::status.eq("approved"))
        .select((
            answer_entries::id,
            answer_entries::question,
            answer_entries::alternatives,
            answer_entries::answer_short,
            answer_entries::tags,
            answer_entries::review_by,
            answer_entries::control_ids,
            answer_entries::evidence,
        ))
        .order(answer_entries::id.asc())
        .load(conn)
}

pub fn insert_version(conn: &mut DbConn, row: &EntryVersionRow) -> QueryResult<()> {
    diesel::insert_into(answer_entry_versions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Earlier versions, newest first.
pub fn versions(conn: &mut DbConn, entry_id: &str) -> QueryResult<Vec<EntryVersionRow>> {
    answer_entry_versions::table
        .filter(answer_entry_versions::entry_id.eq(entry_id))
        .select(EntryVersionRow::as_select())
        .order(answer_entry_versions::version.desc())
        .load(conn)
}
