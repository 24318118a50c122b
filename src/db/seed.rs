//! Bulk inserts for seeding a portfolio at benchmark scale: as many rows a statement as the bind
//! limit allows, each statement prepared once. The request path's multi-row inserts
//! (`insert_rows!`) use a few fixed sizes instead, so that their statements stay prepared.

use diesel::prelude::*;

use super::ai_services::{AiServiceRow, UseCaseRow};
use super::assessments::{AnswerRow, AssessmentRow};
use super::contracts::{ClauseRow, ContractRow, MappingRow};
use super::schema::{
    ai_services, assessment_answers, assessments, clause_mappings, contract_clauses, contracts,
    controls, use_cases, vendor_tags, vendors,
};
use super::vendors::VendorRow;
use super::{DbConn, MAX_BINDS};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = vendor_tags, treat_none_as_default_value = false)]
pub struct VendorTagRow {
    pub vendor_id: String,
    pub org_id: String,
    pub tag: String,
}

/// Inserts `$rows` into `$table` in statements of as many rows as the bind limit allows;
/// each backend's connection is used directly because the multi-backend connection does not
/// take multi-row inserts.
macro_rules! insert_in_chunks {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let mut inserted = 0;
        for chunk in $rows.chunks(MAX_BINDS / $columns) {
            inserted += match $conn {
                DbConn::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c)?,
                DbConn::Pg(c) => diesel::insert_into($table).values(chunk).execute(c)?,
            };
        }
        Ok(inserted)
    }};
}

pub fn vendors(conn: &mut DbConn, rows: &[VendorRow]) -> QueryResult<usize> {
    insert_in_chunks!(conn, vendors::table, rows, 18)
}

pub fn vendor_tags(conn: &mut DbConn, rows: &[VendorTagRow]) -> QueryResult<usize> {
    insert_in_chunks!(conn, vendor_tags::table, rows, 3)
}

pub fn ai_services(conn: &mut DbConn, rows: &[AiServiceRow]) -> QueryResult<usize> {
    insert_in_chunks!(conn, ai_services::table, rows, 20)
}

pub fn use_cases(conn: &mut DbConn, rows: &[UseCaseRow]) -> QueryResult<usize> {
    insert_in_chunks!(conn, use_cases::table, rows, 12)
}

pub fn contracts(conn: &mut DbConn, rows: &[ContractRow]) -> QueryResult<usize> {
    insert_in_chunks!(conn, contracts::table, rows, 17)
}

pub fn clauses(conn: &mut DbConn, rows: &[ClauseRow]) -> QueryResult<usize> {
    insert_in_chunks!(conn, contract_clauses::table, rows, 8)
}

pub fn mappings(conn: &mut DbConn, rows: &[MappingRow]) -> QueryResult<usize> {
    insert_in_chunks!(conn, clause_mappings::table, rows, 10)
}

pub fn assessments(conn: &mut DbConn, rows: &[AssessmentRow]) -> QueryResult<usize> {
    insert_in_chunks!(conn, assessments::table, rows, 17)
}

pub fn answers(conn: &mut DbConn, rows: &[AnswerRow]) -> QueryResult<usize> {
    insert_in_chunks!(conn, assessment_answers::table, rows, 10)
}

/// Ids of the catalog's controls in `framework`, in catalog order.
pub fn control_ids(conn: &mut DbConn, framework: &str) -> QueryResult<Vec<String>> {
    controls::table
        .filter(controls::framework_id.eq(framework))
        .filter(controls::org_id.is_null())
        .order(controls::position)
        .select(controls::id)
        .load(conn)
}

pub fn has_vendors(conn: &mut DbConn, org: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        vendors::table.filter(vendors::org_id.eq(org)),
    ))
    .get_result(conn)
}
