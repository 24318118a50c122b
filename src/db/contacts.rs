use diesel::prelude::*;

use super::schema::vendor_contacts;
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vendor_contacts, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ContactRow {
    pub id: String,
    pub org_id: String,
    pub vendor_id: String,
    pub name: String,
    pub email: Option<String>,
    pub role: Option<String>,
    pub phone: Option<String>,
    pub is_primary: bool,
    pub created_at: String,
    pub updated_at: String,
}

pub fn insert(conn: &mut DbConn, row: &ContactRow) -> QueryResult<()> {
    diesel::insert_into(vendor_contacts::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, row: &ContactRow) -> QueryResult<()> {
    diesel::update(
        vendor_contacts::table
            .filter(vendor_contacts::id.eq(&row.id))
            .filter(vendor_contacts::org_id.eq(&row.org_id)),
    )
    .set(row)
    .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, org: &str, vendor_id: &str, id: &str) -> QueryResult<bool> {
    let deleted = diesel::delete(
        vendor_contacts::table
            .filter(vendor_contacts::id.eq(id))
            .filter(vendor_contacts::vendor_id.eq(vendor_id))
            .filter(vendor_contacts::org_id.eq(org)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

pub fn find(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
    id: &str,
) -> QueryResult<Option<ContactRow>> {
    vendor_contacts::table
        .filter(vendor_contacts::id.eq(id))
        .filter(vendor_contacts::vendor_id.eq(vendor_id))
        .filter(vendor_contacts::org_id.eq(org))
        .select(ContactRow::as_select())
        .first(conn)
        .optional()
}

/// A vendor's contacts in creation order; a vendor has few, so there is no paging.
pub fn list(conn: &mut DbConn, org: &str, vendor_id: &str) -> QueryResult<Vec<ContactRow>> {
    vendor_contacts::table
        .filter(vendor_contacts::vendor_id.eq(vendor_id))
        .filter(vendor_contacts::org_id.eq(org))
        .select(ContactRow::as_select())
        .order(vendor_contacts::id.asc())
        .load(conn)
}

pub fn count(conn: &mut DbConn, vendor_id: &str) -> QueryResult<i64> {
    vendor_contacts::table
        .filter(vendor_contacts::vendor_id.eq(vendor_id))
        .count()
        .get_result(conn)
}

/// Clears the primary flag on every other contact of the vendor.
pub fn clear_primary(conn: &mut DbConn, vendor_id: &str, except: &str) -> QueryResult<()> {
    diesel::update(
        vendor_contacts::table
            .filter(vendor_contacts::vendor_id.eq(vendor_id))
            .filter(vendor_contacts::id.ne(except)),
    )
    .set(vendor_contacts::is_primary.eq(false))
    .execute(conn)?;
    Ok(())
}
