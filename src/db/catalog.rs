use diesel::prelude::*;

use super::schema::{catalog_revisions, control_links, controls, frameworks, profile_controls};
use super::{contains_pattern, lower, sqlite_one_of, DbConn};
use crate::domain::catalog::ControlFilter;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = frameworks)]
pub struct FrameworkRow {
    pub id: String,
    pub org_id: Option<String>,
    pub name: String,
    pub description: String,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = controls)]
pub struct ControlRow {
    pub id: String,
    pub org_id: Option<String>,
    pub framework_id: String,
    pub reference: String,
    pub group_ref: String,
    pub group_title: String,
    pub title: String,
    pub position: i32,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = control_links)]
pub struct ControlLinkRow {
    pub id: String,
    pub org_id: Option<String>,
    pub control_id: String,
    pub related_id: String,
}

/// Built-in frameworks and the organisation's own, with how many controls each has.
pub fn frameworks(conn: &mut DbConn, org: &str) -> QueryResult<Vec<(FrameworkRow, i64)>> {
    let rows: Vec<FrameworkRow> = frameworks::table
        .filter(frameworks::org_id.is_null().or(frameworks::org_id.eq(org)))
        .select(FrameworkRow::as_select())
        .order(frameworks::position.asc())
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let count: i64 = controls::table
            .filter(controls::framework_id.eq(&row.id))
            .filter(controls::org_id.is_null().or(controls::org_id.eq(org)))
            .count()
            .get_result(conn)?;
        out.push((row, count));
    }
    Ok(out)
}

/// One page of controls in catalog order, after position `after`.
pub fn list(
    conn: &mut DbConn,
    org: &str,
    filter: &ControlFilter,
    after: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<ControlRow>> {
    let mut query = controls::table
        .filter(
            controls::org_id
                .is_null()
                .or(controls::org_id.eq(org.to_owned())),
        )
        .select(ControlRow::as_select())
        .into_boxed();
    if let Some(framework) = &filter.framework {
        query = query.filter(controls::framework_id.eq(framework.clone()));
    }
    if let Some(group) = &filter.group {
        query = query.filter(controls::group_ref.eq(group.clone()));
    }
    if let Some(text) = &filter.text {
        let pattern = contains_pattern(text);
        query = query.filter(
            lower(controls::title)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(controls::reference).like(pattern).escape('\\')),
        );
    }
    if let Some(after) = after {
        query = query.filter(controls::position.gt(after));
    }
    query
        .order(controls::position.asc())
        .limit(limit + 1)
        .load(conn)
}

/// One visible framework.
pub fn framework(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<FrameworkRow>> {
    frameworks::table
        .filter(frameworks::id.eq(id))
        .filter(frameworks::org_id.is_null().or(frameworks::org_id.eq(org)))
        .select(FrameworkRow::as_select())
        .first(conn)
        .optional()
}

/// Every visible control of a framework, in catalog order.
pub fn all_in_framework(
    conn: &mut DbConn,
    org: &str,
    framework_id: &str,
) -> QueryResult<Vec<ControlRow>> {
    controls::table
        .filter(controls::framework_id.eq(framework_id))
        .filter(controls::org_id.is_null().or(controls::org_id.eq(org)))
        .select(ControlRow::as_select())
        .order(controls::position.asc())
        .load(conn)
}

pub fn find(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<ControlRow>> {
    controls::table
        .filter(controls::id.eq(id))
        .filter(controls::org_id.is_null().or(controls::org_id.eq(org)))
        .select(ControlRow::as_select())
        .first(conn)
        .optional()
}

/// Crosswalk links of `id` visible to the organisation, in either direction.
pub fn links_of(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Vec<ControlLinkRow>> {
    control_links::table
        .filter(
            control_links::control_id
                .eq(id)
                .or(control_links::related_id.eq(id)),
        )
        .filter(
            control_links::org_id
                .is_null()
                .or(control_links::org_id.eq(org.to_owned())),
        )
        .select(ControlLinkRow::as_select())
        .load(conn)
}

/// Controls related to `id` through the crosswalk, in either direction.
pub fn related(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Vec<ControlRow>> {
    let ids: Vec<String> = links_of(conn, org, id)?
        .into_iter()
        .map(|l| {
            if l.control_id == id {
                l.related_id
            } else {
                l.control_id
            }
        })
        .collect();
    controls::table
        .filter(controls::id.eq_any(ids))
        .select(ControlRow::as_select())
        .order(controls::position.asc())
        .load(conn)
}

pub fn insert_link(conn: &mut DbConn, link: &ControlLinkRow) -> QueryResult<()> {
    diesel::insert_into(control_links::table)
        .values((
            control_links::id.eq(&link.id),
            control_links::org_id.eq(&link.org_id),
            control_links::control_id.eq(&link.control_id),
            control_links::related_id.eq(&link.related_id),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn delete_link(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<usize> {
    diesel::delete(
        control_links::table
            .filter(control_links::id.eq(id))
            .filter(control_links::org_id.eq(org)),
    )
    .execute(conn)
}

/// Creates the organisation's own framework the first time it defines a control.
pub fn ensure_framework(conn: &mut DbConn, org: &str, framework: &FrameworkRow) -> QueryResult<()> {
    let exists: i64 = frameworks::table
        .filter(frameworks::id.eq(&framework.id))
        .filter(frameworks::org_id.eq(org))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(frameworks::table)
            .values((
                frameworks::id.eq(&framework.id),
                frameworks::org_id.eq(org),
                frameworks::name.eq(&framework.name),
                frameworks::description.eq(&framework.description),
                frameworks::position.eq(framework.position),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The position after every control the organisation sees, so its own come last.
pub fn next_position(conn: &mut DbConn, org: &str) -> QueryResult<i32> {
    let last: Option<i32> = controls::table
        .filter(controls::org_id.is_null().or(controls::org_id.eq(org)))
        .select(diesel::dsl::max(controls::position))
        .first(conn)?;
    Ok(last.unwrap_or(0) + 1)
}

pub fn insert_control(conn: &mut DbConn, row: &ControlRow) -> QueryResult<()> {
    if let Some(org) = &row.org_id {
        touch(conn, org)?;
    }
    diesel::insert_into(controls::table)
        .values((
            controls::id.eq(&row.id),
            controls::org_id.eq(&row.org_id),
            controls::framework_id.eq(&row.framework_id),
            controls::reference.eq(&row.reference),
            controls::group_ref.eq(&row.group_ref),
            controls::group_title.eq(&row.group_title),
            controls::title.eq(&row.title),
            controls::position.eq(row.position),
            controls::description.eq(&row.description),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Rewrites the editable columns of one of the organisation's own controls.
pub fn update_control(conn: &mut DbConn, org: &str, row: &ControlRow) -> QueryResult<usize> {
    touch(conn, org)?;
    diesel::update(
        controls::table
            .filter(controls::id.eq(&row.id))
            .filter(controls::org_id.eq(org)),
    )
    .set((
        controls::group_ref.eq(&row.group_ref),
        controls::group_title.eq(&row.group_title),
        controls::title.eq(&row.title),
        controls::description.eq(&row.description),
    ))
    .execute(conn)
}

/// Deletes one of the organisation's own controls with its crosswalk links.
pub fn delete_control(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<usize> {
    touch(conn, org)?;
    diesel::delete(
        control_links::table
            .filter(control_links::org_id.eq(org))
            .filter(
                control_links::control_id
                    .eq(id)
                    .or(control_links::related_id.eq(id)),
            ),
    )
    .execute(conn)?;
    diesel::delete(
        controls::table
            .filter(controls::id.eq(id))
            .filter(controls::org_id.eq(org)),
    )
    .execute(conn)
}

/// Replaces the organisation's catalog stamp (`catalog_revisions`): called by every change to
/// its own controls or profiles, in the change's transaction.
fn touch(conn: &mut DbConn, org: &str) -> QueryResult<()> {
    let stamp = super::new_id();
    let replaced =
        diesel::update(catalog_revisions::table.filter(catalog_revisions::org_id.eq(org)))
            .set(catalog_revisions::stamp.eq(&stamp))
            .execute(conn)?;
    if replaced == 0 {
        diesel::insert_into(catalog_revisions::table)
            .values((
                catalog_revisions::org_id.eq(org),
                catalog_revisions::stamp.eq(&stamp),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The organisation's catalog stamp; `None` while it has changed nothing.
pub fn stamp(conn: &mut DbConn, org: &str) -> QueryResult<Option<String>> {
    catalog_revisions::table
        .filter(catalog_revisions::org_id.eq(org))
        .select(catalog_revisions::stamp)
        .first(conn)
        .optional()
}

/// Every control the organisation sees: the built-in ones and its own.
pub fn visible(conn: &mut DbConn, org: &str) -> QueryResult<Vec<ControlRow>> {
    controls::table
        .filter(controls::org_id.is_null().or(controls::org_id.eq(org)))
        .select(ControlRow::as_select())
        .load(conn)
}

/// The tiers whose organisation profile lists the control.
pub fn profile_tiers_with(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Vec<String>> {
    profile_controls::table
        .filter(profile_controls::org_id.eq(org))
        .filter(profile_controls::control_id.eq(id))
        .select(profile_controls::tier)
        .load(conn)
}

/// The control ids required of `tier` vendors: the organisation's own profile for the tier when
/// it has one, else the built-in default. The flag says whether it is the organisation's own.
pub fn profile(conn: &mut DbConn, org: &str, tier: &str) -> QueryResult<(Vec<String>, bool)> {
    let own: Vec<String> = profile_controls::table
        .filter(profile_controls::org_id.eq(org))
        .filter(profile_controls::tier.eq(tier))
        .select(profile_controls::control_id)
        .order(profile_controls::position.asc())
        .load(conn)?;
    if !own.is_empty() {
        return Ok((own, true));
    }
    let defaults = profile_controls::table
        .filter(profile_controls::org_id.is_null())
        .filter(profile_controls::tier.eq(tier))
        .select(profile_controls::control_id)
        .order(profile_controls::position.asc())
        .load(conn)?;
    Ok((defaults, false))
}

/// Replaces the organisation's own profile for `tier` (an empty list reverts to the default).
pub fn replace_profile(
    conn: &mut DbConn,
    org: &str,
    tier: &str,
    control_ids: &[String],
) -> QueryResult<()> {
    touch(conn, org)?;
    diesel::delete(
        profile_controls::table
            .filter(profile_controls::org_id.eq(org))
            .filter(profile_controls::tier.eq(tier)),
    )
    .execute(conn)?;
    for (i, control_id) in control_ids.iter().enumerate() {
        diesel::insert_into(profile_controls::table)
            .values((
                profile_controls::id.eq(super::new_id()),
                profile_controls::org_id.eq(org),
                profile_controls::tier.eq(tier),
                profile_controls::control_id.eq(control_id),
                profile_controls::position.eq(i as i32 + 1),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The visible controls among `ids`, by id.
/// On SQLite the ids are bound as one JSON array (`sqlite_one_of`), so the statement stays
/// prepared: suggestions read the controls their answer entries cite on every request.
pub fn find_many(conn: &mut DbConn, org: &str, ids: &[String]) -> QueryResult<Vec<ControlRow>> {
    let visible = controls::org_id
        .is_null()
        .or(controls::org_id.eq(org.to_owned()));
    let query = controls::table.filter(visible);
    match conn {
        DbConn::Sqlite(c) => query
            .filter(sqlite_one_of(controls::id, ids))
            .select(ControlRow::as_select())
            .load(c),
        DbConn::Pg(c) => query
            .filter(controls::id.eq_any(ids))
            .select(ControlRow::as_select())
            .load(c),
    }
}
