use diesel::prelude::*;

use super::schema::{ai_service_changes, ai_services, use_cases};
use super::{contains_pattern, lower, DbConn};
use crate::domain::ai_service::{enum_to_text, AiServiceFilter};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ai_services, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct AiServiceRow {
    pub id: String,
    pub org_id: String,
    pub vendor_id: String,
    pub name: String,
    pub kind: String,
    pub model_name: Option<String>,
    pub model_version: Option<String>,
    pub endpoints: String,
    pub hosting_regions: String,
    pub data_categories: String,
    pub retention_days: Option<i32>,
    pub trains_on_customer_data: String,
    pub subprocessors_see_data: Option<bool>,
    pub eu_ai_act_role: Option<String>,
    pub eu_ai_act_risk_class: Option<String>,
    pub human_oversight: Option<String>,
    pub documentation: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ai_service_changes, treat_none_as_default_value = false)]
pub struct AiServiceChangeRow {
    pub id: String,
    pub org_id: String,
    pub ai_service_id: String,
    pub changed_at: String,
    pub actor: String,
    pub changes: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = use_cases, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct UseCaseRow {
    pub id: String,
    pub org_id: String,
    pub ai_service_id: String,
    pub purpose: String,
    pub business_owner: Option<String>,
    pub affected_people: String,
    pub decision_impact: String,
    pub autonomy: String,
    pub human_oversight: Option<String>,
    pub monthly_volume: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

pub fn insert(conn: &mut DbConn, row: &AiServiceRow) -> QueryResult<()> {
    diesel::insert_into(ai_services::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes `row` if the stored version is still `expected_version`; returns whether it did.
pub fn update(conn: &mut DbConn, row: &AiServiceRow, expected_version: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        ai_services::table
            .filter(ai_services::id.eq(&row.id))
            .filter(ai_services::org_id.eq(&row.org_id))
            .filter(ai_services::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn delete(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<bool> {
    let deleted = diesel::delete(
        ai_services::table
            .filter(ai_services::id.eq(id))
            .filter(ai_services::org_id.eq(org)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

pub fn find(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<AiServiceRow>> {
    ai_services::table
        .filter(ai_services::id.eq(id))
        .filter(ai_services::org_id.eq(org))
        .select(AiServiceRow::as_select())
        .first(conn)
        .optional()
}

/// JSON-array columns hold validated values, so a quoted value matches one element exactly.
fn json_element(value: &str) -> String {
    format!("%\"{value}\"%")
}

/// One page, newest first, with one extra row to tell whether more follow.
pub fn list(
    conn: &mut DbConn,
    org: &str,
    filter: &AiServiceFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AiServiceRow>> {
    let mut query = ai_services::table
        .filter(ai_services::org_id.eq(org))
        .select(AiServiceRow::as_select())
        .into_boxed();
    if let Some(vendor_id) = &filter.vendor_id {
        query = query.filter(ai_services::vendor_id.eq(vendor_id.clone()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(ai_services::kind.eq(enum_to_text(kind)));
    }
    if let Some(model) = &filter.model {
        query = query.filter(
            lower(ai_services::model_name.assume_not_null())
                .like(contains_pattern(model))
                .escape('\\'),
        );
    }
    if let Some(category) = &filter.data_category {
        query =
            query.filter(ai_services::data_categories.like(json_element(&enum_to_text(category))));
    }
    if let Some(region) = &filter.region {
        query = query.filter(ai_services::hosting_regions.like(json_element(region)));
    }
    if let Some(training) = &filter.trains_on_customer_data {
        query = query.filter(ai_services::trains_on_customer_data.eq(enum_to_text(training)));
    }
    if let Some(class) = &filter.eu_ai_act_risk_class {
        query = query.filter(ai_services::eu_ai_act_risk_class.eq(enum_to_text(class)));
    }
    if let Some(after) = after {
        query = query.filter(ai_services::id.lt(after.to_owned()));
    }
    query
        .order(ai_services::id.desc())
        .limit(limit + 1)
        .load(conn)
}

pub fn insert_change(conn: &mut DbConn, row: &AiServiceChangeRow) -> QueryResult<()> {
    diesel::insert_into(ai_service_changes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A service's change history, newest first.
pub fn changes(
    conn: &mut DbConn,
    org: &str,
    ai_service_id: &str,
) -> QueryResult<Vec<AiServiceChangeRow>> {
    ai_service_changes::table
        .filter(ai_service_changes::ai_service_id.eq(ai_service_id))
        .filter(ai_service_changes::org_id.eq(org))
        .select(AiServiceChangeRow::as_select())
        .order(ai_service_changes::id.desc())
        .load(conn)
}

pub fn insert_use_case(conn: &mut DbConn, row: &UseCaseRow) -> QueryResult<()> {
    diesel::insert_into(use_cases::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update_use_case(conn: &mut DbConn, row: &UseCaseRow) -> QueryResult<()> {
    diesel::update(
        use_cases::table
            .filter(use_cases::id.eq(&row.id))
            .filter(use_cases::org_id.eq(&row.org_id)),
    )
    .set(row)
    .execute(conn)?;
    Ok(())
}

pub fn delete_use_case(
    conn: &mut DbConn,
    org: &str,
    ai_service_id: &str,
    id: &str,
) -> QueryResult<bool> {
    let deleted = diesel::delete(
        use_cases::table
            .filter(use_cases::id.eq(id))
            .filter(use_cases::ai_service_id.eq(ai_service_id))
            .filter(use_cases::org_id.eq(org)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

pub fn find_use_case(
    conn: &mut DbConn,
    org: &str,
    ai_service_id: &str,
    id: &str,
) -> QueryResult<Option<UseCaseRow>> {
    use_cases::table
        .filter(use_cases::id.eq(id))
        .filter(use_cases::ai_service_id.eq(ai_service_id))
        .filter(use_cases::org_id.eq(org))
        .select(UseCaseRow::as_select())
        .first(conn)
        .optional()
}

/// A service's use cases, oldest first; a service has few.
pub fn use_cases_of(
    conn: &mut DbConn,
    org: &str,
    ai_service_id: &str,
) -> QueryResult<Vec<UseCaseRow>> {
    use_cases::table
        .filter(use_cases::ai_service_id.eq(ai_service_id))
        .filter(use_cases::org_id.eq(org))
        .select(UseCaseRow::as_select())
        .order(use_cases::id.asc())
        .load(conn)
}

/// The columns of a service the risk and requirement rules read.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = ai_services)]
pub struct ServiceProfileRow {
    pub id: String,
    pub vendor_id: String,
    pub name: String,
    pub data_categories: String,
    pub trains_on_customer_data: String,
    pub subprocessors_see_data: Option<bool>,
    pub eu_ai_act_risk_class: Option<String>,
}

/// The columns of a use case the rules read.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = use_cases)]
pub struct UseProfileRow {
    pub ai_service_id: String,
    pub purpose: String,
    pub affected_people: String,
    pub decision_impact: String,
    pub autonomy: String,
}

/// What the rules read of the vendor's services, in service id order.
pub fn profiles_of_vendor(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> QueryResult<Vec<ServiceProfileRow>> {
    ai_services::table
        .filter(ai_services::org_id.eq(org))
        .filter(ai_services::vendor_id.eq(vendor_id))
        .select(ServiceProfileRow::as_select())
        .order((ai_services::vendor_id.asc(), ai_services::id.asc()))
        .load(conn)
}

/// The same for the organisation's vendors with ids in (`after`, `last`], in vendor and
/// service id order.
pub fn profiles_between(
    conn: &mut DbConn,
    org: &str,
    after: &str,
    last: &str,
) -> QueryResult<Vec<ServiceProfileRow>> {
    ai_services::table
        .filter(ai_services::org_id.eq(org))
        .filter(ai_services::vendor_id.gt(after))
        .filter(ai_services::vendor_id.le(last))
        .select(ServiceProfileRow::as_select())
        .order((ai_services::vendor_id.asc(), ai_services::id.asc()))
        .load(conn)
}

/// What the rules read of the use cases of every service the vendor provides, in id order.
pub fn use_profiles_of_vendor(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> QueryResult<Vec<UseProfileRow>> {
    use_cases::table
        .inner_join(ai_services::table)
        .filter(ai_services::vendor_id.eq(vendor_id))
        .filter(ai_services::org_id.eq(org))
        .filter(use_cases::org_id.eq(org))
        .select(UseProfileRow::as_select())
        .order(use_cases::id.asc())
        .load(conn)
}

/// The same for the services of the vendors with ids in (`after`, `last`].
pub fn use_profiles_between(
    conn: &mut DbConn,
    org: &str,
    after: &str,
    last: &str,
) -> QueryResult<Vec<UseProfileRow>> {
    use_cases::table
        .inner_join(ai_services::table)
        .filter(ai_services::org_id.eq(org))
        .filter(ai_services::vendor_id.gt(after))
        .filter(ai_services::vendor_id.le(last))
        .filter(use_cases::org_id.eq(org))
        .select(UseProfileRow::as_select())
        .order(use_cases::id.asc())
        .load(conn)
}

pub fn count_use_cases(conn: &mut DbConn, ai_service_id: &str) -> QueryResult<i64> {
    use_cases::table
        .filter(use_cases::ai_service_id.eq(ai_service_id))
        .count()
        .get_result(conn)
}

/// Every AI service of the organisation (or of one vendor), grouped by vendor.
pub fn all_for(
    conn: &mut DbConn,
    org: &str,
    vendor_id: Option<&str>,
) -> QueryResult<Vec<AiServiceRow>> {
    // Not boxed: a boxed query is rebuilt as SQL text on every call to find its cached statement.
    let in_org = ai_services::table.filter(ai_services::org_id.eq(org));
    let order = (ai_services::vendor_id.asc(), ai_services::id.asc());
    match vendor_id {
        Some(vendor_id) => in_org
            .filter(ai_services::vendor_id.eq(vendor_id))
            .select(AiServiceRow::as_select())
            .order(order)
            .load(conn),
        None => in_org
            .select(AiServiceRow::as_select())
            .order(order)
            .load(conn),
    }
}

/// (service id, purpose) of the use cases of these services.
pub fn purposes_for(
    conn: &mut DbConn,
    service_ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    use_cases::table
        .filter(use_cases::ai_service_id.eq_any(service_ids))
        .select((use_cases::ai_service_id, use_cases::purpose))
        .order(use_cases::id.asc())
        .load(conn)
}
