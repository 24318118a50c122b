use diesel::prelude::*;

use super::schema::{vendor_external_ids, vendor_tags, vendors};
use super::{contains_pattern, lower, DbConn};
use crate::domain::vendor::VendorFilter;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vendors, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct VendorRow {
    pub id: String,
    pub org_id: String,
    pub legal_name: String,
    pub display_name: Option<String>,
    /// JSON array of domain names.
    pub domains: String,
    pub country: Option<String>,
    pub owner: Option<String>,
    pub status: String,
    pub tier: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub reassessment_due: bool,
    pub reassessment_reason: Option<String>,
    pub contract_expired: bool,
    /// JSON array of the tags in byte order, as the API shows them; `vendor_tags` holds the
    /// same for filtering. Kept on the row so that reading vendors is one statement.
    pub tags: String,
    /// JSON array of `{source, id}` in source order; `vendor_external_ids` holds the same for
    /// lookups and uniqueness.
    pub external_ids: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Insertable)]
#[diesel(table_name = vendor_external_ids, treat_none_as_default_value = false)]
pub struct ExternalIdRow {
    pub vendor_id: String,
    pub org_id: String,
    pub source: String,
    pub external_id: String,
}

pub fn insert(conn: &mut DbConn, row: &VendorRow) -> QueryResult<()> {
    on_backend!(conn, c => diesel::insert_into(vendors::table)
        .values(row)
        .execute(c))?;
    Ok(())
}

/// Writes `row` if the stored version is still `expected_version`; returns whether it did.
pub fn update(conn: &mut DbConn, row: &VendorRow, expected_version: i64) -> QueryResult<bool> {
    let changed = on_backend!(conn, c => diesel::update(
        vendors::table
            .filter(vendors::id.eq(&row.id))
            .filter(vendors::org_id.eq(&row.org_id))
            .filter(vendors::version.eq(expected_version)),
    )
    .set(row)
    .execute(c))?;
    Ok(changed == 1)
}

pub fn delete(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<bool> {
    let deleted = diesel::delete(
        vendors::table
            .filter(vendors::id.eq(id))
            .filter(vendors::org_id.eq(org)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

pub fn find(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<VendorRow>> {
    on_backend!(conn, c => vendors::table
        .filter(vendors::id.eq(id))
        .filter(vendors::org_id.eq(org))
        .select(VendorRow::as_select())
        .first(c))
    .optional()
}

/// The organisation's vendors in id order after `after`, at most `limit`.
pub fn after_id(
    conn: &mut DbConn,
    org: &str,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<VendorRow>> {
    vendors::table
        .filter(vendors::org_id.eq(org))
        .filter(vendors::id.gt(after))
        .select(VendorRow::as_select())
        .order(vendors::id.asc())
        .limit(limit)
        .load(conn)
}

/// One page of vendors, newest first, fetching one row more than `limit` so the caller knows
/// whether another page follows: each vendor's id and the vendor as the API's JSON object,
/// written by the database (see [`VendorJson`]).
pub fn list(
    conn: &mut DbConn,
    org: &str,
    filter: &VendorFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(String, String)>> {
    // Built on the backend's own connection: through the multi-backend one diesel renders a
    // boxed statement's SQL twice per execution.
    on_backend!(conn, c => {
        let mut query = vendors::table
            .filter(vendors::org_id.eq(org))
            .select((vendors::id, VendorJson))
            .into_boxed();
        if let Some(status) = &filter.status {
            query = query.filter(vendors::status.eq(status.as_str()));
        }
        if let Some(tier) = &filter.tier {
            query = query.filter(vendors::tier.eq(tier.as_str()));
        }
        if let Some(owner) = &filter.owner {
            query = query.filter(vendors::owner.eq(owner.clone()));
        }
        if let Some(tag) = &filter.tag {
            let tagged = vendor_tags::table
                .filter(vendor_tags::org_id.eq(org))
                .filter(vendor_tags::tag.eq(tag.clone()))
                .select(vendor_tags::vendor_id);
            query = query.filter(vendors::id.eq_any(tagged));
        }
        if let Some(text) = &filter.name_contains {
            let pattern = contains_pattern(text);
            query = query.filter(
                lower(vendors::legal_name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(vendors::display_name.assume_not_null())
                        .like(pattern)
                        .escape('\\')),
            );
        }
        if let Some(after) = after {
            query = query.filter(vendors::id.lt(after.to_owned()));
        }
        query.order(vendors::id.desc()).limit(limit + 1).load(c)
    })
}

/// A vendor row as the JSON object the API shows (`domain::vendor::Vendor`, its fields in the
/// same order), written by the database: a list page then decodes one text column a vendor and
/// is sent without being parsed and serialised again. Nothing is parsed on the way either: the
/// JSON arrays are stored as the API shows them. A field added to `Vendor` is added here too:
/// `a_listed_vendor_is_the_vendor_read_alone_field_for_field` compares a page's vendors with
/// the vendor read alone and fails until it is.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
pub struct VendorJson;

impl diesel::expression::Expression for VendorJson {
    type SqlType = diesel::sql_types::Text;
}

impl diesel::expression::AppearsOnTable<vendors::table> for VendorJson {}

impl diesel::expression::SelectableExpression<vendors::table> for VendorJson {}

impl diesel::expression::ValidGrouping<()> for VendorJson {
    type IsAggregate = diesel::expression::is_aggregate::No;
}

impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for VendorJson {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        // `json_quote` writes text as a JSON string and NULL as null; booleans are stored as
        // 0 and 1. (`json_object` with `json()` around the arrays parsed them again: a seventh
        // of a page.)
        out.push_sql(concat!(
            "concat('{\"id\":', json_quote(vendors.id), ",
            "',\"legal_name\":', json_quote(vendors.legal_name), ",
            "',\"display_name\":', json_quote(vendors.display_name), ",
            "',\"domains\":', vendors.domains, ',\"country\":', json_quote(vendors.country), ",
            "',\"owner\":', json_quote(vendors.owner), ",
            "',\"status\":', json_quote(vendors.status), ',\"tier\":', json_quote(vendors.tier), ",
            "',\"notes\":', json_quote(vendors.notes), ',\"tags\":', vendors.tags, ",
            "',\"external_ids\":', vendors.external_ids, ",
            "',\"reassessment_due\":', CASE WHEN vendors.reassessment_due THEN 'true' ELSE 'false' END, ",
            "',\"reassessment_reason\":', json_quote(vendors.reassessment_reason), ",
            "',\"contract_expired\":', CASE WHEN vendors.contract_expired THEN 'true' ELSE 'false' END, ",
            "',\"version\":', vendors.version, ",
            "',\"created_at\":', json_quote(vendors.created_at), ",
            "',\"updated_at\":', json_quote(vendors.updated_at), '}')",
        ));
        Ok(())
    }
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for VendorJson {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        // As on SQLite, with `to_json` for `json_quote`: it makes NULL of NULL, which `concat`
        // would leave out.
        out.push_sql(concat!(
            "concat('{\"id\":', to_json(vendors.id), ",
            "',\"legal_name\":', to_json(vendors.legal_name), ",
            "',\"display_name\":', coalesce(to_json(vendors.display_name)::text, 'null'), ",
            "',\"domains\":', vendors.domains, ",
            "',\"country\":', coalesce(to_json(vendors.country)::text, 'null'), ",
            "',\"owner\":', coalesce(to_json(vendors.owner)::text, 'null'), ",
            "',\"status\":', to_json(vendors.status), ",
            "',\"tier\":', coalesce(to_json(vendors.tier)::text, 'null'), ",
            "',\"notes\":', coalesce(to_json(vendors.notes)::text, 'null'), ",
            "',\"tags\":', vendors.tags, ',\"external_ids\":', vendors.external_ids, ",
            "',\"reassessment_due\":', CASE WHEN vendors.reassessment_due THEN 'true' ELSE 'false' END, ",
            "',\"reassessment_reason\":', coalesce(to_json(vendors.reassessment_reason)::text, 'null'), ",
            "',\"contract_expired\":', CASE WHEN vendors.contract_expired THEN 'true' ELSE 'false' END, ",
            "',\"version\":', vendors.version, ',\"created_at\":', to_json(vendors.created_at), ",
            "',\"updated_at\":', to_json(vendors.updated_at), '}')",
        ));
        Ok(())
    }
}

pub fn replace_tags(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
    tags: &[String],
) -> QueryResult<()> {
    diesel::delete(vendor_tags::table.filter(vendor_tags::vendor_id.eq(vendor_id)))
        .execute(conn)?;
    // Row by row: multi-row inserts are not portable across the two backends in diesel.
    for tag in tags {
        diesel::insert_into(vendor_tags::table)
            .values((
                vendor_tags::vendor_id.eq(vendor_id),
                vendor_tags::org_id.eq(org),
                vendor_tags::tag.eq(tag),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn replace_external_ids(
    conn: &mut DbConn,
    vendor_id: &str,
    rows: &[ExternalIdRow],
) -> QueryResult<()> {
    diesel::delete(vendor_external_ids::table.filter(vendor_external_ids::vendor_id.eq(vendor_id)))
        .execute(conn)?;
    for row in rows {
        diesel::insert_into(vendor_external_ids::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Which vendor of `org`, other than `except`, already holds one of these external ids.
pub fn external_id_holder(
    conn: &mut DbConn,
    org: &str,
    except: &str,
    source: &str,
    external_id: &str,
) -> QueryResult<Option<String>> {
    vendor_external_ids::table
        .filter(vendor_external_ids::org_id.eq(org))
        .filter(vendor_external_ids::source.eq(source))
        .filter(vendor_external_ids::external_id.eq(external_id))
        .filter(vendor_external_ids::vendor_id.ne(except))
        .select(vendor_external_ids::vendor_id)
        .first(conn)
        .optional()
}
