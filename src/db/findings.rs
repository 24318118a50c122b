use diesel::prelude::*;

use super::schema::{finding_comments, findings};
use super::DbConn;
use crate::domain::ai_service::enum_to_text;
use crate::domain::finding::FindingFilter;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = findings, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct FindingRow {
    pub id: String,
    pub org_id: String,
    pub vendor_id: String,
    pub control_id: Option<String>,
    pub source: String,
    pub auto_key: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub severity: String,
    pub owner: Option<String>,
    pub due_date: Option<String>,
    pub status: String,
    pub status_reason: Option<String>,
    pub risk_accepted_until: Option<String>,
    pub risk_accepted_by: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = finding_comments, treat_none_as_default_value = false)]
pub struct CommentRow {
    pub id: String,
    pub org_id: String,
    pub finding_id: String,
    pub author: String,
    pub body: String,
    pub created_at: String,
}

pub fn insert_all(conn: &mut DbConn, rows: &[FindingRow]) -> QueryResult<()> {
    insert_rows!(conn, findings::table, rows)
}

/// Writes `row` if the stored version is still `expected_version`; returns whether it did.
pub fn update(conn: &mut DbConn, row: &FindingRow, expected_version: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        findings::table
            .filter(findings::id.eq(&row.id))
            .filter(findings::org_id.eq(&row.org_id))
            .filter(findings::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn find(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<FindingRow>> {
    findings::table
        .filter(findings::id.eq(id))
        .filter(findings::org_id.eq(org))
        .select(FindingRow::as_select())
        .first(conn)
        .optional()
}

/// What a portfolio refresh needs of a coverage finding to tell whether it must change; the
/// full row is read only for one that does.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = findings)]
pub struct CoverageFindingState {
    pub id: String,
    pub vendor_id: String,
    pub control_id: Option<String>,
    pub status: String,
}

/// The vendor's findings raised from coverage gaps.
pub fn coverage_findings(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> QueryResult<Vec<CoverageFindingState>> {
    findings::table
        .filter(findings::org_id.eq(org))
        .filter(findings::vendor_id.eq(vendor_id))
        .filter(findings::source.eq("coverage"))
        .select(CoverageFindingState::as_select())
        .load(conn)
}

/// The coverage findings of the vendors with ids in (`after`, `last`].
pub fn coverage_findings_between(
    conn: &mut DbConn,
    org: &str,
    after: &str,
    last: &str,
) -> QueryResult<Vec<CoverageFindingState>> {
    findings::table
        .filter(findings::org_id.eq(org))
        .filter(findings::vendor_id.gt(after))
        .filter(findings::vendor_id.le(last))
        .filter(findings::source.eq("coverage"))
        .select(CoverageFindingState::as_select())
        .load(conn)
}

/// One page, newest first, one row more than `limit`.
pub fn list(
    conn: &mut DbConn,
    org: &str,
    filter: &FindingFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<FindingRow>> {
    let mut query = findings::table
        .filter(findings::org_id.eq(org))
        .select(FindingRow::as_select())
        .into_boxed();
    if let Some(vendor_id) = &filter.vendor_id {
        query = query.filter(findings::vendor_id.eq(vendor_id.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(findings::status.eq(enum_to_text(status)));
    }
    if let Some(severity) = &filter.severity {
        query = query.filter(findings::severity.eq(enum_to_text(severity)));
    }
    if let Some(source) = &filter.source {
        query = query.filter(findings::source.eq(enum_to_text(source)));
    }
    if let Some(control_id) = &filter.control_id {
        query = query.filter(findings::control_id.eq(control_id.clone()));
    }
    if let Some(owner) = &filter.owner {
        query = query.filter(findings::owner.eq(owner.clone()));
    }
    if let Some(date) = &filter.due_before {
        query = query
            .filter(findings::status.ne("resolved"))
            .filter(findings::due_date.lt(date.clone()));
    }
    if let Some(after) = after {
        query = query.filter(findings::id.lt(after.to_owned()));
    }
    query.order(findings::id.desc()).limit(limit + 1).load(conn)
}

/// Risk acceptances that lapsed before `today`, across organisations. The status is written as
/// a literal: a bound value would keep either planner from the partial index of accepted
/// findings (`findings_accepted_until`), whose order they are read in.
pub fn lapsed_acceptances(
    conn: &mut DbConn,
    today: &str,
    limit: i64,
) -> QueryResult<Vec<FindingRow>> {
    findings::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "findings.status = 'risk_accepted'",
        ))
        .filter(findings::risk_accepted_until.lt(today.to_owned()))
        .select(FindingRow::as_select())
        .order((findings::risk_accepted_until.asc(), findings::id.asc()))
        .limit(limit)
        .load(conn)
}

pub fn insert_comment(conn: &mut DbConn, row: &CommentRow) -> QueryResult<()> {
    diesel::insert_into(finding_comments::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn comments(conn: &mut DbConn, finding_id: &str) -> QueryResult<Vec<CommentRow>> {
    finding_comments::table
        .filter(finding_comments::finding_id.eq(finding_id))
        .select(CommentRow::as_select())
        .order(finding_comments::id.asc())
        .load(conn)
}

pub fn count_comments(conn: &mut DbConn, finding_id: &str) -> QueryResult<i64> {
    finding_comments::table
        .filter(finding_comments::finding_id.eq(finding_id))
        .count()
        .get_result(conn)
}
