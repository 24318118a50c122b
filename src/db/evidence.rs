use diesel::prelude::*;

use super::schema::evidence_files;
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = evidence_files, treat_none_as_default_value = false)]
pub struct EvidenceRow {
    pub id: String,
    pub org_id: String,
    pub assessment_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: String,
}

pub fn insert(conn: &mut DbConn, row: &EvidenceRow) -> QueryResult<()> {
    diesel::insert_into(evidence_files::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// In upload order.
pub fn list(conn: &mut DbConn, org: &str, assessment_id: &str) -> QueryResult<Vec<EvidenceRow>> {
    on_backend!(conn, c => evidence_files::table
        .filter(evidence_files::org_id.eq(org))
        .filter(evidence_files::assessment_id.eq(assessment_id))
        .select(EvidenceRow::as_select())
        .order((evidence_files::created_at.asc(), evidence_files::id.asc()))
        .load(c))
}

pub fn find(
    conn: &mut DbConn,
    org: &str,
    assessment_id: &str,
    id: &str,
) -> QueryResult<Option<EvidenceRow>> {
    evidence_files::table
        .filter(evidence_files::id.eq(id))
        .filter(evidence_files::org_id.eq(org))
        .filter(evidence_files::assessment_id.eq(assessment_id))
        .select(EvidenceRow::as_select())
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConn, assessment_id: &str) -> QueryResult<i64> {
    evidence_files::table
        .filter(evidence_files::assessment_id.eq(assessment_id))
        .count()
        .get_result(conn)
}
