use diesel::prelude::*;

use super::schema::{control_crosswalk, controls, frameworks, profile_controls};
use super::{contains_pattern, lower, DbConn};
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

pub fn find(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<ControlRow>> {
    controls::table
        .filter(controls::id.eq(id))
        .filter(controls::org_id.is_null().or(controls::org_id.eq(org)))
        .select(ControlRow::as_select())
        .first(conn)
        .optional()
}

/// Controls related to `id` through the crosswalk, in either direction.
pub fn related(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Vec<ControlRow>> {
    let visible = control_crosswalk::org_id
        .is_null()
        .or(control_crosswalk::org_id.eq(org.to_owned()));
    let forward: Vec<String> = control_crosswalk::table
        .filter(control_crosswalk::control_id.eq(id))
        .filter(visible.clone())
        .select(control_crosswalk::related_id)
        .load(conn)?;
    let backward: Vec<String> = control_crosswalk::table
        .filter(control_crosswalk::related_id.eq(id))
        .filter(visible)
        .select(control_crosswalk::control_id)
        .load(conn)?;
    let ids: Vec<String> = forward.into_iter().chain(backward).collect();
    controls::table
        .filter(controls::id.eq_any(ids))
        .select(ControlRow::as_select())
        .order(controls::position.asc())
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
pub fn find_many(conn: &mut DbConn, org: &str, ids: &[String]) -> QueryResult<Vec<ControlRow>> {
    controls::table
        .filter(controls::id.eq_any(ids))
        .filter(
            controls::org_id
                .is_null()
                .or(controls::org_id.eq(org.to_owned())),
        )
        .select(ControlRow::as_select())
        .load(conn)
}
