use diesel::prelude::*;

use super::schema::{vendor_subprocessors, vendors};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = vendor_subprocessors, treat_none_as_default_value = false)]
pub struct SubprocessorLinkRow {
    pub vendor_id: String,
    pub subprocessor_id: String,
    pub org_id: String,
    pub service_description: Option<String>,
    pub created_at: String,
}

pub fn insert(conn: &mut DbConn, row: &SubprocessorLinkRow) -> QueryResult<()> {
    diesel::insert_into(vendor_subprocessors::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn delete(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
    subprocessor_id: &str,
) -> QueryResult<bool> {
    let deleted = diesel::delete(
        vendor_subprocessors::table
            .filter(vendor_subprocessors::vendor_id.eq(vendor_id))
            .filter(vendor_subprocessors::subprocessor_id.eq(subprocessor_id))
            .filter(vendor_subprocessors::org_id.eq(org)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

pub fn find(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
    subprocessor_id: &str,
) -> QueryResult<Option<SubprocessorLinkRow>> {
    vendor_subprocessors::table
        .filter(vendor_subprocessors::vendor_id.eq(vendor_id))
        .filter(vendor_subprocessors::subprocessor_id.eq(subprocessor_id))
        .filter(vendor_subprocessors::org_id.eq(org))
        .select(SubprocessorLinkRow::as_select())
        .first(conn)
        .optional()
}

/// The vendor's subprocessors with each one's legal name.
pub fn list(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> QueryResult<Vec<(SubprocessorLinkRow, String)>> {
    vendor_subprocessors::table
        .inner_join(vendors::table.on(vendors::id.eq(vendor_subprocessors::subprocessor_id)))
        .filter(vendor_subprocessors::vendor_id.eq(vendor_id))
        .filter(vendor_subprocessors::org_id.eq(org))
        .select((SubprocessorLinkRow::as_select(), vendors::legal_name))
        .order(vendor_subprocessors::subprocessor_id.asc())
        .load(conn)
}

/// Every link of the organisation, as (vendor, subprocessor) pairs.
pub fn all_edges(conn: &mut DbConn, org: &str) -> QueryResult<Vec<(String, String)>> {
    vendor_subprocessors::table
        .filter(vendor_subprocessors::org_id.eq(org))
        .select((
            vendor_subprocessors::vendor_id,
            vendor_subprocessors::subprocessor_id,
        ))
        .load(conn)
}
