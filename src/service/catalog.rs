use super::{read, ServiceError};
use crate::db::catalog::{ControlFilter, ControlRow};
use crate::db::{self, Pool};
use crate::domain::catalog::{Control, ControlDetail, Framework};
use crate::domain::pagination::{self, Page};
use crate::domain::Actor;

fn to_control(row: ControlRow) -> Control {
    Control {
        built_in: row.org_id.is_none(),
        id: row.id,
        framework: row.framework_id,
        reference: row.reference,
        group_ref: row.group_ref,
        group_title: row.group_title,
        title: row.title,
    }
}

pub fn frameworks(pool: &Pool, actor: &Actor) -> Result<Vec<Framework>, ServiceError> {
    read(pool, |conn| {
        Ok(db::catalog::frameworks(conn, &actor.org)?
            .into_iter()
            .map(|(row, control_count)| Framework {
                built_in: row.org_id.is_none(),
                id: row.id,
                name: row.name,
                description: row.description,
                control_count,
            })
            .collect())
    })
}

/// Controls in catalog order; the cursor is a catalog position.
pub fn list(
    pool: &Pool,
    actor: &Actor,
    filter: &ControlFilter,
    page: &Page,
) -> Result<(Vec<Control>, Option<String>), ServiceError> {
    let after = match &page.after {
        Some(key) => Some(key.parse::<i32>().map_err(|_| {
            ServiceError::field("cursor", "cursor", "is not a cursor this API returned")
        })?),
        None => None,
    };
    read(pool, |conn| {
        let rows = db::catalog::list(conn, &actor.org, filter, after, page.limit)?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.position.to_string());
        Ok((rows.into_iter().map(to_control).collect(), next))
    })
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<ControlDetail, ServiceError> {
    read(pool, |conn| {
        let row = db::catalog::find(conn, &actor.org, id)?
            .ok_or(ServiceError::NotFound { entity: "control" })?;
        let crosswalk = db::catalog::related(conn, &actor.org, id)?
            .into_iter()
            .map(to_control)
            .collect();
        Ok(ControlDetail {
            control: to_control(row),
            crosswalk,
        })
    })
}
