use diesel::prelude::*;

use super::schema::{
    clause_mappings, contract_clauses, contract_documents, contract_notices, contracts,
    control_responsibilities,
};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contracts, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ContractRow {
    pub id: String,
    pub org_id: String,
    pub vendor_id: String,
    pub title: String,
    pub contract_type: String,
    pub status: String,
    pub effective_date: String,
    pub end_date: Option<String>,
    pub auto_renewal: bool,
    pub renewal_term_months: Option<i32>,
    pub notice_period_days: Option<i32>,
    pub notice_date: Option<String>,
    pub governing_law: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = contract_documents, treat_none_as_default_value = false)]
pub struct DocumentRow {
    pub id: String,
    pub org_id: String,
    pub contract_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contract_clauses, treat_none_as_default_value = false)]
pub struct ClauseRow {
    pub id: String,
    pub org_id: String,
    pub contract_id: String,
    pub reference: String,
    pub summary: String,
    pub category: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = clause_mappings, treat_none_as_default_value = false)]
pub struct MappingRow {
    pub id: String,
    pub org_id: String,
    pub clause_id: String,
    pub control_id: String,
    pub coverage: String,
    pub verification: String,
    pub verified_by: Option<String>,
    pub verified_at: Option<String>,
    pub note: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = control_responsibilities, treat_none_as_default_value = false)]
pub struct ResponsibilityRow {
    pub vendor_id: String,
    pub control_id: String,
    pub org_id: String,
    pub party: String,
    pub note: Option<String>,
    pub updated_by: String,
    pub updated_at: String,
}

/// A mapping of a clause of one of the vendor's contracts: what coverage needs to know of it
/// and no more (a portfolio run reads one for every clause of every contract).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = clause_mappings)]
pub struct VendorMapping {
    #[diesel(select_expression = contracts::vendor_id)]
    pub vendor_id: String,
    #[diesel(column_name = id)]
    pub mapping_id: String,
    pub control_id: String,
    pub coverage: String,
    pub verification: String,
    #[diesel(select_expression = contract_clauses::reference)]
    pub clause_reference: String,
    #[diesel(select_expression = contracts::title)]
    pub contract_title: String,
    #[diesel(select_expression = contracts::status)]
    pub contract_status: String,
}

pub fn insert(conn: &mut DbConn, row: &ContractRow) -> QueryResult<()> {
    diesel::insert_into(contracts::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Writes `row` if the stored version is still `expected_version`; returns whether it did.
pub fn update(conn: &mut DbConn, row: &ContractRow, expected_version: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        contracts::table
            .filter(contracts::id.eq(&row.id))
            .filter(contracts::org_id.eq(&row.org_id))
            .filter(contracts::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(changed == 1)
}

/// Deletes the contract with its clauses, mappings and notices; documents stay (and block
/// the delete) because their files are evidence.
pub fn delete(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<()> {
    let clause_ids = contract_clauses::table
        .filter(contract_clauses::contract_id.eq(id))
        .select(contract_clauses::id);
    diesel::delete(clause_mappings::table.filter(clause_mappings::clause_id.eq_any(clause_ids)))
        .execute(conn)?;
    diesel::delete(contract_clauses::table.filter(contract_clauses::contract_id.eq(id)))
        .execute(conn)?;
    diesel::delete(contract_notices::table.filter(contract_notices::contract_id.eq(id)))
        .execute(conn)?;
    diesel::delete(
        contracts::table
            .filter(contracts::id.eq(id))
            .filter(contracts::org_id.eq(org)),
    )
    .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<ContractRow>> {
    contracts::table
        .filter(contracts::id.eq(id))
        .filter(contracts::org_id.eq(org))
        .select(ContractRow::as_select())
        .first(conn)
        .optional()
}

/// A vendor's contracts, oldest first.
pub fn for_vendor(conn: &mut DbConn, org: &str, vendor_id: &str) -> QueryResult<Vec<ContractRow>> {
    contracts::table
        .filter(contracts::org_id.eq(org))
        .filter(contracts::vendor_id.eq(vendor_id))
        .select(ContractRow::as_select())
        .order(contracts::id.asc())
        .load(conn)
}

pub fn count_for_vendor(conn: &mut DbConn, org: &str, vendor_id: &str) -> QueryResult<i64> {
    contracts::table
        .filter(contracts::org_id.eq(org))
        .filter(contracts::vendor_id.eq(vendor_id))
        .count()
        .get_result(conn)
}

/// Filters for contract lists.
#[derive(Debug, Clone, Default)]
pub struct ContractQuery {
    pub vendor_id: Option<String>,
    pub status: Option<String>,
    /// Active contracts whose notice or end date falls in this inclusive date range.
    pub milestone_between: Option<(String, String)>,
}

/// One page of contracts, newest first, one row more than `limit`.
pub fn list(
    conn: &mut DbConn,
    org: &str,
    filter: &ContractQuery,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ContractRow>> {
    let mut query = contracts::table
        .filter(contracts::org_id.eq(org))
        .select(ContractRow::as_select())
        .into_boxed();
    if let Some(vendor_id) = &filter.vendor_id {
        query = query.filter(contracts::vendor_id.eq(vendor_id.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(contracts::status.eq(status.clone()));
    }
    if let Some((from, until)) = &filter.milestone_between {
        query = query.filter(contracts::status.eq("active")).filter(
            contracts::end_date
                .between(from.clone(), until.clone())
                .or(contracts::notice_date.between(from.clone(), until.clone())),
        );
    }
    if let Some(after) = after {
        query = query.filter(contracts::id.lt(after.to_owned()));
    }
    query
        .order(contracts::id.desc())
        .limit(limit + 1)
        .load(conn)
}

/// How many active contracts of `org` reach their notice or end date between the two dates.
pub fn count_with_milestone_between(
    conn: &mut DbConn,
    org: &str,
    from: &str,
    until: &str,
) -> QueryResult<i64> {
    contracts::table
        .filter(contracts::org_id.eq(org))
        .filter(contracts::status.eq("active"))
        .filter(
            contracts::end_date
                .between(from.to_owned(), until.to_owned())
                .or(contracts::notice_date.between(from.to_owned(), until.to_owned())),
        )
        .count()
        .get_result(conn)
}

/// Active contracts, across organisations, whose notice or end date is on or before `until`
/// (including those already past), in id order after `after`.
pub fn active_with_milestone_by(
    conn: &mut DbConn,
    until: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ContractRow>> {
    let mut query = contracts::table
        .filter(contracts::status.eq("active"))
        .filter(
            contracts::end_date
                .le(until.to_owned())
                .or(contracts::notice_date.le(until.to_owned())),
        )
        .select(ContractRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(contracts::id.gt(after.to_owned()));
    }
    query.order(contracts::id.asc()).limit(limit).load(conn)
}

pub fn statuses_for_vendor(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> QueryResult<Vec<String>> {
    contracts::table
        .filter(contracts::org_id.eq(org))
        .filter(contracts::vendor_id.eq(vendor_id))
        .select(contracts::status)
        .load(conn)
}

pub fn notice_raised(
    conn: &mut DbConn,
    contract_id: &str,
    milestone: &str,
    date: &str,
    threshold: i32,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        contract_notices::table
            .filter(contract_notices::contract_id.eq(contract_id))
            .filter(contract_notices::milestone.eq(milestone))
            .filter(contract_notices::milestone_date.eq(date))
            .filter(contract_notices::threshold_days.eq(threshold)),
    ))
    .get_result(conn)
}

pub fn record_notice(
    conn: &mut DbConn,
    contract_id: &str,
    milestone: &str,
    date: &str,
    threshold: i32,
    now: &str,
) -> QueryResult<()> {
    diesel::insert_into(contract_notices::table)
        .values((
            contract_notices::contract_id.eq(contract_id),
            contract_notices::milestone.eq(milestone),
            contract_notices::milestone_date.eq(date),
            contract_notices::threshold_days.eq(threshold),
            contract_notices::raised_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn insert_document(conn: &mut DbConn, row: &DocumentRow) -> QueryResult<()> {
    diesel::insert_into(contract_documents::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn documents(conn: &mut DbConn, org: &str, contract_id: &str) -> QueryResult<Vec<DocumentRow>> {
    contract_documents::table
        .filter(contract_documents::org_id.eq(org))
        .filter(contract_documents::contract_id.eq(contract_id))
        .select(DocumentRow::as_select())
        .order(contract_documents::id.asc())
        .load(conn)
}

pub fn count_documents(conn: &mut DbConn, contract_id: &str) -> QueryResult<i64> {
    contract_documents::table
        .filter(contract_documents::contract_id.eq(contract_id))
        .count()
        .get_result(conn)
}

pub fn find_document(
    conn: &mut DbConn,
    org: &str,
    contract_id: &str,
    id: &str,
) -> QueryResult<Option<DocumentRow>> {
    contract_documents::table
        .filter(contract_documents::id.eq(id))
        .filter(contract_documents::contract_id.eq(contract_id))
        .filter(contract_documents::org_id.eq(org))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_clause(conn: &mut DbConn, row: &ClauseRow) -> QueryResult<()> {
    diesel::insert_into(contract_clauses::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update_clause(conn: &mut DbConn, row: &ClauseRow) -> QueryResult<()> {
    diesel::update(contract_clauses::table.filter(contract_clauses::id.eq(&row.id)))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

pub fn delete_clause(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(clause_mappings::table.filter(clause_mappings::clause_id.eq(id)))
        .execute(conn)?;
    diesel::delete(contract_clauses::table.filter(contract_clauses::id.eq(id)))
        .execute(conn)
        .map(|_| ())
}

pub fn clauses(conn: &mut DbConn, org: &str, contract_id: &str) -> QueryResult<Vec<ClauseRow>> {
    contract_clauses::table
        .filter(contract_clauses::org_id.eq(org))
        .filter(contract_clauses::contract_id.eq(contract_id))
        .select(ClauseRow::as_select())
        .order(contract_clauses::id.asc())
        .load(conn)
}

pub fn count_clauses(conn: &mut DbConn, contract_id: &str) -> QueryResult<i64> {
    contract_clauses::table
        .filter(contract_clauses::contract_id.eq(contract_id))
        .count()
        .get_result(conn)
}

pub fn find_clause(
    conn: &mut DbConn,
    org: &str,
    contract_id: &str,
    id: &str,
) -> QueryResult<Option<ClauseRow>> {
    contract_clauses::table
        .filter(contract_clauses::id.eq(id))
        .filter(contract_clauses::contract_id.eq(contract_id))
        .filter(contract_clauses::org_id.eq(org))
        .select(ClauseRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_mapping(conn: &mut DbConn, row: &MappingRow) -> QueryResult<()> {
    diesel::insert_into(clause_mappings::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// What a mapping change may touch: not its clause, control or creation time.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = clause_mappings, treat_none_as_null = true)]
pub struct MappingChange {
    #[diesel(skip_update)]
    pub id: String,
    pub coverage: String,
    pub verification: String,
    pub verified_by: Option<String>,
    pub verified_at: Option<String>,
    pub note: Option<String>,
}

pub fn update_mapping(conn: &mut DbConn, change: &MappingChange) -> QueryResult<()> {
    diesel::update(clause_mappings::table.filter(clause_mappings::id.eq(&change.id)))
        .set(change)
        .execute(conn)
        .map(|_| ())
}

pub fn delete_mapping(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(clause_mappings::table.filter(clause_mappings::id.eq(id)))
        .execute(conn)
        .map(|_| ())
}

/// The mappings of the given clauses, in creation order.
pub fn mappings_for(conn: &mut DbConn, clause_ids: &[String]) -> QueryResult<Vec<MappingRow>> {
    clause_mappings::table
        .filter(clause_mappings::clause_id.eq_any(clause_ids))
        .select(MappingRow::as_select())
        .order(clause_mappings::id.asc())
        .load(conn)
}

/// Every clause mapping of the vendor's contracts, whatever their status.
pub fn vendor_mappings(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> QueryResult<Vec<VendorMapping>> {
    clause_mappings::table
        .inner_join(contract_clauses::table.inner_join(contracts::table))
        .filter(contracts::org_id.eq(org))
        .filter(contracts::vendor_id.eq(vendor_id))
        .select(VendorMapping::as_select())
        .order(clause_mappings::id.asc())
        .load(conn)
}

/// The mappings of the clauses of every contract of the vendors with ids in (`after`, `last`].
pub fn vendor_mappings_between(
    conn: &mut DbConn,
    org: &str,
    after: &str,
    last: &str,
) -> QueryResult<Vec<VendorMapping>> {
    clause_mappings::table
        .inner_join(contract_clauses::table.inner_join(contracts::table))
        .filter(contracts::org_id.eq(org))
        .filter(contracts::vendor_id.gt(after))
        .filter(contracts::vendor_id.le(last))
        .select(VendorMapping::as_select())
        .order((contracts::vendor_id.asc(), clause_mappings::id.asc()))
        .load(conn)
}

pub fn responsibilities(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> QueryResult<Vec<ResponsibilityRow>> {
    control_responsibilities::table
        .filter(control_responsibilities::org_id.eq(org))
        .filter(control_responsibilities::vendor_id.eq(vendor_id))
        .select(ResponsibilityRow::as_select())
        .order(control_responsibilities::control_id.asc())
        .load(conn)
}

/// The responsibilities decided for the vendors with ids in (`after`, `last`].
pub fn responsibilities_between(
    conn: &mut DbConn,
    org: &str,
    after: &str,
    last: &str,
) -> QueryResult<Vec<ResponsibilityRow>> {
    control_responsibilities::table
        .filter(control_responsibilities::org_id.eq(org))
        .filter(control_responsibilities::vendor_id.gt(after))
        .filter(control_responsibilities::vendor_id.le(last))
        .select(ResponsibilityRow::as_select())
        .order((
            control_responsibilities::vendor_id.asc(),
            control_responsibilities::control_id.asc(),
        ))
        .load(conn)
}

pub fn replace_responsibilities(
    conn: &mut DbConn,
    vendor_id: &str,
    rows: &[ResponsibilityRow],
) -> QueryResult<()> {
    diesel::delete(
        control_responsibilities::table.filter(control_responsibilities::vendor_id.eq(vendor_id)),
    )
    .execute(conn)?;
    for row in rows {
        diesel::insert_into(control_responsibilities::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}
